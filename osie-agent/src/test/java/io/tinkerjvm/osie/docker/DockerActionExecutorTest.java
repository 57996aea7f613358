package io.tinkerjvm.osie.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import io.tinkerjvm.osie.action.ActionExecutor;
import io.tinkerjvm.osie.action.ActionResult;
import io.tinkerjvm.osie.action.ActionResult.Outcome;
import io.tinkerjvm.osie.action.ActionSpec;
import io.tinkerjvm.osie.support.Dockerd;
import io.tinkerjvm.osie.support.Registry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor against a real dockerd and a real registry with basic auth, both started for this class. */
class DockerActionExecutorTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final int SYS_ADMIN_BIT = 21;
  private static final String WORKER = "machine-1";

  private static Dockerd dockerd;
  private static Registry registry;
  private static DockerActionExecutor executor;

  @TempDir Path workflowDir;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startDockerAndRegistry() {
    dockerd = Dockerd.start();
    registry = Registry.start();
    registry.push(dockerd, Dockerd.BUSYBOX, "busybox:latest");
    dockerd.build("local/default-cmd:1", "FROM " + Dockerd.BUSYBOX + "\nCMD [\"echo\", \"from-image-default\"]\n");
    registry.push(dockerd, "local/default-cmd:1", "default-cmd:1");
    executor = new DockerActionExecutor(dockerd.host(), registry.address(), Registry.USER, Registry.PASSWORD,
        PrivilegeMode.AUTO);
  }

  @AfterAll
  static void stopDockerAndRegistry() {
    if (executor != null) {
      executor.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (dockerd != null) {
      dockerd.close();
    }
  }

  @AfterEach
  void noContainerLeftOnceReleased() {
    executor.release(spec(List.of()).build());
    executor.release(spec(List.of()).index(0).build());
    assertEquals(List.of(), dockerd.client().listContainersCmd().withShowAll(true).exec().stream()
        .map(c -> List.of(c.getNames()).toString() + " " + c.getStatus()).toList(), "containers left behind");
  }

  @Test
  void anActionWritesIntoAVolume(@TempDir Path out) throws Exception {
    ActionResult result = executor.run(spec(List.of("sh", "-c", "echo written > /out/file"))
        .volumes(out + ":/out").build(), lines::add);

    assertEquals(Outcome.SUCCESS, result.outcome(), result.message());
    assertEquals(0, result.exitCode());
    assertEquals("written\n", Files.readString(out.resolve("file")));
  }

  @Test
  void aReadOnlyVolumeCannotBeWritten(@TempDir Path out) throws Exception {
    ActionResult result = executor.run(spec(List.of("sh", "-c", "echo x > /out/file"))
        .volumes(out + ":/out:ro").build(), lines::add);

    assertEquals(Outcome.FAILED, result.outcome(), result.message());
    assertTrue(result.message().contains("Read-only file system"), result.message());
    assertFalse(Files.exists(out.resolve("file")));
  }

  @Test
  void environmentAndCommandReachTheContainer() throws Exception {
    ActionResult result = executor.run(spec(List.of("sh", "-c", "echo \"$GREETING\" \"$1\"", "sh", "from-command"))
        .env("GREETING=hello there").build(), lines::add);

    assertEquals(Outcome.SUCCESS, result.outcome(), result.message());
    assertTrue(lines.contains("hello there from-command"), lines.toString());
  }

  @Test
  void anEmptyCommandRunsTheImageDefault() throws Exception {
    ActionResult result = executor.run(spec(List.of()).image("default-cmd:1").build(), lines::add);

    assertEquals(Outcome.SUCCESS, result.outcome(), result.message());
    assertEquals(List.of("from-image-default"), lines);
  }

  @Test
  void workflowIsTheWorkflowDir() throws Exception {
    Files.writeString(workflowDir.resolve("data"), "{\"disk\":\"/dev/sda\"}");

    ActionResult result = executor.run(spec(List.of("sh", "-c", "cat /workflow/data; echo; echo made > /workflow/new"))
        .build(), lines::add);

    assertEquals(Outcome.SUCCESS, result.outcome(), result.message());
    assertTrue(lines.contains("{\"disk\":\"/dev/sda\"}"), lines.toString());
    assertEquals("made\n", Files.readString(workflowDir.resolve("new")));
  }

  @Test
  void pidHostSeesTheHostsPidOne() throws Exception {
    String hostInit = Files.readString(Path.of("/proc/1/comm")).strip();
    List<String> own = new CopyOnWriteArrayList<>();

    ActionResult inHost = executor.run(spec(List.of("cat", "/proc/1/comm")).pid("host").build(), lines::add);
    ActionResult inOwn = executor.run(spec(List.of("cat", "/proc/1/comm")).build(), own::add);

    assertEquals(Outcome.SUCCESS, inHost.outcome(), inHost.message());
    assertEquals(Outcome.SUCCESS, inOwn.outcome(), inOwn.message());
    assertEquals(List.of(hostInit), lines);
    assertEquals(List.of("cat"), own, "in its own pid namespace the action is PID 1");
    assertNotEquals(hostInit, "cat");
  }

  @Test
  void aNonZeroExitFailsAndRunsOnFailure() throws Exception {
    // one stream: Docker copies stdout and stderr separately, so their relative order is not kept
    ActionResult result = executor.run(spec(List.of("sh", "-c", "echo partitioning >&2; echo disk is busy >&2; exit 3"))
        .onFailure("sh", "-c", "echo on-failure ran; test -d /workflow").build(), lines::add);

    assertEquals(Outcome.FAILED, result.outcome());
    assertEquals(3, result.exitCode());
    assertEquals("exit status 3: disk is busy", result.message());
    assertTrue(lines.contains("on-failure ran"), lines.toString());
    assertTrue(lines.contains("on-failure command ended with exit status 0"), lines.toString());
  }

  @Test
  void aSlowActionTimesOutAndRunsOnTimeout() throws Exception {
    long started = System.nanoTime();
    ActionResult result = executor.run(spec(List.of("sleep", "30")).timeout(Duration.ofSeconds(2))
        .onTimeout("echo", "on-timeout ran").onFailure("echo", "on-failure must not run").build(), lines::add);
    Duration total = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(Outcome.TIMEOUT, result.outcome(), result.message());
    assertEquals("action timed out after 2s", result.message());
    assertTrue(result.elapsed().compareTo(Duration.ofMillis(3500)) < 0, "timed out after " + result.elapsed());
    assertTrue(total.compareTo(Duration.ofSeconds(10)) < 0, "with the on-timeout command " + total);
    assertTrue(lines.contains("on-timeout ran"), lines.toString());
    assertFalse(lines.contains("on-failure must not run"), lines.toString());
  }

  @Test
  void malformedActionsFailNamingTheFieldBeforeDocker() throws Exception {
    ActionResult empty = executor.run(spec(List.of("true")).image("").build(), lines::add);
    ActionResult negative = executor.run(spec(List.of("true")).timeout(Duration.ofSeconds(-5)).build(), lines::add);
    ActionResult volume = executor.run(spec(List.of("true")).volumes("/only-one-part").build(), lines::add);
    ActionResult mode = executor.run(spec(List.of("true")).volumes("/a:/b:rx").build(), lines::add);
    ActionResult env = executor.run(spec(List.of("true")).env("NO_EQUALS_SIGN").build(), lines::add);

    assertEquals(Outcome.FAILED, empty.outcome());
    assertTrue(empty.message().contains("image is empty"), empty.message());
    assertTrue(negative.message().contains("timeout is negative"), negative.message());
    assertTrue(volume.message().contains("volume \"/only-one-part\""), volume.message());
    assertTrue(mode.message().contains("volume \"/a:/b:rx\""), mode.message());
    assertTrue(env.message().contains("environment entry 0"), env.message());
    assertEquals(List.of(), lines);
  }

  @Test
  void anUnknownImageFailsWithTheRegistrysMessage() throws Exception {
    ActionResult result = executor.run(spec(List.of("true")).image("no-such-action:v1").build(), lines::add);

    assertEquals(Outcome.FAILED, result.outcome());
    assertTrue(result.message().startsWith("pull " + registry.address() + "/no-such-action:v1: "), result.message());
    assertTrue(result.message().contains("manifest unknown"), result.message());
  }

  @Test
  void aWrongPasswordFailsUnauthorizedWithoutThePassword() throws Exception {
    String wrong = "not-the-Password-42";
    try (DockerActionExecutor badLogin = new DockerActionExecutor(dockerd.host(), registry.address(),
        Registry.USER, wrong, PrivilegeMode.AUTO)) {
      ActionResult result = badLogin.run(spec(List.of("true")).build(), lines::add);

      assertEquals(Outcome.FAILED, result.outcome());
      assertTrue(result.message().contains("unauthorized"), result.message());
      assertFalse(result.message().contains(wrong), result.message());
    }
  }

  @Test
  void withoutCredentialsThePullIsRefused() throws Exception {
    try (DockerActionExecutor anonymous = new DockerActionExecutor(dockerd.host(), registry.address(), "", "",
        PrivilegeMode.AUTO)) {
      ActionResult result = anonymous.run(spec(List.of("true")).build(), lines::add);

      assertEquals(Outcome.FAILED, result.outcome());
      assertTrue(result.message().startsWith("pull "), result.message());
    }
  }

  @Test
  void aQualifiedImageIsNotPrefixedAgain() throws Exception {
    ActionResult result = executor.run(spec(List.of("true")).image(registry.address() + "/busybox:latest").build(),
        lines::add);

    assertEquals(Outcome.SUCCESS, result.outcome(), result.message());
  }

  @Test
  void theRegistryPrefixRule() {
    assertEquals("10.1.1.1:5000/busybox:latest", ImageReference.qualify("10.1.1.1:5000", "busybox:latest"));
    assertEquals("mirror.lan/tinkerbell-actions/image2disk:v1.0.0",
        ImageReference.qualify("mirror.lan/", "tinkerbell-actions/image2disk:v1.0.0"));
    // not doubled: the reference already names the registry
    assertEquals("10.1.1.1:5000/x", ImageReference.qualify("10.1.1.1:5000", "10.1.1.1:5000/x"));
    // tink-worker's mirror rule: another registry's name goes under the mirror
    assertEquals("10.1.1.1:5000/quay.io/tinkerbell-actions/cexec:v1.0.0",
        ImageReference.qualify("10.1.1.1:5000", "quay.io/tinkerbell-actions/cexec:v1.0.0"));
    assertEquals("10.1.1.1:5000/localhost/x:1", ImageReference.qualify("10.1.1.1:5000", "localhost/x:1"));
    assertEquals("busybox", ImageReference.qualify("", "busybox"));
    assertEquals("127.0.0.1:5000", ImageReference.registryOf("127.0.0.1:5000/x"));
    assertEquals("docker.io", ImageReference.registryOf("library/busybox"));
    assertEquals("127.0.0.1:5000/x:latest", ImageReference.withDefaultTag("127.0.0.1:5000/x"));
    assertEquals("a/b:v1", ImageReference.withDefaultTag("a/b:v1"));
    assertEquals("a/b@sha256:00", ImageReference.withDefaultTag("a/b@sha256:00"));
  }

  @Test
  void autoFallsBackWhenPrivilegedIsRefusedAndKeepsManyCapabilities() throws Exception {
    boolean hostLacksCapabilities = !HostPrivileges.missingCapabilities(Path.of("/proc/self/status")).isEmpty();
    try (DockerActionExecutor auto = new DockerActionExecutor(dockerd.host(), registry.address(), Registry.USER,
        Registry.PASSWORD, PrivilegeMode.AUTO)) {
      ActionResult first = auto.run(spec(List.of("grep", "CapEff", "/proc/self/status")).build(), lines::add);
      // as under privileged, /proc/sys is not read-only (where sysrq and kexec settings live)
      ActionResult second = auto.run(spec(List.of("test", "-w", "/proc/sys/kernel/hostname")).build(), lines::add);

      assertEquals(Outcome.SUCCESS, first.outcome(), first.message());
      assertEquals(Outcome.SUCCESS, second.outcome(), second.message());
      assertEquals(hostLacksCapabilities ? PrivilegeMode.ALL_ALLOWED_CAPS : PrivilegeMode.FULL,
          auto.privilegeInUse());
      long effective = Long.parseUnsignedLong(lines.get(0).substring("CapEff:".length()).strip(), 16);
      assertTrue((effective & (1L << SYS_ADMIN_BIT)) != 0, "CAP_SYS_ADMIN missing from " + lines.get(0));
      assertTrue(Long.bitCount(effective) >= 30, "only " + Long.bitCount(effective) + " capabilities: " + lines);
    }
  }

  @Test
  void fullPrivilegeOnAHostThatRefusesItFailsWithTheEnginesMessage() throws Exception {
    boolean hostLacksCapabilities = !HostPrivileges.missingCapabilities(Path.of("/proc/self/status")).isEmpty();
    try (DockerActionExecutor full = new DockerActionExecutor(dockerd.host(), registry.address(), Registry.USER,
        Registry.PASSWORD, PrivilegeMode.FULL)) {
      ActionResult result = full.run(spec(List.of("true")).build(), lines::add);

      if (hostLacksCapabilities) {
        assertEquals(Outcome.FAILED, result.outcome());
        assertTrue(result.message().contains("operation not permitted"), result.message());
      } else {
        assertEquals(Outcome.SUCCESS, result.outcome(), result.message());
      }
    }
  }

  @Test
  void anInterruptLeavesTheRunningContainerToBeTakenOver(@TempDir Path out) throws Exception {
    ActionSpec action = spec(List.of("sh", "-c", "echo ran >> /out/marker; sleep 2; exit 4")).volumes(out + ":/out")
        .index(0).build();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread runner = new Thread(() -> {
      try {
        executor.run(action, lines::add);
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    runner.start();
    awaitMarker(out);
    runner.interrupt();
    runner.join(Duration.ofSeconds(20));
    assertFalse(runner.isAlive());
    assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
    assertEquals(ActionExecutor.Trace.RUNNING, executor.trace(action));

    // a new agent (a new executor) finds it running, waits for it, and reports its exit code
    try (DockerActionExecutor next = newExecutor()) {
      ActionResult result = next.resume(action, lines::add);
      assertEquals(Outcome.FAILED, result.outcome(), result.message());
      assertEquals(4, result.exitCode());
    }
    assertEquals(List.of("ran"), Files.readAllLines(out.resolve("marker")), "the action ran once");
  }

  @Test
  void anActionThatExitedBeforeItsReportIsReportedWithoutRunningAgain(@TempDir Path out) throws Exception {
    ActionSpec action = spec(List.of("sh", "-c", "echo ran >> /out/marker; echo its last words; exit 5"))
        .volumes(out + ":/out").index(0).build();
    assertEquals(5, executor.run(action, lines::add).exitCode());
    assertEquals(ActionExecutor.Trace.EXITED, executor.trace(action), "kept until released");

    try (DockerActionExecutor next = newExecutor()) {
      ActionResult result = next.resume(action, lines::add);
      assertEquals(Outcome.FAILED, result.outcome());
      assertEquals("exit status 5: its last words", result.message());
    }
    assertEquals(List.of("ran"), Files.readAllLines(out.resolve("marker")));
  }

  @Test
  void aContainerCreatedButNotStartedIsStartedOnce(@TempDir Path out) throws Exception {
    ActionSpec action = spec(List.of("sh", "-c", "echo ran >> /out/marker")).volumes(out + ":/out").index(0).build();
    // what an agent killed between create and start leaves: the run's container, never started
    dockerd.cli(null, "create", "--name", DockerActionExecutor.containerName(action, DockerActionExecutor.ROLE_ACTION),
        "--label", DockerActionExecutor.LABEL_WORKFLOW + "=" + action.workflowId(),
        "--label", DockerActionExecutor.LABEL_WORKER + "=" + action.workerId(),
        "--label", DockerActionExecutor.LABEL_INDEX + "=0", "-v", out + ":/out",
        registry.address() + "/busybox:latest", "sh", "-c", "echo ran >> /out/marker");
    assertEquals(ActionExecutor.Trace.CREATED, executor.trace(action));
    assertFalse(Files.exists(out.resolve("marker")));

    ActionResult result = executor.resume(action, lines::add);
    assertEquals(Outcome.SUCCESS, result.outcome(), result.message());
    assertEquals(List.of("ran"), Files.readAllLines(out.resolve("marker")));
  }

  @Test
  void resumingARunThatLeftNothingRunsTheAction(@TempDir Path out) throws Exception {
    ActionSpec action = spec(List.of("sh", "-c", "echo ran >> /out/marker")).volumes(out + ":/out").index(0).build();
    assertEquals(ActionExecutor.Trace.NONE, executor.trace(action));
    assertEquals(Outcome.SUCCESS, executor.resume(action, lines::add).outcome());
    assertEquals(List.of("ran"), Files.readAllLines(out.resolve("marker")));
  }

  @Test
  void aFreshRunReplacesWhatAReportedRunLeft(@TempDir Path out) throws Exception {
    // a retried action (retries: n) runs again: the first attempt's container was reported, not taken over
    ActionSpec action = spec(List.of("sh", "-c", "echo ran >> /out/marker")).volumes(out + ":/out").index(0).build();
    executor.run(action, lines::add);
    executor.run(action, lines::add);
    assertEquals(List.of("ran", "ran"), Files.readAllLines(out.resolve("marker")));
  }

  @Test
  void aSweepKeepsOnlyTheRunningActionsContainerAndNeverAnotherWorkers() throws Exception {
    ActionSpec first = spec(List.of("true")).index(0).build();
    ActionSpec second = spec(List.of("true")).index(1).build();
    ActionSpec otherWorker = new ActionSpec("wf-1", "os-install", "step", "busybox:latest", MINUTE,
        List.of("true"), List.of(), List.of(), "", List.of(), List.of(), workflowDir, 0, "another-machine");
    executor.run(first, lines::add);
    executor.run(second, lines::add);
    executor.run(otherWorker, lines::add);
    assertEquals(java.util.Set.of("wf-1"), executor.workflowsWithRuns(WORKER));

    executor.sweep("wf-1", WORKER, 1);
    assertEquals(ActionExecutor.Trace.NONE, executor.trace(first));
    assertEquals(ActionExecutor.Trace.EXITED, executor.trace(second));
    assertEquals(0, executor.removeLeftovers(), "containers that name a worker are not leftovers");
    executor.sweep("wf-1", WORKER, -1);
    assertEquals(ActionExecutor.Trace.NONE, executor.trace(second));
    assertEquals(ActionExecutor.Trace.EXITED, executor.trace(otherWorker), "another worker's run is its own");
    executor.release(otherWorker);
  }

  private static DockerActionExecutor newExecutor() {
    return new DockerActionExecutor(dockerd.host(), registry.address(), Registry.USER, Registry.PASSWORD,
        PrivilegeMode.AUTO);
  }

  private static void awaitMarker(Path out) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.exists(out.resolve("marker")) && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(out.resolve("marker")), "the action never started");
  }

  @Test
  void moreOutputThanTheTailKeepsEveryLineForTheConsumer() throws Exception {
    String padding = "x".repeat(50);
    ActionResult result = executor.run(spec(List.of("sh", "-c",
        "i=0; while [ $i -lt 2000 ]; do echo line-$i-" + padding + "; i=$((i+1)); done; echo last words; exit 1"))
        .build(), lines::add);

    assertEquals("exit status 1: last words", result.message());
    assertEquals(2001, lines.size());
    assertEquals("line-1999-" + padding, lines.get(1999));
  }

  @Test
  void aLineWithoutAnEndIsPassedOnInPiecesOfTheTailSize() {
    ContainerLog log = new ContainerLog(lines::add);
    log.onNext(new Frame(StreamType.STDOUT, "a".repeat(70_000).getBytes(StandardCharsets.UTF_8)));
    log.onNext(new Frame(StreamType.STDERR, "err\r\n".getBytes(StandardCharsets.UTF_8)));
    log.onNext(new Frame(StreamType.STDOUT, "b".getBytes(StandardCharsets.UTF_8)));
    log.onComplete();

    String rest = "a".repeat(70_000 - ContainerLog.TAIL_BYTES) + "b";
    assertEquals(List.of("a".repeat(ContainerLog.TAIL_BYTES), "err", rest), lines);
    assertEquals(rest, log.lastLine());
  }

  @Test
  void anEngineThatCannotBeReachedThrowsRatherThanFailingTheAction(@TempDir Path dir) {
    try (DockerActionExecutor nowhere = new DockerActionExecutor(URI.create("unix://" + dir.resolve("no.sock")),
        "", "", "", PrivilegeMode.AUTO)) {
      assertThrows(RuntimeException.class, () -> nowhere.run(spec(List.of("true")).build(), lines::add));
    }
  }

  @Test
  void theHostsCapabilityBoundingSetMapsToNames(@TempDir Path dir) throws IOException {
    Path status = dir.resolve("status");
    Files.writeString(status, "Name:\tx\nCapBnd:\t000001fffeffffff\n");

    assertEquals(List.of(Capability.SYS_RESOURCE),
        HostPrivileges.missingCapabilities(status));
  }

  private Spec spec(List<String> command) {
    return new Spec(command);
  }

  /** An action with tink's defaults: busybox from the test registry, a minute to run, nothing else. */
  private final class Spec {
    private final List<String> command;
    private String image = "busybox:latest";
    private Duration timeout = MINUTE;
    private List<String> env = List.of();
    private List<String> volumes = List.of();
    private String pid = "";
    private List<String> onTimeout = List.of();
    private List<String> onFailure = List.of();
    private int index = -1;

    Spec(List<String> command) {
      this.command = command;
    }

    Spec image(String value) {
      image = value;
      return this;
    }

    Spec timeout(Duration value) {
      timeout = value;
      return this;
    }

    Spec env(String... value) {
      env = List.of(value);
      return this;
    }

    Spec volumes(String... value) {
      volumes = List.of(value);
      return this;
    }

    Spec pid(String value) {
      pid = value;
      return this;
    }

    Spec onTimeout(String... value) {
      onTimeout = List.of(value);
      return this;
    }

    Spec index(int value) {
      index = value;
      return this;
    }

    Spec onFailure(String... value) {
      onFailure = List.of(value);
      return this;
    }

    ActionSpec build() {
      return new ActionSpec("wf-1", "os-install", "step", image, timeout, command, env, volumes, pid, onTimeout,
          onFailure, workflowDir, index, WORKER);
    }
  }
}
