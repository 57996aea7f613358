package io.tinkerjvm.tink.bench;

import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.TemplateServiceGrpc;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.proto.v1.WorkerContextsGrpc;
import io.tinkerjvm.tink.db.EmbeddedDatabase;
import io.tinkerjvm.tink.support.Fixtures;
import io.tinkerjvm.tink.support.TinkProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmarks for docs/benchmarks.md, in one run against one Postgres (durable: fsync and
 * synchronous_commit on):
 * <ol>
 *   <li>pgbench, 50 clients, each a one-row UPDATE transaction on its own row;</li>
 *   <li>ReportActionStatus transitions per second from 50 concurrent simulated workers, each
 *       driving its own workflows through tink-server running as a separate process;</li>
 *   <li>pgbench again, to show the database did not drift;</li>
 *   <li>tink-server's heap (after a full GC) and RSS with 10,000 hardware records and 1,000 open
 *       worker streams.</li>
 * </ol>
 * Usage: ./tinkerjvm bench [seconds=10] [workers=50]
 */
public final class TinkBenchmark {
  private static final int ACTIONS_PER_WORKFLOW = 20;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int workers = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Path dir = Files.createTempDirectory("tinkerjvm-bench");
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0, true)) {
      String base = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/";
      try (Connection c = DriverManager.getConnection(base + "postgres", "postgres", "")) {
        c.createStatement().execute("CREATE DATABASE bench");
        c.createStatement().execute("CREATE DATABASE tink");
      }
      try (Connection c = DriverManager.getConnection(base + "bench", "postgres", "")) {
        c.createStatement().execute("CREATE TABLE bench_row (id int PRIMARY KEY, n bigint NOT NULL)");
        c.createStatement().execute("INSERT INTO bench_row SELECT g, 0 FROM generate_series(1, " + workers + ") g");
      }
      Path script = dir.resolve("update.sql");
      Files.writeString(script, "UPDATE bench_row SET n = n + 1 WHERE id = :client_id + 1;\n");

      boolean quick = Boolean.getBoolean("bench.quick");
      double pgbenchBefore = quick ? 1 : pgbench(pg.port(), script, workers, seconds);
      System.out.printf(Locale.ROOT, "pgbench (before): %.0f tps%n", pgbenchBefore);

      int grpcPort = TinkProcess.freePort();
      int httpPort = TinkProcess.freePort();
      Process server = TinkProcess.start(base + "tink", grpcPort, httpPort);
      try {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", grpcPort,
            io.tinkerjvm.tink.support.RunningTink.clientCredentials()).build();
        double transitions = reportActionStatus(channel, workers, seconds);
        System.out.printf(Locale.ROOT, "tink-server ReportActionStatus: %.0f transitions/s%n", transitions);
        double ceiling = healthChecks(channel, workers, seconds);
        System.out.printf(Locale.ROOT, "tink-server gRPC health check (no database): %.0f calls/s%n", ceiling);
        if (quick) {
          return;
        }

        double pgbenchAfter = pgbench(pg.port(), script, workers, seconds);
        System.out.printf(Locale.ROOT, "pgbench (after): %.0f tps%n", pgbenchAfter);

        String idle = memory(server.pid(), httpPort);
        String loaded = memoryUnderLoad(channel, server.pid(), httpPort);
        channel.shutdownNow();

        double pgbenchMean = (pgbenchBefore + pgbenchAfter) / 2;
        System.out.println();
        System.out.println("| measure | value |");
        System.out.println("|---|---|");
        System.out.printf(Locale.ROOT, "| pgbench one-row UPDATE, %d clients, %d s (before / after) | %.0f / %.0f tps |%n",
            workers, seconds, pgbenchBefore, pgbenchAfter);
        System.out.printf(Locale.ROOT, "| tink-server ReportActionStatus, %d workers, %d s | %.0f transitions/s |%n",
            workers, seconds, transitions);
        System.out.printf(Locale.ROOT, "| ratio to pgbench (mean) | %.2f |%n", transitions / pgbenchMean);
        System.out.printf(Locale.ROOT, "| gRPC alone: Health.Check, %d clients, no database (ratio to pgbench) | %.0f calls/s (%.2f) |%n",
            workers, ceiling, ceiling / pgbenchMean);
        System.out.println("| tink-server idle (after start-up and the run above) | " + idle + " |");
        System.out.println("| tink-server with 10,000 hardware records and 1,000 open worker streams | " + loaded + " |");
      } finally {
        server.destroy();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static double pgbench(int port, Path script, int clients, int seconds) throws Exception {
    Process p = new ProcessBuilder("pgbench", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
        "-n", "-M", "prepared", "-c", Integer.toString(clients), "-j", "2", "-T", Integer.toString(seconds),
        "-f", script.toString(), "bench").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m = Pattern.compile("tps = ([0-9.]+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("pgbench printed no tps:\n" + out);
    }
    return Double.parseDouble(m.group(1));
  }

  /** Each worker owns one machine and drives its own workflows, RUNNING then SUCCESS per action. */
  static double reportActionStatus(ManagedChannel channel, int workers, int seconds) throws Exception {
    StringBuilder template = new StringBuilder("""
        version: "0.1"
        name: bench
        tasks:
        - name: t
          worker: "{{.device_1}}"
          actions:
        """);
    for (int i = 0; i < ACTIONS_PER_WORKFLOW; i++) {
      template.append("  - name: a").append(i).append("\n    image: busybox\n");
    }
    String templateId = TemplateServiceGrpc.newBlockingStub(channel)
        .createTemplate(WorkflowTemplate.newBuilder().setData(template.toString()).build()).getId();
    // Enough workflows that no worker runs out: a generous guess at 3,000 transitions/s.
    int perWorker = Math.max(4, (seconds + 3) * 4000 / (workers * ACTIONS_PER_WORKFLOW * 2) + 2);
    List<String> workerIds = new ArrayList<>();
    List<List<String>> workflows = new ArrayList<>();
    var hw = HardwareServiceGrpc.newBlockingStub(channel);
    var wf = WorkflowServiceGrpc.newBlockingStub(channel);
    ExecutorService setup = Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<List<String>>> created = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      String id = UUID.randomUUID().toString();
      String mac = String.format("02:00:00:00:%02x:%02x", w / 256, w % 256);
      String ip = "10.99." + (w / 256) + "." + (w % 256 + 1);
      workerIds.add(id);
      created.add(setup.submit(() -> {
        hw.push(PushRequest.newBuilder().setData(Fixtures.hardware(id, mac, ip)).build());
        List<String> mine = new ArrayList<>();
        for (int k = 0; k < perWorker; k++) {
          mine.add(wf.createWorkflow(CreateRequest.newBuilder().setTemplate(templateId)
              .setHardware("{\"device_1\":\"" + mac + "\"}").build()).getId());
        }
        return mine;
      }));
    }
    for (var f : created) {
      workflows.add(f.get());
    }
    setup.shutdown();
    AtomicLong transitions = new AtomicLong();
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    List<java.util.concurrent.Future<?>> running = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      String worker = workerIds.get(w);
      List<String> mine = workflows.get(w);
      running.add(pool.submit(() -> {
        for (String id : mine) {
          for (int a = 0; a < ACTIONS_PER_WORKFLOW; a++) {
            for (State s : new State[] {State.STATE_RUNNING, State.STATE_SUCCESS}) {
              if (stop.get()) {
                return null;
              }
              wf.reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(id).setTaskName("t")
                  .setActionName("a" + a).setActionStatus(s).setWorkerId(worker).build());
              if (measuring.get()) {
                transitions.incrementAndGet();
              }
            }
          }
        }
        throw new IllegalStateException("worker ran out of workflows: raise perWorker");
      }));
    }
    Thread.sleep(3000);
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long counted = transitions.get();
    double elapsed = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.SECONDS);
    for (var f : running) {
      f.get();
    }
    return counted / elapsed;
  }

  /** The same client and server doing gRPC calls that touch no database: the ceiling for any RPC here. */
  static double healthChecks(ManagedChannel channel, int workers, int seconds) throws Exception {
    var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel);
    AtomicLong calls = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean(false);
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    for (int w = 0; w < workers; w++) {
      pool.submit(() -> {
        while (!stop.get()) {
          health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
          calls.incrementAndGet();
        }
        return null;
      });
    }
    Thread.sleep(3000);
    long before = calls.get();
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double rate = (calls.get() - before) / ((System.nanoTime() - start) / 1e9);
    stop.set(true);
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.SECONDS);
    return rate;
  }

  static String memoryUnderLoad(ManagedChannel channel, long pid, int httpPort) throws Exception {
    var hw = HardwareServiceGrpc.newBlockingStub(channel);
    ExecutorService pushers = Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<?>> pushes = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      String mac = String.format("0a:00:00:%02x:%02x:%02x", i >> 16 & 255, i >> 8 & 255, i & 255);
      String ip = "10.200." + (i >> 8 & 255) + "." + (i & 255);
      pushes.add(pushers.submit(() -> hw.push(PushRequest.newBuilder().setData(Fixtures.hardware(id, mac, ip)).build())));
    }
    for (var f : pushes) {
      f.get();
    }
    pushers.shutdown();
    Context.CancellableContext streams = Context.current().withCancellation();
    for (int i = 0; i < 1000; i++) {
      String worker = ids.get(i);
      streams.run(() -> WorkerContextsGrpc.newStub(channel).watch(
          WorkflowContextRequest.newBuilder().setWorkerId(worker).build(), new io.grpc.stub.StreamObserver<WorkflowContext>() {
            @Override
            public void onNext(WorkflowContext value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          }));
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (metric(httpPort, "tink_worker_streams") < 1000 && System.nanoTime() < end) {
      Thread.sleep(100);
    }
    double open = metric(httpPort, "tink_worker_streams");
    String result = memory(pid, httpPort) + ", " + (long) open + " streams open";
    streams.cancel(null);
    return result;
  }

  /** Heap used after a full GC (jcmd) and the process's resident set size. */
  static String memory(long pid, int httpPort) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    Thread.sleep(500);
    double heap = metric(httpPort, "jvm_memory_used_bytes{area=\"heap\"");
    long rssKb = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS:")).map(l -> l.replaceAll("\\D", "")).mapToLong(Long::parseLong)
        .findFirst().orElse(-1);
    return String.format(Locale.ROOT, "heap %.1f MiB, RSS %.1f MiB", heap / 1048576, rssKb / 1024.0);
  }

  /** Sums every sample of a Prometheus metric whose line starts with {@code prefix}. */
  static double metric(int httpPort, String prefix) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    double sum = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith(prefix)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
