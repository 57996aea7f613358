package io.tinkerjvm.e2e.storm;

import io.grpc.ManagedChannel;
import io.tinkerjvm.e2e.storm.MachineSimulator.Machine;
import io.tinkerjvm.e2e.storm.MachineSimulator.Outcome;
import io.tinkerjvm.e2e.storm.MachineSimulator.Phase;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.TemplateServiceGrpc;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The boot storm: N simulated machines ({@link MachineSimulator}) power on at once against one stack
 * ({@link StormStack}), each through DHCP, TFTP, its iPXE script, Hegel and a two-action workflow. Prints each
 * phase's p50/p99, the wall time, and the memory of every service process and of Postgres, idle, at the
 * storm's peak and after it.
 *
 * <pre>./tinkerjvm storm [machines=1000] [--warmup=N] [--work=DIR] [--keep] [--profile]</pre>
 */
public final class BootStorm {
  static final String TEMPLATE = """
      version: "0.1"
      name: boot-storm-noop
      global_timeout: 1800
      tasks:
        - name: "storm"
          worker: "{{.device_1}}"
          actions:
            - name: "noop-1"
              image: storm.invalid/noop:1
              timeout: 60
            - name: "noop-2"
              image: storm.invalid/noop:1
              timeout: 60
      """;
  private static final int CREATE_PARALLELISM = 32;
  private static final Pattern METRIC = Pattern.compile("(?m)^([a-z_]+)(\\{[^}]*})? ([0-9.eE+-]+)$");

  /** What a run measured; the test asserts on it, the command prints it. */
  public record Result(int machines, List<Outcome> outcomes, int workflowsSucceeded, String report) {
    public long completed() {
      return outcomes.stream().filter(Outcome::complete).count();
    }

    public List<String> failures() {
      return outcomes.stream().filter(o -> !o.complete())
          .map(o -> o.machine.mac() + " in " + o.failedIn + ": " + o.failure).toList();
    }

    public long completedPhase(Phase p) {
      return outcomes.stream().filter(o -> o.nanos.containsKey(p)).count();
    }
  }

  private final Path repo;
  private final Path work;
  private final int count;
  private final StringBuilder report = new StringBuilder();

  private final boolean profile;
  private int warmup;

  public BootStorm(Path repo, Path work, int machines, boolean profile) {
    this.repo = repo;
    this.work = work;
    this.count = machines;
    this.profile = profile;
  }

  /** Boots this many other machines first, unmeasured, so that the measured storm meets compiled code. */
  public BootStorm warmup(int machines) {
    this.warmup = machines;
    return this;
  }

  public static void main(String[] args) throws Exception {
    int machines = 1000;
    Path repo = Path.of(".").toAbsolutePath().normalize();
    Path work = null;
    boolean keep = false;
    boolean profile = false;
    int warmup = 0;
    for (String a : args) {
      if (a.matches("\\d+")) {
        machines = Integer.parseInt(a);
      } else if (a.startsWith("machines=") || a.startsWith("--machines=")) {
        machines = Integer.parseInt(a.substring(a.indexOf('=') + 1));
      } else if (a.startsWith("--work=")) {
        work = Path.of(a.substring(7));
      } else if (a.startsWith("--repo=")) {
        repo = Path.of(a.substring(7)).toAbsolutePath().normalize();
      } else if (a.equals("--keep")) {
        keep = true;
      } else if (a.startsWith("--warmup=")) {
        warmup = Integer.parseInt(a.substring(9));
      } else if (a.equals("--profile")) {
        profile = true;
      } else {
        System.err.println("usage: storm [machines=1000] [--warmup=N] [--work=DIR] [--keep] [--profile] [--repo=DIR]");
        System.exit(2);
      }
    }
    if (machines < 1 || machines > 60_000) {
      System.err.println("storm: machines must be 1..60000");
      System.exit(2);
    }
    boolean temp = work == null;
    if (temp) {
      work = Files.createTempDirectory(Path.of("/tmp"), "tinkerjvm-storm-");
    }
    Result r = new BootStorm(repo, work, machines, profile).warmup(warmup).run();
    Files.writeString(work.resolve("report.md"), r.report());
    System.out.println("storm: report in " + work.resolve("report.md"));
    if (temp && !keep) {
      deleteTree(work.resolve("tink-data"));
    }
    System.exit(r.completed() == machines && r.workflowsSucceeded() == machines ? 0 : 1);
  }

  /** The fleet: hardware ids, MACs and addresses in 127.20.0.0/16 (every 127/8 address works on lo). */
  static List<Machine> fleet(int n) {
    List<Machine> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Inet4Address ip = DhcpMessage.address(new byte[] {127, 20, (byte) (i / 250), (byte) (i % 250 + 1)});
      String mac = String.format(Locale.ROOT, "02:20:00:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
      String id = UUID.nameUUIDFromBytes(("boot-storm-" + i).getBytes()).toString();
      out.add(new Machine(i, id, mac, ip, String.format(Locale.ROOT, "storm-%04d", i), i % 2 == 0 ? 7 : 0));
    }
    return out;
  }

  public Result run() throws IOException, InterruptedException {
    List<Machine> everyone = fleet(count + warmup);
    List<Machine> fleet = everyone.subList(0, count);
    say("boot storm: %d machines (%d UEFI, %d BIOS), work folder %s", count,
        fleet.stream().filter(Machine::uefi).count(), fleet.stream().filter(m -> !m.uefi()).count(), work);
    try (StormStack stack = new StormStack(repo, work)) {
      long t0 = System.nanoTime();
      stack.start();
      say("stack up in %.1f s: tink-server %s, Boots DHCP %d TFTP %d HTTP %d, Hegel %d", secs(t0),
          stack.tinkAuthority(), stack.dhcpPort, stack.tftpPort, stack.bootsHttpPort, stack.hegelPort);
      seed(stack, everyone);
      awaitCaches(stack, everyone.size());
      Map<String, String> idle = memorySnapshot(stack, true);
      String tinkBefore;

      Map<String, byte[]> bootFiles = Map.of(
          "ipxe.efi", Files.readAllBytes(Path.of("/usr/lib/ipxe/ipxe.efi")),
          "undionly.kpxe", Files.readAllBytes(Path.of("/usr/lib/ipxe/undionly.kpxe")));
      MachineSimulator.Target target = new MachineSimulator.Target(
          new InetSocketAddress(StormStack.HOST, stack.dhcpPort), stack.tftpPort,
          URI.create("http://" + StormStack.HOST + ":" + stack.hegelPort + "/"), bootFiles);
      if (warmup > 0) {
        Storm warm = storm(stack, everyone.subList(count, everyone.size()), target);
        say("warm-up storm of %d machines done in %.1f s (%d completed); not measured", warmup, warm.wallSeconds,
            warm.outcomes.stream().filter(Outcome::complete).count());
        idle = memorySnapshot(stack, true);
      }
      tinkBefore = stack.metrics("tink-server");
      Storm storm = storm(stack, fleet, target);
      say("storm done in %.2f s: %d/%d machines completed every phase (%.1f machines/s)", storm.wallSeconds,
          storm.outcomes.stream().filter(Outcome::complete).count(), count, count / storm.wallSeconds);

      int succeeded = verifyWorkflows(stack, storm.outcomes);
      say("workflows in state SUCCESS: %d/%d", succeeded, count);
      dumpMetrics(stack, "after");
      serverSide = serverSide(tinkBefore, stack.metrics("tink-server"));
      Map<String, String> after = memorySnapshot(stack, true);
      writeReport(storm, succeeded, idle, after);
      return new Result(count, storm.outcomes, succeeded, report.toString());
    }
  }

  // ------------------------------------------------------------------------------------------ seeding

  private void seed(StormStack stack, List<Machine> fleet) throws InterruptedException {
    ManagedChannel ch = StormStack.channel(stack.tinkAuthority(), null);
    try {
      long t = System.nanoTime();
      parallel(fleet.size(), i -> {
        Machine m = fleet.get(i);
        HardwareServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
            .push(PushRequest.newBuilder().setData(hardware(m)).build());
        return null;
      });
      double hw = secs(t);
      t = System.nanoTime();
      String templateId = TemplateServiceGrpc.newBlockingStub(ch).createTemplate(WorkflowTemplate.newBuilder()
          .setName("boot-storm-noop").setData(TEMPLATE).build()).getId();
      double tpl = secs(t);
      t = System.nanoTime();
      parallel(fleet.size(), i -> WorkflowServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
          .createWorkflow(CreateRequest.newBuilder().setTemplate(templateId)
              .setHardware("{\"device_1\":\"" + fleet.get(i).mac() + "\"}").build()).getId());
      double wf = secs(t);
      creation = String.format(Locale.ROOT, "%d hardware records in %.2f s (%.0f/s), the template in %.3f s, "
          + "%d workflows in %.2f s (%.0f/s), %d calls at a time over one channel", fleet.size(), hw,
          fleet.size() / hw, tpl, fleet.size(), wf, fleet.size() / wf, CREATE_PARALLELISM);
      say("created %s", creation);
    } finally {
      ch.shutdownNow();
    }
  }

  private String creation = "";
  private String cpuUse = "";
  private String serverSide = "";

  /** tink-server's own view: time per call by method, and its connection pool's waits, from /metrics. */
  static String serverSide(String before, String metrics) {
    StringBuilder b = new StringBuilder("\ntink-server's /metrics: mean server time per call: ");
    for (String m : List.of("GetWorkflowContexts", "GetWorkflowContext", "GetWorkflowActions", "GetWorkflowData",
        "ReportActionStatus")) {
      String label = "WorkflowService/" + m + "\"";
      double n = delta(before, metrics, "grpc_server_calls_seconds_count", label);
      double sum = delta(before, metrics, "grpc_server_calls_seconds_sum", label);
      b.append(String.format(Locale.ROOT, "%s %.1f ms, ", m, n > 0 ? 1000 * sum / n : -1));
    }
    double acquired = delta(before, metrics, "hikaricp_connections_acquire_seconds_count", "");
    double waited = delta(before, metrics, "hikaricp_connections_acquire_seconds_sum", "");
    double used = delta(before, metrics, "hikaricp_connections_usage_seconds_count", "");
    double usedSum = delta(before, metrics, "hikaricp_connections_usage_seconds_sum", "");
    b.append(String.format(Locale.ROOT, "%npool, during the storm and the check after it: %.0f connections lent, "
        + "mean wait for one %.1f ms (max since start %.0f ms), mean time held %.1f ms, pool size %.0f%n", acquired, acquired > 0 ? 1000 * waited / acquired : -1,
        1000 * metric(metrics, "hikaricp_connections_acquire_seconds_max"), used > 0 ? 1000 * usedSum / used : -1,
        metric(metrics, "hikaricp_connections_max")));
    return b.toString();
  }

  /** CPU ticks used so far by each service, Postgres (every process of it) and this load generator. */
  private static Map<String, Long> cpu(StormStack stack) {
    Map<String, Long> out = new LinkedHashMap<>();
    stack.pids().forEach((name, pid) -> out.put(name, StackMemory.cpuTicks(pid)));
    out.put("postgres", StackMemory.postgresProcesses(stack.postgresPid()).stream()
        .mapToLong(StackMemory::cpuTicks).sum());
    out.put("load generator", StackMemory.cpuTicks(ProcessHandle.current().pid()));
    return out;
  }

  static Hardware hardware(Machine m) {
    String metadata = """
        {"facility":{"facility_code":"onprem","plan_slug":"storm.sim"},"state":"provisioning",\
        "instance":{"id":"%s","hostname":"%s","operating_system":{"slug":"storm"}}}""".formatted(m.hardwareId(),
        m.hostname());
    return Hardware.newBuilder().setId(m.hardwareId()).setMetadata(metadata)
        .setNetwork(Hardware.Network.newBuilder().addInterfaces(Hardware.Network.Interface.newBuilder()
            .setDhcp(Hardware.DHCP.newBuilder().setMac(m.mac()).setHostname(m.hostname()).setArch("x86_64")
                .setUefi(m.uefi()).setLeaseTime(3600)
                .setIp(Hardware.DHCP.IP.newBuilder().setAddress(m.ip().getHostAddress()).setNetmask("255.0.0.0")))
            .setNetboot(Hardware.Netboot.newBuilder().setAllowPxe(true).setAllowWorkflow(true))))
        .build();
  }

  private static <T> List<T> parallel(int n, IntFunction<T> task) throws InterruptedException {
    Semaphore slots = new Semaphore(CREATE_PARALLELISM);
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<T>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int idx = i;
        slots.acquire();
        futures.add(ex.submit(() -> {
          try {
            return task.apply(idx);
          } finally {
            slots.release();
          }
        }));
      }
      List<T> out = new ArrayList<>(n);
      for (Future<T> f : futures) {
        try {
          out.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("creating the fleet failed: " + e.getCause(), e.getCause());
        }
      }
      return out;
    }
  }

  /** Until Boots and Hegel hold every machine from tink-server's change feed. */
  private void awaitCaches(StormStack stack, int count) {
    long t = System.nanoTime();
    long until = t + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < until) {
      double boots = metric(stack.metrics("boots"), "boots_hardware_interfaces");
      double hegel = metric(stack.metrics("hegel"), "hegel_machines");
      if (boots >= count && hegel >= count) {
        say("Boots and Hegel hold all %d machines (%.2f s after the last workflow was created)", count, secs(t));
        return;
      }
      StormStack.sleep(200);
    }
    throw new IllegalStateException("Boots or Hegel did not receive all " + count + " machines within 120 s");
  }

  // ------------------------------------------------------------------------------------------ the storm

  private record Storm(List<Outcome> outcomes, double wallSeconds, Map<String, String> peak) {}

  private Storm storm(StormStack stack, List<Machine> fleet, MachineSimulator.Target target)
      throws InterruptedException {
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(fleet.size());
    AtomicInteger finished = new AtomicInteger();
    Outcome[] outcomes = new Outcome[fleet.size()];
    List<Thread> threads = new ArrayList<>(fleet.size());
    for (int i = 0; i < fleet.size(); i++) {
      Machine m = fleet.get(i);
      int slot = i;
      threads.add(Thread.ofVirtual().name("machine-" + m.index()).start(() -> {
        try {
          gate.await();
          outcomes[slot] = new MachineSimulator(m, target).boot();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          finished.incrementAndGet();
          done.countDown();
        }
      }));
    }
    Peak peak = new Peak(stack, finished, fleet.size());
    Thread sampler = Thread.ofPlatform().name("storm-memory").daemon().start(peak);
    if (profile) {
      // JFR's sampling profile of each service over the storm, to see where its CPU goes (jfr view hot-methods)
      stack.pids().forEach((name, pid) -> StackMemory.jcmd(pid, "JFR.start name=storm settings=profile filename="
          + work.resolve(name + ".jfr")));
    }
    Map<String, Long> cpuBefore = cpu(stack);
    long[] machineBefore = StackMemory.machineTicks();
    long start = System.nanoTime();
    gate.countDown();
    say("%d machines powered on", fleet.size());
    if (!done.await(30, TimeUnit.MINUTES)) {
      say("machines still booting after 30 minutes: %d; thread dump in the work folder", fleet.size()
          - finished.get());
    }
    double wall = secs(start);
    Map<String, Long> cpuAfter = cpu(stack);
    if (profile) {
      stack.pids().forEach((name, pid) -> StackMemory.jcmd(pid, "JFR.stop name=storm"));
    }
    long[] machineAfter = StackMemory.machineTicks();
    StringBuilder cpu = new StringBuilder();
    cpuAfter.forEach((name, ticks) -> cpu.append(String.format(Locale.ROOT, "%s %.1f s (%.1f ms a machine), ",
        name, (ticks - cpuBefore.getOrDefault(name, 0L)) / 100.0,
        (ticks - cpuBefore.getOrDefault(name, 0L)) * 10.0 / fleet.size())));
    long busy = machineAfter[0] - machineBefore[0];
    long all = machineAfter[1] - machineBefore[1];
    cpuUse = String.format(Locale.ROOT, "%sthe machine %.1f of %.1f CPU-seconds busy (%.0f %%)", cpu,
        busy / 100.0, all / 100.0, all == 0 ? 0 : 100.0 * busy / all);
    say("CPU during the storm: %s", cpuUse);
    peak.stop = true;
    sampler.join(TimeUnit.MINUTES.toMillis(2));
    List<Outcome> list = new ArrayList<>(fleet.size());
    for (int i = 0; i < outcomes.length; i++) {
      Outcome o = outcomes[i];
      if (o == null) {
        o = new Outcome(fleet.get(i));
        o.failure = "did not finish";
      }
      list.add(o);
    }
    return new Storm(list, wall, peak.result());
  }

  /**
   * Samples each process's RSS and heap in use every 500 ms during the storm, and once, when half the
   * machines are done, asks each JVM for its heap after a full GC (that one pause is inside the storm).
   */
  private final class Peak implements Runnable {
    private final StormStack stack;
    private final AtomicInteger finished;
    private final int total;
    volatile boolean stop;
    private final Map<String, Long> maxRss = new ConcurrentHashMap<>();
    private final Map<String, Long> maxHeapUsed = new ConcurrentHashMap<>();
    private final Map<String, Long> heapAfterGcMid = new ConcurrentHashMap<>();

    Peak(StormStack stack, AtomicInteger finished, int total) {
      this.stack = stack;
      this.finished = finished;
      this.total = total;
    }

    @Override
    public void run() {
      boolean midTaken = false;
      boolean dumped = false;
      while (!stop) {
        if (!dumped && finished.get() >= total / 5) {
          dumped = true; // where each service's threads wait, virtual ones included, a fifth of the way in
          stack.pids().forEach((name, pid) -> StackMemory.jcmd(pid, "Thread.dump_to_file -overwrite "
              + work.resolve("threads-" + name + ".txt")));
        }
        stack.pids().forEach((name, pid) -> {
          maxRss.merge(name, StackMemory.statusKib(pid, "VmRSS"), Math::max);
          double heap = metricSum(stack.metrics(name), "jvm_memory_used_bytes", "area=\"heap\"");
          maxHeapUsed.merge(name, (long) (heap / 1024), Math::max);
        });
        List<Long> pg = StackMemory.postgresProcesses(stack.postgresPid());
        maxRss.merge("postgres", StackMemory.sumRssKib(pg), Math::max);
        maxRss.merge("postgres-pss", StackMemory.sumPssKib(pg), Math::max);
        maxRss.merge("postgres-procs", (long) pg.size(), Math::max);
        if (!midTaken && finished.get() >= total / 2) {
          midTaken = true;
          stack.pids().forEach((name, pid) -> heapAfterGcMid.put(name, StackMemory.heapAfterGcKib(pid)));
          dumpMetrics(stack, "mid");
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    Map<String, String> result() {
      Map<String, String> out = new LinkedHashMap<>();
      stack.pids().forEach((name, pid) -> out.put(name, String.format(Locale.ROOT,
          "RSS max %s (VmHWM %s), heap in use max %s, heap after GC mid-storm %s", mib(maxRss.get(name)),
          mib(StackMemory.statusKib(pid, "VmHWM")), mib(maxHeapUsed.get(name)), mib(heapAfterGcMid.get(name)))));
      out.put("postgres", String.format(Locale.ROOT, "RSS sum max %s, PSS sum max %s, processes max %d",
          mib(maxRss.get("postgres")), mib(maxRss.get("postgres-pss")), maxRss.getOrDefault("postgres-procs", 0L)));
      return out;
    }
  }

  private Map<String, String> memorySnapshot(StormStack stack, boolean gc) {
    Map<String, String> out = new LinkedHashMap<>();
    stack.pids().forEach((name, pid) -> out.put(name, String.format(Locale.ROOT, "RSS %s, heap after GC %s",
        mib(StackMemory.statusKib(pid, "VmRSS")), gc ? mib(StackMemory.heapAfterGcKib(pid)) : "-")));
    List<Long> pg = StackMemory.postgresProcesses(stack.postgresPid());
    out.put("postgres", String.format(Locale.ROOT, "RSS sum %s, PSS sum %s, %d processes",
        mib(StackMemory.sumRssKib(pg)), mib(StackMemory.sumPssKib(pg)), pg.size()));
    return out;
  }

  private int verifyWorkflows(StormStack stack, List<Outcome> outcomes) throws InterruptedException {
    ManagedChannel ch = StormStack.channel(stack.tinkAuthority(), null);
    try {
      List<Outcome> withId = outcomes.stream().filter(o -> o.workflowId != null).toList();
      List<State> states = parallel(withId.size(), i -> WorkflowServiceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(60, TimeUnit.SECONDS).getWorkflow(GetRequest.newBuilder()
              .setId(withId.get(i).workflowId).build()).getState());
      return (int) states.stream().filter(s -> s == State.STATE_SUCCESS).count();
    } finally {
      ch.shutdownNow();
    }
  }

  private void dumpMetrics(StormStack stack, String when) {
    for (String s : List.of("tink-server", "boots", "hegel")) {
      try {
        Files.writeString(work.resolve("metrics-" + s + "-" + when + ".txt"), stack.metrics(s));
      } catch (IOException e) {
        say("could not save %s's metrics: %s", s, e.getMessage());
      }
    }
  }

  // ------------------------------------------------------------------------------------------ the report

  private void writeReport(Storm storm, int succeeded, Map<String, String> idle, Map<String, String> after) {
    StringBuilder b = report;
    List<Outcome> all = storm.outcomes;
    b.append(String.format(Locale.ROOT, "machines: %d; completed every phase: %d; workflows SUCCESS: %d%s%n", count,
        all.stream().filter(Outcome::complete).count(), succeeded,
        warmup > 0 ? "; after an unmeasured warm-up storm of " + warmup + " other machines" : ""));
    b.append(String.format(Locale.ROOT, "wall time: %.2f s from power-on to the last machine done; %.1f machines/s%n",
        storm.wallSeconds, count / storm.wallSeconds));
    b.append("creation: ").append(creation).append('\n');
    b.append("CPU during the storm: ").append(cpuUse).append('\n');
    b.append("\n| phase | done | p50 | p99 | max |\n|---|---|---|---|---|\n");
    for (Phase p : Phase.values()) {
      long[] ns = all.stream().filter(o -> o.nanos.containsKey(p)).mapToLong(o -> o.nanos.get(p)).sorted().toArray();
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", p.name().toLowerCase(Locale.ROOT)
          .replace('_', ' '), ns.length, ms(pct(ns, 50)), ms(pct(ns, 99)), ms(ns.length == 0 ? -1 : ns[ns.length - 1])));
    }
    long[] total = all.stream().filter(Outcome::complete).mapToLong(o -> o.nanos.values().stream()
        .mapToLong(Long::longValue).sum()).sorted().toArray();
    b.append(String.format(Locale.ROOT, "| whole boot | %d | %s | %s | %s |%n", total.length, ms(pct(total, 50)),
        ms(pct(total, 99)), ms(total.length == 0 ? -1 : total[total.length - 1])));
    b.append("\nworkflow phase, per call as the machine saw it (its first call includes connecting):\n\n"
        + "| call | calls | p50 | p99 |\n|---|---|---|---|\n");
    Map<String, List<Long>> calls = new LinkedHashMap<>();
    all.forEach(o -> o.calls.forEach((k, v) -> calls.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v)));
    calls.forEach((k, v) -> {
      long[] ns = v.stream().mapToLong(Long::longValue).sorted().toArray();
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", k, ns.length, ms(pct(ns, 50)), ms(pct(ns, 99))));
    });
    b.append(serverSide);
    b.append(String.format(Locale.ROOT, "%nretransmissions: DHCP %d (machines %d), TFTP %d (machines %d); "
        + "GetWorkflowContexts polls beyond the first: %d%n",
        all.stream().mapToInt(o -> o.dhcpRetransmits).sum(), all.stream().filter(o -> o.dhcpRetransmits > 0).count(),
        all.stream().mapToInt(o -> o.tftpRetransmits).sum(), all.stream().filter(o -> o.tftpRetransmits > 0).count(),
        all.stream().mapToInt(o -> Math.max(0, o.contextPolls - 1)).sum()));
    b.append(String.format(Locale.ROOT, "machine credentials on the kernel line: %d/%d%n",
        all.stream().filter(o -> o.credential != null).count(), count));
    b.append("\nmemory idle (fleet created, before the storm):\n");
    idle.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    b.append("memory during the storm:\n");
    storm.peak.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    b.append("memory after the storm:\n");
    after.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    List<String> failures = all.stream().filter(o -> !o.complete())
        .sorted(Comparator.comparing(o -> o.machine.index()))
        .map(o -> o.machine.mac() + " " + o.failedIn + ": " + o.failure).toList();
    if (!failures.isEmpty()) {
      b.append("\nfailures (" + failures.size() + "), first 20:\n");
      failures.stream().limit(20).forEach(f -> b.append("- ").append(f).append('\n'));
      Map<String, Long> byPhase = new LinkedHashMap<>();
      all.stream().filter(o -> !o.complete()).forEach(o -> byPhase.merge(String.valueOf(o.failedIn), 1L, Long::sum));
      b.append("failures by phase: ").append(byPhase).append('\n');
    }
    System.out.println();
    System.out.println(b);
  }

  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return -1;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static String ms(long ns) {
    return ns < 0 ? "-" : String.format(Locale.ROOT, "%.1f ms", ns / 1e6);
  }

  private static String mib(Long kib) {
    return kib == null || kib < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", kib / 1024.0);
  }

  private static double delta(String before, String after, String name, String labels) {
    return metricSum(after, name, labels) - Math.max(0, metricSum(before, name, labels));
  }

  static double metric(String text, String name) {
    return metricSum(text, name, "");
  }

  /** The sum of every sample of {@code name} whose labels contain {@code labelPart}; -1 when there is none. */
  static double metricSum(String text, String name, String labelPart) {
    Matcher m = METRIC.matcher(text);
    double sum = 0;
    boolean any = false;
    while (m.find()) {
      if (m.group(1).equals(name) && (labelPart.isEmpty() || (m.group(2) != null && m.group(2).contains(labelPart)))) {
        sum += Double.parseDouble(m.group(3));
        any = true;
      }
    }
    return any ? sum : -1;
  }

  private static double secs(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private void say(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[storm] " + format + "%n", args);
    System.out.flush();
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
