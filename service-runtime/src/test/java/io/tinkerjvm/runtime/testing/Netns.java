package io.tinkerjvm.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces a test creates for itself, so that real DHCP clients and servers talk over a veth pair
 * or a bridge and never touch the machine's own network. Everything it makes is removed on close: the
 * processes it started (by PID, with their children), the namespaces, and their resolv.conf folders.
 * Needs root, like the real DHCP peers do.
 */
public final class Netns implements AutoCloseable {
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final String prefix = "tjb" + Long.toString(ProcessHandle.current().pid() % 10000)
      + Integer.toString(ThreadLocalRandom.current().nextInt(100, 999));

  public Netns() {
    if (!System.getProperty("user.name").equals("root")) {
      throw new IllegalStateException("these tests create network namespaces and need root");
    }
  }

  /** A namespace with lo up; the name is unique to this test run. */
  public String create(String suffix) {
    String name = prefix + suffix;
    sh("ip", "netns", "add", name);
    namespaces.add(name);
    sh("ip", "-n", name, "link", "set", "lo", "up");
    try {
      // DHCP clients' scripts write resolv.conf; ip netns exec binds this one over the host's.
      Path etc = Path.of("/etc/netns", name);
      Files.createDirectories(etc);
      Files.writeString(etc.resolve("resolv.conf"), "# test namespace\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return name;
  }

  /** Two namespaces joined by a veth pair; the server end gets {@code serverCidr}, the client end none. */
  public String[] pair(String serverCidr) {
    String srv = create("s");
    String cli = create("c");
    sh("ip", "link", "add", srv + "v", "type", "veth", "peer", "name", cli + "v");
    sh("ip", "link", "set", srv + "v", "netns", srv);
    sh("ip", "link", "set", cli + "v", "netns", cli);
    sh("ip", "-n", srv, "addr", "add", serverCidr, "dev", srv + "v");
    sh("ip", "-n", srv, "link", "set", srv + "v", "up");
    sh("ip", "-n", cli, "link", "set", cli + "v", "up");
    return new String[] {srv, cli};
  }

  /** The veth interface inside a namespace made by {@link #pair}. */
  public static String veth(String ns) {
    return ns + "v";
  }

  /** Runs a command inside a namespace and returns its output; fails on a non-zero exit unless allowed. */
  public Result run(String ns, int timeoutSeconds, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(command));
    return exec(full, timeoutSeconds);
  }

  /** Starts a long-running command inside a namespace; it is killed on close. */
  public Process start(String ns, Path log, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(full).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void track(Process p) {
    processes.add(p);
  }

  public record Result(int exit, String output) {}

  public static Result exec(List<String> command, int timeoutSeconds) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[][] out = new byte[1][];
      Thread reader = Thread.ofVirtual().start(() -> {
        try {
          out[0] = p.getInputStream().readAllBytes();
        } catch (IOException e) {
          out[0] = new byte[0];
        }
      });
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        reader.join(2000);
        throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + command);
      }
      reader.join();
      return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static void sh(String... command) {
    Result r = exec(List.of(command), 30);
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + r.exit() + "): " + r.output());
    }
  }

  private static List<ProcessHandle> pidsIn(String ns) {
    List<ProcessHandle> out = new ArrayList<>();
    for (String pid : exec(List.of("ip", "netns", "pids", ns), 10).output().split("\\s+")) {
      if (pid.matches("\\d+")) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(out::add);
      }
    }
    return out;
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String ns : namespaces) {
      // processes that left their parent live on in the namespace (dhclient forks into the background, QEMU
      // daemonizes): by PID, TERM first so that they can finish writing (a VM its disk), then KILL
      List<ProcessHandle> left = pidsIn(ns);
      left.forEach(ProcessHandle::destroy);
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      while (left.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      left.forEach(ProcessHandle::destroyForcibly);
      exec(List.of("ip", "netns", "del", ns), 10);
      exec(List.of("rm", "-rf", "/etc/netns/" + ns), 10);
    }
  }
}
