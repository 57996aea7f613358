package io.tinkerjvm.pbnj.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {
  final CommandRunner runner = new CommandRunner();
  @TempDir Path dir;

  @Test
  void capturesBothStreamsInFullWithoutStalling() throws Exception {
    // 1 MiB on each stream: far more than a pipe buffer, so reading one after the other would stall
    CommandRunner.Result r = runner.run(List.of("sh", "-c",
        "head -c 1048576 /dev/zero | tr '\\0' o; head -c 1048576 /dev/zero | tr '\\0' e >&2; exit 3"),
        Map.of(), null, Duration.ofSeconds(20));
    assertEquals(CommandRunner.Outcome.EXITED, r.outcome());
    assertEquals(3, r.exitCode());
    assertEquals(1048576, r.stdout().length());
    assertEquals(1048576, r.stderr().length());
  }

  @Test
  void passesEnvironmentAndWorkingDirectory() throws Exception {
    CommandRunner.Result r = runner.run(List.of("sh", "-c", "echo \"$GREETING\"; pwd"),
        Map.of("GREETING", "hello"), dir, Duration.ofSeconds(10));
    assertTrue(r.succeeded(), r.toString());
    assertEquals("hello\n" + dir.toRealPath() + "\n", r.stdout());
  }

  @Test
  void timeoutKillsTheProcessAndItsDescendants() throws Exception {
    Path pids = dir.resolve("pids");
    long t0 = System.nanoTime();
    CommandRunner.Result r = runner.run(List.of("sh", "-c",
        "sleep 60 & echo $! > " + pids + "; sleep 60"), Map.of(), null, Duration.ofMillis(500));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(CommandRunner.Outcome.TIMED_OUT, r.outcome());
    assertTrue(ms < 5000, ms + " ms");
    long child = Long.parseLong(Files.readString(pids).trim());
    // the killed child is re-parented and reaped by someone else, so it may linger a moment as a zombie
    long until = System.nanoTime() + 5_000_000_000L;
    while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "sleep " + child + " survived");
  }

  @Test
  void missingProgramCannotStart() throws Exception {
    CommandRunner.Result r = runner.run(List.of(dir.resolve("nothing-here").toString()), Map.of(), null,
        Duration.ofSeconds(5));
    assertEquals(CommandRunner.Outcome.CANNOT_START, r.outcome());
    assertTrue(r.startError().contains("No such file or directory"), r.startError());
  }

  @Test
  void standardInputIsEmpty() throws Exception {
    CommandRunner.Result r = runner.run(List.of("cat"), Map.of(), null, Duration.ofSeconds(5));
    assertTrue(r.succeeded(), r.toString());
    assertEquals("", r.stdout());
  }

  @Test
  void toolsBeyondTheCapWaitTheirTurnWithinTheirLimit() throws Exception {
    CommandRunner one = new CommandRunner(1);
    Thread first = Thread.ofVirtual().start(() -> {
      try {
        one.run(List.of("sleep", "1"), Map.of(), null, Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Thread.sleep(200);
    CommandRunner.Result waited = one.run(List.of("true"), Map.of(), null, Duration.ofMillis(200));
    assertEquals(CommandRunner.Outcome.TIMED_OUT, waited.outcome());
    assertTrue(waited.stderr().contains("waited 200 ms"), waited.stderr());
    first.join();
    assertTrue(one.run(List.of("true"), Map.of(), null, Duration.ofSeconds(5)).succeeded());
  }
}
