package io.tinkerjvm.e2e.chaos;

import io.grpc.Grpc;
import io.tinkerjvm.runtime.tls.Tls;
import io.grpc.ManagedChannel;
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

/**
 * Where the chaos run starts every process and opens every gRPC channel: {@link #start} and {@link #channel}
 * are the only two places, so that a change of flags (TLS, a credential) is made once. Every process started
 * is kept, and {@link #close} stops what is still alive by its PID, children first.
 */
final class Launcher implements AutoCloseable {
  private final Path repo;
  private final Path logs;
  private final String java;
  private final List<Process> started = new ArrayList<>();

  Launcher(Path repo, Path logs) {
    this.repo = repo;
    this.logs = logs;
    this.java = ProcessHandle.current().info().command().orElse("java");
  }

  /** Starts {@code command}; its output is appended to {@code logs/<log>.log}. */
  Process start(String log, Map<String, String> env, List<String> command) {
    try {
      Path file = logs.resolve(log + ".log");
      ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(file.toFile()));
      b.environment().putAll(env);
      Process p = b.start();
      p.getOutputStream().close();
      synchronized (started) {
        started.add(p);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("starting " + command.getFirst(), e);
    }
  }

  /** The java command line of a module's main class, from the build's target/classes and target/classpath.txt. */
  List<String> java(String module, String main, String heap, List<String> args) {
    return java(classpath(module), List.of(), main, heap, args);
  }

  /**
   * The same, on a class path of jars only (each folder packed into one under {@code jars}), with extra JVM
   * options: the AOT cache that makes the agents start faster takes jars only.
   */
  List<String> javaFromJars(String module, Path jars, List<String> jvmOptions, String main, String heap,
      List<String> args) {
    List<String> packed = new ArrayList<>();
    for (String entry : classpath(module).split(":")) {
      Path p = Path.of(entry);
      if (!Files.isDirectory(p)) {
        packed.add(entry);
        continue;
      }
      Path jar = jars.resolve(p.getParent().getParent().getFileName() + "-" + p.getFileName() + ".jar");
      synchronized (this) {
        if (!Files.exists(jar)) {
          check(Duration.ofSeconds(120), Map.of(), List.of(Path.of(java).resolveSibling("jar").toString(),
              "--create", "--file", jar.toString(), "-C", p.toString(), "."));
        }
      }
      packed.add(jar.toString());
    }
    return java(String.join(":", packed), jvmOptions, main, heap, args);
  }

  private String classpath(String module) {
    Path classes = repo.resolve(module).resolve("target/classes");
    Path classpath = repo.resolve(module).resolve("target/classpath.txt");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(classpath)) {
      throw new IllegalStateException(module + " is not built (" + classes + "); build the e2e module with -am first");
    }
    try {
      return classes + ":" + Files.readString(classpath, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<String> java(String cp, List<String> jvmOptions, String main, String heap, List<String> args) {
    List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx" + heap,
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xss512k"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", cp, main));
    command.addAll(args);
    return command;
  }

  /**
   * A channel to a service on loopback as an operator's tool on the host opens it: TLS trusting the CA the
   * services made in {@code tlsDir}, with a client certificate issued from it.
   */
  static ManagedChannel channel(String authority, Path tlsDir) {
    return Grpc.newChannelBuilder(authority,
        new Tls.ClientSettings(true, tlsDir, null, null, null).open("chaos").credentials()).build();
  }

  /** Runs a short command to its end; its output, or an exception naming it when it fails. */
  static String check(Duration timeout, Map<String, String> env, List<String> command) {
    try {
      ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
      b.environment().putAll(env);
      Process p = b.start();
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
        throw new IllegalStateException(command.getFirst() + " did not finish within " + timeout.toSeconds() + " s");
      }
      reader.join();
      String text = new String(out[0], StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text.strip());
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException("running " + command.getFirst(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.getFirst(), e);
    }
  }

  /** SIGKILL, and the wait for the process to be gone. */
  static void kill9(Process p) {
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, a grace period, then SIGKILL; children that outlive it are killed too. */
  static void stop(Process p, Duration grace) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /** The processes started and still alive (the run's end checks this is empty after {@link #close}). */
  List<ProcessHandle> alive() {
    synchronized (started) {
      return started.stream().map(Process::toHandle).filter(ProcessHandle::isAlive).toList();
    }
  }

  @Override
  public void close() {
    List<Process> all;
    synchronized (started) {
      all = new ArrayList<>(started);
    }
    // in reverse: agents before the services they talk to, the database last
    all.reversed().stream().filter(Process::isAlive).forEach(p -> stop(p, Duration.ofSeconds(10)));
  }
}
