package io.tinkerjvm.pbnj;

import io.grpc.BindableService;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tinkerjvm.pbnj.bmc.BmcGate;
import io.tinkerjvm.pbnj.bmc.BmcOperations;
import io.tinkerjvm.pbnj.bmc.BmcProvider;
import io.tinkerjvm.pbnj.bmc.ProviderChain;
import io.tinkerjvm.pbnj.bmcadmin.BmcGrpcService;
import io.tinkerjvm.pbnj.ipmi.NativeIpmiProvider;
import io.tinkerjvm.pbnj.ipmitool.IpmitoolProvider;
import io.tinkerjvm.pbnj.machine.MachineGrpcService;
import io.tinkerjvm.pbnj.machine.PowerControl;
import io.tinkerjvm.pbnj.racadm.RacadmProvider;
import io.tinkerjvm.pbnj.redfish.RedfishProvider;
import io.tinkerjvm.pbnj.task.TaskGrpcService;
import io.tinkerjvm.pbnj.task.TaskRunner;
import io.tinkerjvm.runtime.ServiceProcess;
import io.tinkerjvm.runtime.grpc.CallerIdentity;
import io.tinkerjvm.runtime.grpc.GrpcServer;
import io.tinkerjvm.runtime.tls.Tls;
import io.tinkerjvm.runtime.http.StatusHttpServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PBnJ's process: the providers, the task runner, the gRPC and status servers, and their shutdown. */
public final class Pbnj implements AutoCloseable {
  private final List<AutoCloseable> resources = new ArrayList<>();
  private GrpcServer grpc;
  private Tls.Server tls;
  private StatusHttpServer http;
  private ProviderChain chain;
  private final Map<String, String> missing = new LinkedHashMap<>();

  private Pbnj() {}

  public static Pbnj start(PbnjConfig config) {
    Pbnj pbnj = new Pbnj();
    try {
      pbnj.startParts(config);
      return pbnj;
    } catch (RuntimeException e) {
      pbnj.close();
      throw e;
    }
  }

  private void startParts(PbnjConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);

    Map<String, BmcProvider> providers = new LinkedHashMap<>();
    for (String name : config.providers()) {
      BmcProvider p = provider(name, config);
      if (p != null) {
        providers.put(name, p);
        if (p instanceof AutoCloseable closeable) {
          resources.add(closeable);
        }
      }
    }
    chain = new ProviderChain(providers, config.providers(), config.retries(), missing);
    TaskRunner tasks = new TaskRunner(new BmcGate(config.minInterval()), config.taskTimeout(), config.taskRetention(),
        config.maxTasks(), registry);
    resources.add(tasks);
    BmcOperations operations = new BmcOperations(chain, tasks);
    List<BindableService> services = List.of(
        new MachineGrpcService(operations, new PowerControl(config.powerConfirmTimeout(), config.cycleGrace())),
        new BmcGrpcService(operations),
        new TaskGrpcService(tasks));
    tls = config.tls().open("pbnj");
    // BMC passwords travel in PBnJ's requests: with mutual TLS only holders of the CA's certificates may call
    grpc = tls.mode() == Tls.Mode.MUTUAL
        ? GrpcServer.start(config.bindAddress(), config.grpcPort(), tls.credentials(), registry, services,
            new CallerIdentity(null), CallerIdentity.requireCertificate())
        : GrpcServer.start(config.bindAddress(), config.grpcPort(), tls.credentials(), registry, services);
    resources.add(grpc);
    http = StatusHttpServer.start(config.bindAddress(), config.httpPort(),
        "{\"name\":\"pbnj\",\"version\":\"" + version() + "\",\"api\":\"tinkerbell pbnj api.v1\"}", registry,
        () -> null);
    resources.add(http);
  }

  /** The provider, or null (with the reason kept) when this host cannot run it. */
  private BmcProvider provider(String name, PbnjConfig config) {
    return switch (name) {
      case "ipmi" -> new NativeIpmiProvider(config.ipmiCipherSuite(), config.requestTimeout());
      case "redfish" -> new RedfishProvider(config.requestTimeout(), config.redfishCaFile());
      case "ipmitool" -> executable(config.ipmitoolPath())
          ? new IpmitoolProvider(config.ipmitoolPath(), config.ipmiCipherSuite(), config.requestTimeout())
          : leftOut(name, "ipmitool is not installed (--ipmitool-path=" + config.ipmitoolPath() + ")");
      case "racadm" -> executable(config.racadmPath())
          ? new RacadmProvider(config.racadmPath(), config.requestTimeout())
          : leftOut(name, "racadm is not installed (--racadm-path=" + config.racadmPath() + ")");
      default -> throw new IllegalArgumentException("unknown provider " + name);
    };
  }

  private BmcProvider leftOut(String name, String why) {
    missing.put(name, why);
    return null;
  }

  /** True when {@code command} is an executable path or is found on PATH. */
  static boolean executable(String command) {
    if (command.contains("/")) {
      return Files.isExecutable(Path.of(command));
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  public int grpcPort() {
    return grpc.port();
  }

  public int httpPort() {
    return http.port();
  }

  /** Providers left out on this host, with why. */
  public Map<String, String> missingProviders() {
    return Map.copyOf(missing);
  }

  static String version() {
    String v = Pbnj.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public void close() {
    ServiceProcess.closeAll(resources);
  }

  public static void main(String[] args) throws InterruptedException {
    ServiceProcess.main("pbnj", args, PbnjConfig::usage, PbnjConfig::load, Pbnj::start, (config, pbnj) -> {
      System.out.println("pbnj " + version() + " is up");
      System.out.println("  gRPC  " + config.bindAddress() + ":" + pbnj.grpcPort()
          + "  (github.com.tinkerbell.pbnj.api.v1 Machine, BMC, Task)");
      System.out.println("  HTTP  http://" + config.bindAddress() + ":" + pbnj.httpPort() + "/healthz  /metrics");
      System.out.println("  TLS   " + pbnj.tls.describe());
      List<String> active = new ArrayList<>(config.providers());
      active.removeAll(pbnj.missingProviders().keySet());
      System.out.println("  providers " + String.join(",", active)
          + (pbnj.missingProviders().isEmpty() ? "" : "  (left out: " + pbnj.missingProviders() + ")"));
      return true;
    });
  }
}
