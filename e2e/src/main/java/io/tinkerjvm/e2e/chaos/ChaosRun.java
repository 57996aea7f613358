package io.tinkerjvm.e2e.chaos;

import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.TemplateServiceGrpc;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.Empty;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.Workflow;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Chaos: many workflows at once, one per machine, each machine a real osie-agent process on one shared dockerd,
 * while a seeded random schedule sends {@code kill -9} to tink-server, Boots, PBnJ and agents at random moments
 * and restarts Postgres (its postmaster killed with {@code kill -9}), each started again after a short delay as
 * a restart policy would. It measures, for each fault, the time from the kill until the process served again
 * and until the system made progress again (the next action state change tink-server committed), then checks
 * that every workflow ended SUCCESS, that each action was reported RUNNING and SUCCESS exactly once and ran
 * exactly once (its marker file has one line), that no container is left, and that every process it started is
 * gone. Everything listens on 127.0.0.1; no DHCP is served (Boots runs with --dhcp-mode=off).
 */
public final class ChaosRun {
  static final List<String> ACTIONS = List.of("step-1", "step-2", "step-3");
  private static final Duration CALL = Duration.ofSeconds(20);

  private final ChaosOptions o;
  private final Path work;
  private final Path logs;
  private final Random rng;
  private final long t0 = System.currentTimeMillis();
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final Set<Integer> restarting = ConcurrentHashMap.newKeySet();
  private volatile boolean finished;
  private volatile long workStarted;

  /** How the run went: the seed, what failed its checks (empty when none), and the report. */
  public record Result(long seed, List<String> problems, String report) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private ChaosRun(ChaosOptions o, Path work) {
    this.o = o;
    this.work = work;
    this.logs = work.resolve("logs");
    this.rng = new Random(o.seed());
  }

  public static void main(String[] args) {
    ChaosOptions o;
    try {
      o = ChaosOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("chaos: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (o == null) {
      System.out.println(ChaosOptions.USAGE);
      return;
    }
    Result r = run(o);
    System.out.println(r.report());
    if (!r.ok()) {
      System.err.println("chaos: FAILED (seed " + r.seed() + "):");
      r.problems().forEach(p -> System.err.println("  - " + p));
    }
    System.exit(r.ok() ? 0 : 1);
  }

  public static Result run(ChaosOptions o) {
    Path work;
    try {
      work = o.work() != null ? Files.createDirectories(o.work()) : Files.createTempDirectory(Path.of("/tmp"),
          "tinkerjvm-chaos-");
      Files.createDirectories(work.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ChaosRun(o, work).go();
  }

  // ------------------------------------------------------------------------------------------- the run

  private Result go() {
    say("seed " + o.seed() + " (replay with --seed=" + o.seed() + "); work folder " + work);
    List<String> problems = new ArrayList<>();
    String report = "";
    Launcher launcher = new Launcher(o.repo(), logs);
    ChaosPostgres pg = null;
    ChaosDocker docker = null;
    List<Service> services = new ArrayList<>();
    List<Machine> machines = new ArrayList<>();
    Path dockerDir = null;
    ManagedChannel channel = null;
    try {
      int tinkGrpc = freeTcp();
      int tinkHttp = freeTcp();
      int pbnjGrpc = freeTcp();
      int pbnjHttp = freeTcp();
      int bootsHttp = freeTcp();
      int bootsTftp = freeUdp();
      int bootsSyslog = freeUdp();
      String bmcKey = Base64.getEncoder().encodeToString(random(32));
      String bmcPassword = "bmc-" + HexFormat.of().formatHex(random(6)); // IPMI allows 20 bytes

      pg = ChaosPostgres.create(launcher, work, freeTcp());
      say("Postgres up on its own (" + pg.jdbcUrl() + ")");
      docker = ChaosDocker.start(launcher, work, freeTcp());
      dockerDir = docker.dir;
      say("dockerd (safe flags) at " + docker.host() + "; action image " + ChaosDocker.IMAGE + " in the registry at "
          + docker.registry);

      String pgUrl = pg.jdbcUrl();
      Service tink = new Service("tink-server", () -> launcher.start("tink-server", Map.of("TINK_BMC_KEY", bmcKey),
          launcher.java("tink-server", "io.tinkerjvm.tink.TinkServer", "384m", List.of("--bind-address=127.0.0.1",
              "--grpc-port=" + tinkGrpc, "--http-port=" + tinkHttp, "--db-url=" + pgUrl, "--db-user=postgres",
              "--pbnj-authority=127.0.0.1:" + pbnjGrpc, "--data-dir=" + work.resolve("tink-data")))),
          "http://127.0.0.1:" + tinkHttp + "/healthz");
      Service pbnj = new Service("pbnj", () -> launcher.start("pbnj", Map.of(), launcher.java("pbnj",
          "io.tinkerjvm.pbnj.Pbnj", "128m", List.of("--bind-address=127.0.0.1", "--grpc-port=" + pbnjGrpc,
              "--http-port=" + pbnjHttp, "--data-dir=" + work.resolve("tink-data")))), "http://127.0.0.1:" + pbnjHttp + "/healthz");
      String registry = docker.registry;
      Service boots = new Service("boots", () -> launcher.start("boots", Map.of(), launcher.java("boots",
          "io.tinkerjvm.boots.Boots", "128m", List.of("--bind-address=127.0.0.1", "--public-ip=127.0.0.1",
              "--dhcp-mode=off", "--http-port=" + bootsHttp, "--tftp-port=" + bootsTftp, "--syslog-port=" + bootsSyslog,
              "--syslog-host=127.0.0.1:" + bootsSyslog, "--ipxe-dir=/usr/lib/ipxe",
              "--tinkerbell-grpc-authority=127.0.0.1:" + tinkGrpc, "--docker-registry=" + registry,
              "--data-dir=" + work.resolve("tink-data")))),
          "http://127.0.0.1:" + bootsHttp + "/healthz");
      services.addAll(List.of(tink, pbnj, boots));
      for (Service s : services) {
        s.start();
      }
      for (Service s : services) {
        s.awaitServing(Duration.ofSeconds(180));
      }
      say("tink-server (--db-url), PBnJ and Boots (--dhcp-mode=off) serving, each its own JVM");

      Map<Integer, ChaosBmc> bmcs = new LinkedHashMap<>();
      for (int i = 0; i < o.machines(); i++) {
        int bmcPort = i < o.bmcMachines() ? freeUdp() : 0;
        Machine m = new Machine(i, work.resolve("machines"), bmcPort);
        machines.add(m);
        if (bmcPort != 0) {
          bmcs.put(i, ChaosBmc.start(launcher, m.dir.resolve("bmc"), bmcPort, bmcPassword, "bmc-" + i));
        }
      }
      say(machines.size() + " machines, " + bmcs.size() + " with a BMC (ipmi_sim on 127.0.0.1)");

      Machine.AgentJvm agentJvm = Machine.AgentJvm.trained(launcher, work, "127.0.0.1:" + tinkGrpc, docker.host());
      say("agents start from jars " + (agentJvm.aotCache() != null ? "with an AOT cache from a training run"
          : "without an AOT cache (the training run wrote none)"));
      channel = Launcher.channel("127.0.0.1:" + tinkGrpc, work.resolve("tink-data/tls"));
      Map<Integer, String> workflowOf = register(channel, machines, bmcPassword);
      long created = System.currentTimeMillis();
      say(workflowOf.size() + " workflows created at once; machines power on, agents start, the faults begin");

      // power: BMC machines boot when tink-server has PBnJ cycle them, the others at random within the window
      List<Thread> powering = new ArrayList<>();
      for (Machine m : machines) {
        long bootAt = created + (m.bmcPort != 0 ? 0 : (long) (rng.nextDouble() * o.bootWindowSeconds() * 1000));
        ChaosBmc bmc = bmcs.get(m.index);
        String dockerHost = docker.host();
        powering.add(Thread.ofVirtual().name("power-" + m.index).start(() -> {
          while (!finished && (bmc != null ? !bmc.poweredOn() : System.currentTimeMillis() < bootAt)) {
            sleep(Duration.ofMillis(100));
          }
          if (!finished) {
            m.boot(launcher, agentJvm, "http://127.0.0.1:" + bootsHttp, dockerHost, Duration.ofMinutes(5));
          }
        }));
      }

      List<Long> agentKillTimes = new ArrayList<>();
      for (int i = 0; i < o.agentKills(); i++) {
        // ms after the first action state change
        agentKillTimes.add(2000 + (long) (rng.nextDouble() * (o.bootWindowSeconds() + 30) * 1000));
      }
      Collections.sort(agentKillTimes);
      List<String> infra = new ArrayList<>();
      infra.addAll(Collections.nCopies(o.tinkKills(), "tink-server"));
      infra.addAll(Collections.nCopies(o.bootsKills(), "boots"));
      infra.addAll(Collections.nCopies(o.pbnjKills(), "pbnj"));
      infra.addAll(Collections.nCopies(o.postgresRestarts(), "postgres"));
      Collections.shuffle(infra, rng);
      long seedForAgents = rng.nextLong();
      // the schedule's clock starts with the first action state change: faults before any work test little
      Thread.ofPlatform().name("chaos-clock").start(() -> {
        long giveUp = System.currentTimeMillis() + 300_000;
        while (!finished && System.currentTimeMillis() < giveUp && states.values().stream()
            .allMatch(s -> s == State.STATE_PENDING)) {
          sleep(Duration.ofMillis(100));
        }
        workStarted = System.currentTimeMillis();
      });
      ChaosPostgres db = pg;
      ChaosDocker engine = docker;
      Thread infraDriver = Thread.ofPlatform().name("chaos-infra").start(() -> driveInfra(created, infra,
          Map.of("tink-server", tink, "boots", boots, "pbnj", pbnj), db));
      Thread agentDriver = Thread.ofPlatform().name("chaos-agents").start(() -> driveAgents(agentKillTimes,
          new Random(seedForAgents), machines, workflowOf, launcher, agentJvm, engine));

      boolean allEnded = monitor(channel, workflowOf, created);
      finished = true;
      infraDriver.join();
      agentDriver.join();
      for (Thread t : powering) {
        t.join(Duration.ofSeconds(30));
      }
      if (!allEnded) {
        problems.add("not every workflow ended within " + o.timeoutMinutes() + " min: " + countStates(workflowOf));
      }
      // everything is up again now; the BMCs' boot-from-disk follows each success, the last removals follow reports
      for (Service s : services) {
        if (!s.alive()) {
          problems.add(s.name + " is not running at the end");
        }
      }
      report = verify(channel, machines, workflowOf, bmcs, docker, problems, created);
    } catch (RuntimeException | InterruptedException e) {
      problems.add("the run stopped: " + e);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    } finally {
      finished = true;
      if (channel != null) {
        channel.shutdownNow();
      }
      for (Machine m : machines) {
        m.stopAgent();
      }
      for (Service s : services.reversed()) {
        s.stop();
      }
      launcher.close();
      if (pg != null) {
        pg.stop();
      }
      if (docker != null) {
        docker.stop();
      }
      List<ProcessHandle> alive = launcher.alive();
      if (!alive.isEmpty()) {
        problems.add("processes still alive after the run: " + alive.stream().map(ProcessHandle::pid).toList());
      }
      if (dockerDir != null && Files.exists(dockerDir)) {
        problems.add("dockerd's folder " + dockerDir + " is still there");
      }
      report = report + "\n" + (problems.isEmpty() ? "All checks passed." : "Problems:\n- "
          + String.join("\n- ", problems)) + "\n";
      try {
        Files.writeString(work.resolve("chaos-report.md"), report);
      } catch (IOException e) {
        problems.add("cannot write the report: " + e.getMessage());
      }
      if (!o.keep() && problems.isEmpty()) {
        deleteTree(work);
      } else {
        say("kept " + work + " (logs/, chaos-report.md)");
      }
    }
    return new Result(o.seed(), List.copyOf(problems), report);
  }

  /**
   * Pushes each machine's hardware, makes its template (3 actions, its marker folder as a volume), then creates
   * every workflow; each step for all machines at once, from virtual threads.
   */
  private Map<Integer, String> register(ManagedChannel channel, List<Machine> machines, String bmcPassword)
      throws InterruptedException {
    var hardware = HardwareServiceGrpc.newBlockingStub(channel);
    var templates = TemplateServiceGrpc.newBlockingStub(channel);
    var workflows = WorkflowServiceGrpc.newBlockingStub(channel);
    Map<Integer, String> yamlOf = new LinkedHashMap<>();
    for (Machine m : machines) {
      StringBuilder actions = new StringBuilder();
      for (String a : ACTIONS) {
        int seconds = 1 + rng.nextInt(4);
        actions.append("""
              - name: %s
                image: %s
                timeout: 900
                command: ["sh", "-c", "echo \\"$(date +%%s) ran\\" >> /markers/%s; sleep %d"]
            """.formatted(a, ChaosDocker.IMAGE, a, seconds));
      }
      yamlOf.put(m.index, """
          version: "0.1"
          name: chaos-%02d
          global_timeout: 3600
          tasks:
          - name: provision
            worker: "{{.device_1}}"
            volumes:
            - %s:/markers
            actions:
          %s""".formatted(m.index, m.markers, actions));
    }
    Map<Integer, String> templateOf = new ConcurrentHashMap<>();
    allAtOnce(machines, m -> {
      Hardware.Builder hw = Hardware.newBuilder();
      try {
        JsonFormat.parser().merge(m.hardwareJson(bmcPassword), hw);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      hardware.withDeadlineAfter(60, TimeUnit.SECONDS).push(PushRequest.newBuilder().setData(hw).build());
      templateOf.put(m.index, templates.withDeadlineAfter(60, TimeUnit.SECONDS).createTemplate(
          WorkflowTemplate.newBuilder().setName("chaos-" + m.index).setData(yamlOf.get(m.index)).build()).getId());
    });
    Map<Integer, String> workflowOf = new ConcurrentHashMap<>();
    allAtOnce(machines, m -> workflowOf.put(m.index, workflows.withDeadlineAfter(60, TimeUnit.SECONDS)
        .createWorkflow(CreateRequest.newBuilder().setTemplate(templateOf.get(m.index))
            .setHardware("{\"device_1\":\"" + m.mac + "\"}").build()).getId()));
    return workflowOf;
  }

  private static void allAtOnce(List<Machine> machines, java.util.function.Consumer<Machine> step)
      throws InterruptedException {
    List<Throwable> failed = new CopyOnWriteArrayList<>();
    List<Thread> threads = machines.stream().map(m -> Thread.ofVirtual().start(() -> {
      try {
        step.accept(m);
      } catch (RuntimeException e) {
        failed.add(e);
      }
    })).toList();
    for (Thread t : threads) {
      t.join();
    }
    if (!failed.isEmpty()) {
      throw new IllegalStateException("registering the machines failed: " + failed.getFirst(), failed.getFirst());
    }
  }

  // ------------------------------------------------------------------------------------------- the faults

  /** One service or Postgres at a time: kill -9, a short pause, start again, wait until it serves. */
  private void driveInfra(long created, List<String> targets, Map<String, Service> services, ChaosPostgres pg) {
    long start = awaitWorkStarted();
    long at = start + 3000 + (long) (rng.nextDouble() * 3000);
    for (String target : targets) {
      long delay = 500 + (long) (rng.nextDouble() * 2500);
      while (!finished && System.currentTimeMillis() < at) {
        sleep(Duration.ofMillis(20));
      }
      if (finished) {
        notes.add("not injected (every workflow had ended): " + target);
        continue;
      }
      try {
        long killed = System.currentTimeMillis();
        if (target.equals("postgres")) {
          pg.kill9();
          sleep(Duration.ofMillis(delay));
          long restarted = System.currentTimeMillis();
          pg.start();
          faults.add(new Fault(target, killed, restarted, System.currentTimeMillis(), ""));
        } else {
          Service s = services.get(target);
          s.kill9();
          sleep(Duration.ofMillis(delay));
          long restarted = System.currentTimeMillis();
          s.start();
          faults.add(new Fault(target, killed, restarted, s.awaitServing(Duration.ofSeconds(180)), ""));
        }
        say("fault: kill -9 " + target + ", started again after " + delay + " ms, serving "
            + seconds(faults.getLast().servingAt() - killed) + " s after the kill");
      } catch (RuntimeException e) {
        notes.add("fault " + target + " could not be recovered: " + e.getMessage());
        say("fault " + target + ": " + e.getMessage());
      }
      at = Math.max(System.currentTimeMillis(), at) + 3000 + (long) (rng.nextDouble() * 6000);
    }
  }

  /** At each time: kill -9 of a random running agent whose workflow has not ended; the OSIE restarts it. */
  private void driveAgents(List<Long> times, Random pick, List<Machine> machines, Map<Integer, String> workflowOf,
      Launcher launcher, Machine.AgentJvm jvm, ChaosDocker docker) {
    List<Thread> restarts = new ArrayList<>();
    long start = awaitWorkStarted();
    for (long offset : times) {
      long at = start + offset;
      long delay = 500 + (long) (pick.nextDouble() * 2500);
      while (!finished && System.currentTimeMillis() < at) {
        sleep(Duration.ofMillis(20));
      }
      if (finished) {
        notes.add("agent kill not injected (every workflow had ended)");
        continue;
      }
      List<Machine> candidates = machines.stream().filter(m -> m.booted() && m.agentAlive()
          && !restarting.contains(m.index) && !terminal(states.get(workflowOf.get(m.index)))).toList();
      if (candidates.isEmpty()) {
        notes.add("agent kill at +" + seconds(at - t0) + " s skipped: no agent was running a workflow");
        continue;
      }
      // mostly an agent with a container of its own: the crash windows of a run are what the kill is for
      Set<String> withRuns = docker.workersWithRuns();
      List<Machine> busy = candidates.stream().filter(c -> withRuns.contains(c.id)).toList();
      List<Machine> from = !busy.isEmpty() && pick.nextDouble() < 0.75 ? busy : candidates;
      Machine m = from.get(pick.nextInt(from.size()));
      restarting.add(m.index);
      long ups = m.ups(logs);
      long killed = System.currentTimeMillis();
      m.killAgent();
      String window = docker.runsOf(m.id);
      restarts.add(Thread.ofVirtual().start(() -> {
        try {
          sleep(Duration.ofMillis(delay));
          long restarted = System.currentTimeMillis();
          m.startAgent(launcher, jvm, docker.host());
          long until = System.currentTimeMillis() + 180_000;
          while (m.ups(logs) <= ups && System.currentTimeMillis() < until && m.agentAlive()) {
            sleep(Duration.ofMillis(100));
          }
          long serving = m.ups(logs) > ups ? System.currentTimeMillis() : 0;
          faults.add(new Fault(m.name(), killed, restarted, serving, window.isEmpty() ? "no container" : window));
        } finally {
          restarting.remove(m.index);
        }
      }));
    }
    for (Thread t : restarts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** When the first action state change was seen (the fault schedule runs from then). */
  private long awaitWorkStarted() {
    while (workStarted == 0 && !finished) {
      sleep(Duration.ofMillis(50));
    }
    return workStarted == 0 ? System.currentTimeMillis() : workStarted;
  }

  /** Polls the workflows' states until all have ended; false at the timeout. */
  private boolean monitor(ManagedChannel channel, Map<Integer, String> workflowOf, long created) {
    var workflows = WorkflowServiceGrpc.newBlockingStub(channel);
    long until = created + TimeUnit.MINUTES.toMillis(o.timeoutMinutes());
    long nextLine = 0;
    Set<String> ours = Set.copyOf(workflowOf.values());
    while (System.currentTimeMillis() < until) {
      try {
        workflows.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS).listWorkflows(Empty.getDefaultInstance())
            .forEachRemaining(w -> {
              if (ours.contains(w.getId())) {
                states.put(w.getId(), w.getState());
              }
            });
      } catch (StatusRuntimeException down) {
        // tink-server or Postgres is down: the next poll will tell, without waiting out grpc's reconnect backoff
        channel.resetConnectBackoff();
      }
      long ended = ours.stream().filter(id -> terminal(states.get(id))).count();
      if (System.currentTimeMillis() > nextLine) {
        say("workflows: " + countStates(workflowOf) + "; faults so far: " + faults.size());
        nextLine = System.currentTimeMillis() + 10_000;
      }
      if (ended == ours.size()) {
        say("every workflow has ended: " + countStates(workflowOf));
        return true;
      }
      sleep(Duration.ofMillis(500));
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------- the checks

  private String verify(ManagedChannel channel, List<Machine> machines, Map<Integer, String> workflowOf,
      Map<Integer, ChaosBmc> bmcs, ChaosDocker docker, List<String> problems, long created) {
    var workflows = WorkflowServiceGrpc.newBlockingStub(channel);
    Map<String, Workflow> listed = new LinkedHashMap<>();
    retrying(channel, () -> workflows.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS)
        .listWorkflows(Empty.getDefaultInstance()).forEachRemaining(w -> listed.put(w.getId(), w)));
    // the BMCs' boot from disk is queued by each success; wait for it (PBnJ was killed too, and tink-server
    // waits for an unanswered PBnJ with backoff up to 60 s)
    long until = System.currentTimeMillis() + 240_000;
    Map<Integer, List<WorkflowActionStatus>> eventsOf = new LinkedHashMap<>();
    while (true) {
      eventsOf.clear();
      for (Machine m : machines) {
        List<WorkflowActionStatus> list = new ArrayList<>();
        retrying(channel, () -> {
          list.clear();
          workflows.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS).showWorkflowEvents(GetRequest
              .newBuilder().setId(workflowOf.get(m.index)).build()).forEachRemaining(list::add);
        });
        eventsOf.put(m.index, list);
      }
      boolean bmcDone = bmcs.keySet().stream().allMatch(i -> count(eventsOf.get(i), "boot-from-disk",
          State.STATE_SUCCESS) > 0 || count(eventsOf.get(i), "boot-from-disk", State.STATE_FAILED) > 0);
      if (bmcDone || System.currentTimeMillis() > until) {
        break;
      }
      sleep(Duration.ofSeconds(1));
    }
    until = System.currentTimeMillis() + 60_000;
    List<String> containers = docker.containers();
    while (!containers.isEmpty() && System.currentTimeMillis() < until) {
      sleep(Duration.ofSeconds(1));
      containers = docker.containers();
    }
    if (!containers.isEmpty()) {
      problems.add("containers left in dockerd: " + containers);
    }

    int success = 0;
    int markerLines = 0;
    for (Machine m : machines) {
      String id = workflowOf.get(m.index);
      Workflow w = listed.get(id);
      if (w == null) {
        problems.add("workflow " + id + " of " + m.name() + " is missing from ListWorkflows (lost)");
        continue;
      }
      if (w.getState() == State.STATE_SUCCESS) {
        success++;
      } else {
        problems.add("workflow " + id + " of " + m.name() + " ended " + w.getState());
      }
      List<WorkflowActionStatus> events = eventsOf.get(m.index);
      for (String a : ACTIONS) {
        long running = count(events, a, State.STATE_RUNNING);
        long done = count(events, a, State.STATE_SUCCESS);
        long bad = count(events, a, State.STATE_FAILED) + count(events, a, State.STATE_TIMEOUT);
        if (running != 1 || done != 1 || bad != 0) {
          problems.add(m.name() + " " + a + ": RUNNING " + running + "x, SUCCESS " + done + "x, FAILED/TIMEOUT "
              + bad + "x (expected 1, 1, 0)");
        }
        Path marker = m.markers.resolve(a);
        List<String> lines;
        try {
          lines = Files.exists(marker) ? Files.readAllLines(marker) : List.of();
        } catch (IOException e) {
          lines = List.of();
        }
        markerLines += lines.size();
        if (lines.size() != 1) {
          problems.add(m.name() + " " + a + " ran " + lines.size() + " times (its marker file has " + lines.size()
              + " lines)");
        }
      }
      if (bmcs.containsKey(m.index)) {
        for (String step : List.of("pxe-next-boot", "power-cycle", "boot-from-disk")) {
          if (count(events, step, State.STATE_SUCCESS) < 1) {
            problems.add(m.name() + ": no BMC step " + step + " SUCCESS");
          }
        }
      }
    }
    if (listed.keySet().stream().filter(workflowOf.values()::contains).count() != workflowOf.size()) {
      problems.add("ListWorkflows has " + listed.size() + " workflows, not the " + workflowOf.size() + " created");
    }
    return report(machines, workflowOf, eventsOf, bmcs, success, markerLines, created);
  }

  private String report(List<Machine> machines, Map<Integer, String> workflowOf,
      Map<Integer, List<WorkflowActionStatus>> eventsOf, Map<Integer, ChaosBmc> bmcs, int success, int markerLines,
      long created) {
    // every committed action state change, in time order, with the worker that reported it
    List<long[]> changes = new ArrayList<>();
    Map<String, Integer> machineOfWorker = new LinkedHashMap<>();
    machines.forEach(m -> machineOfWorker.put(m.id, m.index));
    for (var e : eventsOf.entrySet()) {
      for (WorkflowActionStatus s : e.getValue()) {
        long ms = s.getCreatedAt().getSeconds() * 1000 + s.getCreatedAt().getNanos() / 1_000_000;
        Integer worker = machineOfWorker.get(s.getWorkerId());
        changes.add(new long[] {ms, worker == null ? -1 : worker});
      }
    }
    changes.sort(Comparator.comparingLong(c -> c[0]));
    long lastChange = changes.isEmpty() ? created : changes.getLast()[0];
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "## Chaos run, seed %d%n%n", o.seed()));
    b.append(String.format(Locale.ROOT, "%d machines (%d with a BMC), %d workflows of %d actions: %d SUCCESS, "
        + "%d marker lines (one per action run), last state change %.1f s after the workflows were created.%n%n",
        machines.size(), bmcs.size(), workflowOf.size(), ACTIONS.size(), success, markerLines,
        (lastChange - created) / 1000.0));
    b.append("| # | fault | at (s) | down (s) | serving again after kill (s) | next state change after kill (s) "
        + "| agent's containers at the kill |\n|---|---|---|---|---|---|---|\n");
    List<Fault> sorted = faults.stream().sorted(Comparator.comparingLong(Fault::killedAt)).toList();
    Map<String, List<double[]>> byKind = new LinkedHashMap<>();
    int n = 0;
    for (Fault f : sorted) {
      long progress = 0;
      boolean agent = f.target().startsWith("agent-");
      int machine = agent ? Integer.parseInt(f.target().substring(6)) : -2;
      for (long[] c : changes) {
        if (c[0] > f.killedAt() && (!agent || c[1] == machine)) {
          progress = c[0];
          break;
        }
      }
      double serving = f.servingAt() == 0 ? -1 : (f.servingAt() - f.killedAt()) / 1000.0;
      double next = progress == 0 ? -1 : (progress - f.killedAt()) / 1000.0;
      String kind = agent ? "agent" : f.target();
      byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(new double[] {serving, next});
      b.append(String.format(Locale.ROOT, "| %d | kill -9 %s | %.1f | %.1f | %s | %s | %s |%n", ++n, f.target(),
          (f.killedAt() - created) / 1000.0, (f.restartedAt() - f.killedAt()) / 1000.0,
          serving < 0 ? "-" : String.format(Locale.ROOT, "%.1f", serving),
          next < 0 ? "- (no later change)" : String.format(Locale.ROOT, "%.1f", next),
          agent ? f.windowAtKill() : ""));
    }
    b.append("\n| fault | count | serving again: median / max (s) | next state change: median / max (s) |\n"
        + "|---|---|---|---|\n");
    for (var e : byKind.entrySet()) {
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", e.getKey(), e.getValue().size(),
          medianMax(e.getValue(), 0), medianMax(e.getValue(), 1)));
    }
    if (!notes.isEmpty()) {
      b.append("\nNotes:\n");
      notes.forEach(x -> b.append("- ").append(x).append('\n'));
    }
    for (var e : bmcs.entrySet()) {
      long cycles = e.getValue().calls().stream().filter(c -> c.contains("set power 1") || c.contains("reset")).count();
      b.append(String.format(Locale.ROOT, "- BMC of agent-%02d: %d power-on/cycle call(s), %d boot-device call(s)%n",
          e.getKey(), cycles, e.getValue().calls().stream().filter(c -> c.contains(" boot ")).count()));
    }
    return b.toString();
  }

  private static String medianMax(List<double[]> values, int column) {
    List<Double> v = values.stream().map(x -> x[column]).filter(x -> x >= 0).sorted().toList();
    if (v.isEmpty()) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.1f / %.1f", v.get(v.size() / 2), v.getLast());
  }

  private static long count(List<WorkflowActionStatus> events, String action, State state) {
    return events == null ? 0 : events.stream().filter(e -> e.getActionName().equals(action)
        && e.getActionStatus() == state).count();
  }

  private String countStates(Map<Integer, String> workflowOf) {
    Map<String, Integer> c = new java.util.TreeMap<>();
    workflowOf.values().forEach(id -> c.merge(String.valueOf(states.getOrDefault(id, State.STATE_PENDING))
        .replace("STATE_", ""), 1, Integer::sum));
    return c.toString();
  }

  private static boolean terminal(State s) {
    return s == State.STATE_SUCCESS || s == State.STATE_FAILED || s == State.STATE_TIMEOUT;
  }

  private static void retrying(ManagedChannel channel, Runnable call) {
    long until = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        call.run();
        return;
      } catch (StatusRuntimeException e) {
        if (System.currentTimeMillis() > until) {
          throw e;
        }
        sleep(Duration.ofMillis(500));
        channel.resetConnectBackoff();
      }
    }
  }

  // ------------------------------------------------------------------------------------------- helpers

  private void say(String line) {
    System.out.printf(Locale.ROOT, "[chaos %6.1f s] %s%n", (System.currentTimeMillis() - t0) / 1000.0, line);
    System.out.flush();
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.1f", ms / 1000.0);
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static int freeTcp() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freeUdp() {
    try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("removing " + dir, e);
    }
  }
}
