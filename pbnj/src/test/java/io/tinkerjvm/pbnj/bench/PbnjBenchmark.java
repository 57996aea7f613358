package io.tinkerjvm.pbnj.bench;

import io.grpc.stub.StreamObserver;
import io.tinkerjvm.pbnj.support.IpmiSim;
import io.tinkerjvm.pbnj.support.PbnjClient;
import io.tinkerjvm.proto.pbnj.v1.MachineGrpc;
import io.tinkerjvm.proto.pbnj.v1.PowerAction;
import io.tinkerjvm.proto.pbnj.v1.PowerRequest;
import io.tinkerjvm.proto.pbnj.v1.PowerResponse;
import io.tinkerjvm.proto.pbnj.v1.StatusRequest;
import io.tinkerjvm.proto.pbnj.v1.StatusResponse;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Power status of N ipmi_sim BMCs (each its own process on its own UDP port), three ways in one run:
 * through PBnJ (a separate process) with its native IPMI provider, through PBnJ driving ipmitool, and a
 * loop of ipmitool calls, one BMC after the other, as an operator's script does. Each round runs the three
 * in a rotating order; reported: wall time per sweep and the share of BMCs that answered correctly.
 *
 * <p>Usage: PbnjBenchmark [--bmcs N] [--rounds K]
 */
public final class PbnjBenchmark {
  public static void main(String[] args) throws Exception {
    int bmcs = 100;
    int rounds = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bmcs" -> bmcs = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("pbnj-bench");
    List<IpmiSim> sims = new ArrayList<>();
    Process pbnj = null;
    try {
      long t0 = System.nanoTime();
      List<CompletableFuture<IpmiSim>> starting = new ArrayList<>();
      for (int i = 0; i < bmcs; i++) {
        Path simDir = dir.resolve("bmc" + i);
        starting.add(CompletableFuture.supplyAsync(() -> IpmiSim.start(simDir)));
      }
      for (CompletableFuture<IpmiSim> f : starting) {
        sims.add(f.get(60, TimeUnit.SECONDS));
      }
      for (int i = 0; i < sims.size(); i++) {
        sims.get(i).setPower(i % 2 == 0); // half on, half off: each answer can be checked
      }
      log("%d ipmi_sim BMCs up in %d ms", bmcs, ms(t0));

      int port = freePort();
      pbnj = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.tinkerjvm.pbnj.Pbnj",
          "--grpc-port=" + port, "--http-port=0", "--bind-address=127.0.0.1")
          .redirectErrorStream(true).redirectOutput(dir.resolve("pbnj.log").toFile()).start();
      awaitLog(dir.resolve("pbnj.log"), " is up", pbnj);

      Map<String, List<Sweep>> results = new TreeMap<>();
      try (PbnjClient client = new PbnjClient(port)) {
        sweepThroughPbnj(client, sims, "ipmi"); // warm-up: JIT, first sessions
        sweepThroughPbnj(client, sims, "ipmitool");
        List<String> order = List.of("pbnj-native", "pbnj-ipmitool", "ipmitool-loop");
        for (int r = 0; r < rounds; r++) {
          for (int k = 0; k < order.size(); k++) {
            String way = order.get((k + r) % order.size());
            Sweep s = switch (way) {
              case "pbnj-native" -> sweepThroughPbnj(client, sims, "ipmi");
              case "pbnj-ipmitool" -> sweepThroughPbnj(client, sims, "ipmitool");
              default -> sweepWithIpmitoolLoop(sims);
            };
            log("round %d %-14s %6d ms  %d/%d correct", r + 1, way, s.millis, s.correct, bmcs);
            results.computeIfAbsent(way, x -> new ArrayList<>()).add(s);
          }
        }
      }
      long rssKb = rssKb(pbnj.pid());
      System.out.println();
      System.out.printf("Power status of %d ipmi_sim BMCs, %d rounds (median sweep):%n", bmcs, rounds);
      System.out.printf("%-16s %10s %10s %12s%n", "way", "median ms", "best ms", "success");
      for (var e : results.entrySet()) {
        List<Sweep> list = e.getValue();
        long median = list.stream().map(s -> s.millis).sorted().toList().get(list.size() / 2);
        long best = list.stream().map(s -> s.millis).min(Comparator.naturalOrder()).orElseThrow();
        int correct = list.stream().mapToInt(s -> s.correct).sum();
        System.out.printf("%-16s %10d %10d %11.1f%%%n", e.getKey(), median, best,
            100.0 * correct / (list.size() * bmcs));
      }
      System.out.printf("PBnJ process RSS after the run: %d MiB%n", rssKb / 1024);
    } finally {
      if (pbnj != null) {
        pbnj.destroy();
        pbnj.waitFor(10, TimeUnit.SECONDS);
      }
      sims.forEach(IpmiSim::close);
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  record Sweep(long millis, int correct) {}

  /** Every BMC's status asked at once, as a client of PBnJ does; done when every task is complete. */
  static Sweep sweepThroughPbnj(PbnjClient client, List<IpmiSim> sims, String vendor) throws Exception {
    MachineGrpc.MachineStub async = MachineGrpc.newStub(client.channel);
    long t0 = System.nanoTime();
    Map<Integer, String> ids = new ConcurrentHashMap<>();
    CompletableFuture<?>[] submitted = new CompletableFuture<?>[sims.size()];
    for (int i = 0; i < sims.size(); i++) {
      int n = i;
      CompletableFuture<String> f = new CompletableFuture<>();
      submitted[i] = f;
      async.power(PowerRequest.newBuilder().setAuthn(PbnjClient.authn(sims.get(i).host(), IpmiSim.USER,
          IpmiSim.PASSWORD)).setVendor(PbnjClient.vendor(vendor)).setPowerAction(PowerAction.POWER_ACTION_STATUS)
          .build(), new StreamObserver<PowerResponse>() {
            public void onNext(PowerResponse r) {
              ids.put(n, r.getTaskId());
            }

            public void onError(Throwable t) {
              f.completeExceptionally(t);
            }

            public void onCompleted() {
              f.complete("");
            }
          });
    }
    CompletableFuture.allOf(submitted).get(60, TimeUnit.SECONDS);
    AtomicInteger correct = new AtomicInteger();
    Map<Integer, String> pending = new ConcurrentHashMap<>(ids);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!pending.isEmpty() && System.nanoTime() < until) {
      for (var e : List.copyOf(pending.entrySet())) {
        try {
          StatusResponse r = client.task.status(StatusRequest.newBuilder().setTaskId(e.getValue()).build());
          if (r.getComplete()) {
            pending.remove(e.getKey());
            if (r.getResult().equals(sims.get(e.getKey()).poweredOn() ? "on" : "off")) {
              correct.incrementAndGet();
            }
          }
        } catch (io.grpc.StatusRuntimeException failed) {
          pending.remove(e.getKey());
          log("  %s: BMC %d failed: %s", vendor, e.getKey(), failed.getStatus());
        }
      }
      if (!pending.isEmpty()) {
        Thread.sleep(5);
      }
    }
    return new Sweep(ms(t0), correct.get());
  }

  /** One ipmitool call per BMC, one after the other; the password through the environment. */
  static Sweep sweepWithIpmitoolLoop(List<IpmiSim> sims) throws Exception {
    long t0 = System.nanoTime();
    int correct = 0;
    for (IpmiSim sim : sims) {
      IpmiSim.Result r = sim.ipmitool("chassis", "power", "status");
      if (r.exit() == 0 && r.output().contains("Chassis Power is " + (sim.poweredOn() ? "on" : "off"))) {
        correct++;
      }
    }
    return new Sweep(ms(t0), correct);
  }

  private static void awaitLog(Path file, String text, Process p) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
        return;
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("PBnJ exited: " + Files.readString(file));
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("PBnJ did not start: " + Files.readString(file));
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static void log(String format, Object... args) {
    System.err.printf("[bench] " + format + "%n", args);
  }
}
