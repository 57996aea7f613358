package io.tinkerjvm.boots.support;

import io.tinkerjvm.runtime.testing.Netns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Boots as its own JVM inside a test's network namespace, with its log in a file so that a test can assert
 * on what the server saw.
 */
public final class BootsProcess {
  private final Path log;
  private final Process process;

  private BootsProcess(Path log, Process process) {
    this.log = log;
    this.process = process;
  }

  public static BootsProcess start(Netns netns, String ns, Path log, String... args) {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "io.tinkerjvm.boots.Boots"));
    command.addAll(List.of(args));
    BootsProcess b = new BootsProcess(log, netns.start(ns, log, command.toArray(String[]::new)));
    b.await(line -> line.contains("is up"), Duration.ofSeconds(30), "Boots to start");
    return b;
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until some line of the log matches; fails with the whole log otherwise. */
  public String await(Predicate<String> line, Duration timeout, String what) {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      String text = log();
      for (String l : text.split("\n")) {
        if (line.test(l)) {
          return l;
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError("Boots exited (" + process.exitValue() + ") while waiting for " + what + ":\n" + text);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("timed out waiting for " + what + "; Boots' log:\n" + log());
  }
}
