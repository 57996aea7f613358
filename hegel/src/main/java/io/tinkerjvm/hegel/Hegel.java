package io.tinkerjvm.hegel;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tinkerjvm.hegel.auth.ImdsTokens;
import io.tinkerjvm.hegel.http.HegelHttpServer;
import io.tinkerjvm.hegel.http.MetadataRouter;
import io.tinkerjvm.hegel.http.Reply;
import io.tinkerjvm.hegel.metadata.Body;
import io.tinkerjvm.hegel.metadata.CustomEndpoint;
import io.tinkerjvm.hegel.metadata.TinkMetadataSource;
import io.tinkerjvm.runtime.ServiceProcess;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.http.StatusHttpServer;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Hegel's process: the metadata source, the HTTP server and their shutdown. */
public final class Hegel implements AutoCloseable {

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final long started = System.nanoTime();
  private HegelHttpServer http;
  private TinkMetadataSource source;

  private Hegel() {}

  public static Hegel start(HegelConfig config) {
    Hegel hegel = new Hegel();
    try {
      hegel.startParts(config);
      return hegel;
    } catch (RuntimeException e) {
      hegel.close();
      throw e;
    }
  }

  private void startParts(HegelConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    MachineCredentials credentials = MachineCredentials.fromKeyFileOrNew("machine-key-file", config.machineKeyFile());

    ManagedChannel channel = Grpc.newChannelBuilder(config.grpcAuthority(),
        config.tinkTls().open("hegel").credentials()).build();
    resources.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    source = new TinkMetadataSource(channel, config.customEndpoints());
    resources.add(source);
    Gauge.builder("hegel.machines", source, TinkMetadataSource::size)
        .description("machines Hegel can answer").register(registry);

    byte[] tokenKey;
    if (credentials != null) {
      tokenKey = credentials.derivedKey("imds session tokens");
    } else {
      tokenKey = new byte[32];
      new SecureRandom().nextBytes(tokenKey);
    }
    MetadataRouter router = new MetadataRouter(source::byIp, config.trustedProxies(), credentials,
        config.requireCredential(), new ImdsTokens(tokenKey, Clock.systemUTC()), config.requireImdsToken(),
        config.customEndpoints().stream().map(CustomEndpoint::path).collect(Collectors.toSet()),
        statusEndpoints(registry));

    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.httpThreads(), NioIoHandler.newFactory());
    ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    resources.add(blocking::shutdownNow);
    resources.add(() -> boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
    resources.add(() -> workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
    http = HegelHttpServer.start(boss, workers, config.httpAddress(), config.httpPort(), router,
        source::answersFromMemory, blocking, registry);
    resources.add(http);
  }

  private Map<String, Function<String, Reply>> statusEndpoints(PrometheusMeterRegistry registry) {
    Function<String, Reply> health = method -> {
      String problem = source.healthProblem();
      // Tinkerbell's fields, so that existing probes and dashboards keep reading them
      String json = "{\"status\":\"" + (problem == null ? "ok" : "unavailable") + "\""
          + (problem == null ? "" : ",\"reason\":\"" + StatusHttpServer.jsonEscape(problem) + "\"")
          + ",\"git_rev\":\"" + version() + "\",\"uptime\":" + (System.nanoTime() - started) / 1e9
          + ",\"goroutines\":" + ManagementFactory.getThreadMXBean().getThreadCount()
          + ",\"hardware_client_status\":" + (problem == null) + "}\n";
      return new Reply(MetadataRouter.Route.STATUS, problem == null ? 200 : 503, Body.json(json), Map.of());
    };
    Function<String, Reply> versionz = method -> new Reply(MetadataRouter.Route.STATUS, 200,
        Body.json("{\"name\":\"hegel\",\"version\":\"" + version() + "\",\"git_rev\":\"" + version() + "\"}\n"),
        Map.of());
    Function<String, Reply> metrics = method -> new Reply(MetadataRouter.Route.STATUS, 200,
        new Body(registry.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "text/plain; version=0.0.4; charset=utf-8"), Map.of());
    return Map.of("/healthz", health, "/_packet/healthcheck", health, "/versionz", versionz, "/version", versionz,
        "/_packet/version", versionz, "/metrics", metrics);
  }

  public int httpPort() {
    return http.port();
  }

  static String version() {
    String v = Hegel.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public void close() {
    ServiceProcess.closeAll(resources);
  }

  public static void main(String[] args) throws InterruptedException {
    ServiceProcess.main("hegel", args, HegelConfig::usage, HegelConfig::load, Hegel::start, (config, hegel) -> {
      System.out.println("hegel " + version() + " is up on " + config.httpAddress().getHostAddress() + ":"
          + hegel.httpPort() + " with hardware from tink-server at " + config.grpcAuthority());
      System.out.println("  /2009-04-04/  /latest/ (and dated versions)  /<prefix>/meta-data (NoCloud)  "
          + config.customEndpoints().stream().map(CustomEndpoint::path).sorted().collect(Collectors.joining("  "))
          + "  /healthz  /metrics");
      System.out.println("  machine credential " + (config.requireCredential() ? "required"
          : config.machineKeyFile() != null ? "checked when sent" : "off") + "; IMDSv2 token "
          + (config.requireImdsToken() ? "required" : "optional"));
      return true;
    });
  }
}
