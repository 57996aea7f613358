package io.tinkerjvm.pbnj.process;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external tool (ipmitool, racadm) with a time limit. Both output streams are read to the end on
 * their own threads, so a tool that fills one pipe while we wait on the other cannot stall. At the limit
 * the tool and everything it started are killed. Its standard input is empty, so a tool that
 * would prompt for a password reads end-of-file (from /dev/null) instead of waiting for a terminal.
 */
public final class CommandRunner {
  /** How long the output readers may take to finish after the process is gone. */
  private static final Duration DRAIN = Duration.ofSeconds(2);

  private static final File NO_INPUT = new File("/dev/null");

  /** How a run ended. */
  public enum Outcome {
    /** The process exited by itself; {@link Result#exitCode()} is its status. */
    EXITED,
    /** The limit passed; the process and its descendants were killed. */
    TIMED_OUT,
    /** The program could not be started (not installed, not executable); see {@link Result#startError()}. */
    CANNOT_START
  }

  /**
   * @param exitCode the exit status, or -1 unless {@code outcome} is EXITED
   * @param startError why the program could not be started, or empty
   */
  public record Result(Outcome outcome, int exitCode, String stdout, String stderr, Duration elapsed,
      String startError) {
    public boolean succeeded() {
      return outcome == Outcome.EXITED && exitCode == 0;
    }
  }

  /**
   * @param environment variables added to this process's environment (the place for passwords: unlike
   *     arguments, other users cannot read them from the process list)
   * @param workingDirectory where the tool runs, or null for the current directory
   */
  public Result run(List<String> command, Map<String, String> environment, Path workingDirectory, Duration limit)
      throws InterruptedException {
    long start = System.nanoTime();
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    builder.redirectInput(ProcessBuilder.Redirect.from(NO_INPUT));
    if (workingDirectory != null) {
      builder.directory(workingDirectory.toFile());
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return new Result(Outcome.CANNOT_START, -1, "", "", elapsedSince(start), startError(command.getFirst(), e));
    }
    Drain out = Drain.start(process.getInputStream(), "stdout of " + command.getFirst());
    Drain err = Drain.start(process.getErrorStream(), "stderr of " + command.getFirst());
    boolean exited;
    try {
      exited = process.waitFor(Math.max(0, limit.toNanos()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
    if (!exited) {
      killTree(process);
    }
    String stdout = out.finish(DRAIN);
    String stderr = err.finish(DRAIN);
    return exited
        ? new Result(Outcome.EXITED, process.exitValue(), stdout, stderr, elapsedSince(start), "")
        : new Result(Outcome.TIMED_OUT, -1, stdout, stderr, elapsedSince(start), "");
  }

  /** The program's own reason, from the JDK's "Cannot run program ...: error=2, No such file or directory". */
  private static String startError(String program, IOException e) {
    String message = String.valueOf(e.getMessage());
    int reason = message.lastIndexOf(", ");
    String why = reason >= 0 ? message.substring(reason + 2) : message;
    return "cannot run '" + program + "': " + why;
  }

  /** Kills the descendants first: once the parent is gone its children are re-parented and harder to find. */
  private static void killTree(Process process) throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    for (ProcessHandle child : descendants) {
      child.destroyForcibly();
    }
    process.waitFor(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Duration elapsedSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Reads one stream to its end on a virtual thread. */
  private static final class Drain {
    private final InputStream in;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Thread thread;
    private volatile IOException failure;

    private Drain(InputStream in, String name) {
      this.in = in;
      this.thread = Thread.ofVirtual().name(name).unstarted(this::copy);
    }

    static Drain start(InputStream in, String name) {
      Drain d = new Drain(in, name);
      d.thread.start();
      return d;
    }

    private void copy() {
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          synchronized (bytes) {
            bytes.write(buffer, 0, n);
          }
        }
      } catch (IOException e) {
        failure = e;
      }
    }

    /** What was read; a grandchild that escaped the kill and still holds the pipe is cut off after {@code wait}. */
    String finish(Duration wait) throws InterruptedException {
      boolean cutOff = false;
      if (!thread.join(wait)) {
        cutOff = true;
        try {
          in.close();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot close a pipe from a killed tool", e);
        }
        thread.join(wait);
      }
      // after a cut-off the reader fails on the closed stream by design; any other read failure is real
      if (failure != null && !cutOff) {
        throw new UncheckedIOException("cannot read a tool's output", failure);
      }
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
