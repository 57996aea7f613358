package io.tinkerjvm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Processes the loop starts: each one logged to its own file, all stopped by PID (with their children). */
final class Procs implements AutoCloseable {
  private final List<Process> started = new ArrayList<>();

  /** Starts a long-running command; its output goes to {@code log}. */
  Process start(Path log, Map<String, String> env, List<String> command) {
    try {
      ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      b.environment().putAll(env);
      Process p = b.start();
      p.getOutputStream().close();
      synchronized (started) {
        started.add(p);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("starting " + command.get(0), e);
    }
  }

  record Result(int exit, String output) {}

  /** Runs a command to its end and returns what it printed; throws if it does not finish in time. */
  static Result run(Duration timeout, Map<String, String> env, String stdin, List<String> command) {
    try {
      ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
      b.environment().putAll(env);
      Process p = b.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      byte[][] out = new byte[1][];
      Thread reader = Thread.ofVirtual().start(() -> {
        try {
          out[0] = p.getInputStream().readAllBytes();
        } catch (IOException e) {
          out[0] = new byte[0];
        }
      });
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException(command.get(0) + " did not finish within " + timeout.toSeconds() + " s");
      }
      reader.join();
      return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("running " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.get(0), e);
    }
  }

  /** Runs a command and fails, with its output, unless it exits 0. */
  static String check(Duration timeout, String... command) {
    Result r = run(timeout, Map.of(), null, List.of(command));
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + r.exit() + ": " + r.output().strip());
    }
    return r.output();
  }

  /** SIGTERM, a grace period, then SIGKILL, children first. */
  static void stop(ProcessHandle p, Duration grace) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    try {
      p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception notYet) {
      p.destroyForcibly();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void close() {
    List<Process> all;
    synchronized (started) {
      all = new ArrayList<>(started);
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      stop(all.get(i).toHandle(), Duration.ofSeconds(5));
    }
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
