package io.tinkerjvm.tink;

import io.grpc.BindableService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tinkerjvm.runtime.ServiceProcess;
import io.tinkerjvm.runtime.grpc.GrpcServer;
import io.tinkerjvm.runtime.http.StatusHttpServer;
import io.grpc.Grpc;
import com.sun.net.httpserver.HttpHandler;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.grpc.CallerIdentity;
import io.tinkerjvm.runtime.tls.Tls;
import io.tinkerjvm.tink.workflow.WorkerAccess;
import io.grpc.ManagedChannel;
import io.tinkerjvm.tink.bmc.BmcDriver;
import io.tinkerjvm.tink.bmc.BmcRepository;
import io.tinkerjvm.tink.bmc.BmcVault;
import io.tinkerjvm.tink.bmc.PbnjSteps;
import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.db.Database;
import io.tinkerjvm.tink.db.EmbeddedDatabase;
import io.tinkerjvm.tink.hardware.HardwareChangesGrpcService;
import io.tinkerjvm.tink.hardware.HardwareFeed;
import io.tinkerjvm.tink.hardware.HardwareGrpcService;
import io.tinkerjvm.tink.hardware.HardwareRepository;
import io.tinkerjvm.tink.template.TemplateGrpcService;
import io.tinkerjvm.tink.template.TemplateRepository;
import io.tinkerjvm.tink.workflow.DeadlineEnforcer;
import io.tinkerjvm.tink.workflow.ReportBatcher;
import io.tinkerjvm.tink.workflow.WorkerContextsGrpcService;
import io.tinkerjvm.tink.workflow.WorkflowCreator;
import io.tinkerjvm.tink.workflow.WorkflowDataRepository;
import io.tinkerjvm.tink.workflow.WorkflowEventsGrpcService;
import io.tinkerjvm.tink.workflow.WorkflowGrpcService;
import io.tinkerjvm.tink.workflow.WorkflowRepository;
import io.tinkerjvm.tink.workflow.WorkflowWatchers;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** tink-server's process: owns start-up order and shutdown, nothing else. */
public final class TinkServer implements AutoCloseable {
  /** Batches in flight at once. One gives the largest batches: the next one fills while it commits. */
  private static final int REPORT_COMMITTERS = 1;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private GrpcServer grpc;
  private StatusHttpServer http;
  private String databaseDescription;
  private Tls.Server tls;

  private TinkServer() {}

  public static TinkServer start(TinkServerConfig config) {
    TinkServer server = new TinkServer();
    try {
      server.startParts(config);
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private void startParts(TinkServerConfig config) {
    String url = config.dbUrl();
    String user = config.dbUser();
    String password = config.dbPassword();
    if (url == null) {
      EmbeddedDatabase embedded = EmbeddedDatabase.start(config.dataDir().resolve("postgres"),
          config.embeddedDbPort(), true);
      resources.add(embedded);
      url = embedded.jdbcUrl();
      user = embedded.user();
      databaseDescription = "embedded Postgres on 127.0.0.1:" + embedded.port() + ", data in "
          + config.dataDir().resolve("postgres");
    } else {
      databaseDescription = TinkServerConfig.redact(url);
    }
    Database db = Database.open(url, user, password, config.dbPoolSize());
    resources.add(db);
    if (config.onlyMigration()) {
      return;
    }
    ChangeNotifier notifier = new ChangeNotifier(url, user, password);
    resources.add(notifier);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    db.bindMetrics(registry);

    // a key made here is this server's alone: with an external database, replicas must be given a shared one
    BmcRepository bmcs = new BmcRepository(db, BmcVault.load(config.bmcKey(), config.bmcKeyFile(),
        config.dbUrl() == null || config.bmcKeyFileGiven()));
    HardwareRepository hardware = new HardwareRepository(db, bmcs);
    HardwareFeed feed = new HardwareFeed(hardware, notifier);
    resources.add(feed);
    TemplateRepository templates = new TemplateRepository(db);
    WorkflowRepository workflows = new WorkflowRepository(db, config.pbnjAuthority() != null);
    tls = config.tls().open("tink-server");
    if (config.pbnjAuthority() != null) {
      ManagedChannel pbnj = Grpc.newChannelBuilder(config.pbnjAuthority(),
          config.pbnjTls().open("tink-server").credentials()).build();
      resources.add(() -> pbnj.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
      resources.add(new BmcDriver(bmcs, new PbnjSteps(pbnj, config.bmcStepTimeout()), config.pbnjAuthority(),
          config.bmcStepTimeout(), notifier));
    }
    WorkflowDataRepository data = new WorkflowDataRepository(db, config.workflowDataVersions());
    WorkflowWatchers watchers = new WorkflowWatchers(workflows, notifier);
    resources.add(watchers);
    resources.add(new DeadlineEnforcer(workflows, config.deadlineCheckInterval()));
    ReportBatcher reports = new ReportBatcher(workflows, REPORT_COMMITTERS);
    resources.add(reports);
    Gauge.builder("tink.hardware.watchers", feed, HardwareFeed::subscriberCount)
        .description("open hardware change streams").register(registry);
    Gauge.builder("tink.worker.streams", watchers, WorkflowWatchers::workerStreams)
        .description("open worker context streams").register(registry);

    if (tls.enabled()) {
      // the operator's certificate: the CLI on this host presents it, and with it may make every call
      Tls.issueClientCertificate(config.tls(), "admin");
    }
    MachineCredentials machines = MachineCredentials.fromKeyFileOrNew("machine-key-file", config.machineKeyFile())
        .with(config.machineCredentialLifetime(), java.time.Clock.systemUTC());
    WorkerAccess access = new WorkerAccess(workflows, config.workerCredentialRequired(),
        tls.mode() == Tls.Mode.MUTUAL);
    List<BindableService> services = List.of(
        new HardwareGrpcService(hardware, feed),
        new TemplateGrpcService(templates),
        new WorkflowGrpcService(new WorkflowCreator(templates, hardware, workflows), workflows, reports, data, access),
        new HardwareChangesGrpcService(feed),
        new WorkflowEventsGrpcService(workflows, watchers),
        new WorkerContextsGrpcService(watchers));
    grpc = GrpcServer.start(config.bindAddress(), config.grpcPort(), tls.credentials(), registry, services,
        new CallerIdentity(machines), access);
    resources.add(grpc);
    // v0.6's /cert: the CA a worker pins (TINKERBELL_CERT_URL); public, as a CA certificate is
    Map<String, HttpHandler> routes = new HashMap<>();
    if (tls.enabled()) {
      byte[] ca = readCa(tls.caFile());
      routes.put("/cert", exchange -> {
        exchange.getResponseHeaders().set("Content-Type", "application/x-pem-file");
        exchange.sendResponseHeaders(200, ca.length);
        try (var out = exchange.getResponseBody()) {
          out.write(ca);
        }
      });
    }
    http = StatusHttpServer.start(config.bindAddress(), config.httpPort(), versionJson(), registry, db::healthProblem,
        routes);
    resources.add(http);
  }

  private static byte[] readCa(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readAllBytes(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the CA " + file + ": " + e.getMessage(), e);
    }
  }

  public Tls.Server tls() {
    return tls;
  }

  public int grpcPort() {
    return grpc.port();
  }

  public int httpPort() {
    return http.port();
  }

  public String databaseDescription() {
    return databaseDescription;
  }

  static String version() {
    try (InputStream in = TinkServer.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }

  private static String versionJson() {
    return "{\"name\":\"tink-server\",\"version\":\"" + version() + "\",\"api\":\"tinkerbell tink v0.7\"}";
  }

  @Override
  public void close() {
    ServiceProcess.closeAll(resources);
  }

  public static void main(String[] args) throws InterruptedException {
    ServiceProcess.main("tink-server", args, TinkServerConfig::usage, TinkServerConfig::load, TinkServer::start,
        (config, server) -> {
          if (config.onlyMigration()) {
            System.out.println("tink-server: migrations applied to " + server.databaseDescription());
            return false;
          }
          String host = config.bindAddress();
          System.out.println("tink-server " + version() + " is up");
          System.out.println("  gRPC  " + host + ":" + server.grpcPort()
              + "  (TINKERBELL_GRPC_AUTHORITY=127.0.0.1:" + server.grpcPort() + ")");
          System.out.println("  HTTP  http://" + host + ":" + server.httpPort() + "/healthz  /version  /metrics");
          System.out.println("  TLS   " + server.tls().describe());
          System.out.println("  DB    " + server.databaseDescription());
          System.out.println("  PBnJ  " + (config.pbnjAuthority() == null
              ? "off: machines with metadata.bmc are not power-managed (--pbnj-authority)"
              : config.pbnjAuthority() + ": workflows netboot their machines through their BMCs"));
          return true;
        });
  }
}
