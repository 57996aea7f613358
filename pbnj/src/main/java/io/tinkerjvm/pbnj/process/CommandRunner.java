package io.tinkerjvm.pbnj.process;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an external tool (ipmitool, racadm) with a time limit. Its output goes to two files in a private
 * folder, read once it has exited: pipes need reader threads, and under load (a hundred tools at once on
 * two cores) a reader can fall so far behind that its output is lost. At the limit the tool and
 * everything it started are killed. Its standard input is empty, so a tool that would prompt for a
 * password reads end-of-file (from /dev/null) instead of waiting for a terminal. At most
 * {@code maxConcurrent} tools run at once; more wait their turn within their limit.
 */
public final class CommandRunner {
  private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);
  private static final File NO_INPUT = new File("/dev/null");

  private final Semaphore slots;
  private final Path scratch;

  /** How a run ended. */
  public enum Outcome {
    /** The process exited by itself; {@link Result#exitCode()} is its status. */
    EXITED,
    /** The limit passed (waiting for a slot or running); the process and its descendants were killed. */
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

  /** Four tools per core at once: they spend their time waiting on BMCs, but each start costs CPU. */
  public CommandRunner() {
    this(4 * Runtime.getRuntime().availableProcessors());
  }

  public CommandRunner(int maxConcurrent) {
    this.slots = new Semaphore(maxConcurrent, true);
    try {
      this.scratch = Files.createTempDirectory("pbnj-tools-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a folder for tool output: " + e.getMessage(), e);
    }
    scratch.toFile().deleteOnExit();
  }

  /**
   * @param environment variables added to this process's environment (the place for passwords: unlike
   *     arguments, other users cannot read them from the process list)
   * @param workingDirectory where the tool runs, or null for the current directory
   */
  public Result run(List<String> command, Map<String, String> environment, Path workingDirectory, Duration limit)
      throws InterruptedException {
    long start = System.nanoTime();
    if (!slots.tryAcquire(Math.max(0, limit.toNanos()), TimeUnit.NANOSECONDS)) {
      return new Result(Outcome.TIMED_OUT, -1, "", "waited " + limit.toMillis() + " ms for one of the running "
          + command.getFirst() + " processes to end", elapsedSince(start), "");
    }
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile(scratch, "out-", "");
      err = Files.createTempFile(scratch, "err-", "");
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(NO_INPUT))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      builder.environment().putAll(environment);
      if (workingDirectory != null) {
        builder.directory(workingDirectory.toFile());
      }
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        return new Result(Outcome.CANNOT_START, -1, "", "", elapsedSince(start), startError(command.getFirst(), e));
      }
      boolean exited;
      try {
        exited = process.waitFor(Math.max(0, limit.toNanos() - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        killTree(process);
        throw e;
      }
      if (!exited) {
        killTree(process);
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      return exited
          ? new Result(Outcome.EXITED, process.exitValue(), stdout, stderr, elapsedSince(start), "")
          : new Result(Outcome.TIMED_OUT, -1, stdout, stderr, elapsedSince(start), "");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the output of " + command.getFirst() + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
      slots.release();
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // the folder is private and removed at exit; a leftover file holds only a tool's output
        log.debug("cannot delete tool output {}, left for removal at exit: {}", file, e.toString());
      }
    }
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
    process.waitFor(2, TimeUnit.SECONDS);
  }

  private static Duration elapsedSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
