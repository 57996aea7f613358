package io.tinkerjvm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The network the loop runs in: a namespace of its own with a bridge (the provisioning network, where the
 * stack listens) and a tap device on it (the VM's NIC), so that DHCP, TFTP and everything else stay off this
 * machine's own network. Removing it kills what still runs inside (by PID) and deletes the namespace.
 */
final class Lab implements AutoCloseable {
  static final String SUBNET = "10.215.0";
  static final String HOST_IP = SUBNET + ".1";
  static final String VM_IP = SUBNET + ".50";
  static final String BRIDGE = "br0";
  static final String TAP = "tap0";

  final String netns;
  private boolean closed;

  private Lab(String netns) {
    this.netns = netns;
  }

  static Lab create() {
    String name = "tjvme2e" + (ProcessHandle.current().pid() % 100000);
    Lab lab = new Lab(name);
    try {
      Procs.check(Duration.ofSeconds(10), "ip", "netns", "add", name);
      ip("-n", name, "link", "set", "lo", "up");
      ip("-n", name, "link", "add", BRIDGE, "type", "bridge");
      ip("-n", name, "addr", "add", HOST_IP + "/24", "dev", BRIDGE);
      ip("-n", name, "link", "set", BRIDGE, "up");
      ip("-n", name, "tuntap", "add", "dev", TAP, "mode", "tap");
      ip("-n", name, "link", "set", TAP, "master", BRIDGE);
      ip("-n", name, "link", "set", TAP, "up");
      // a DHCP client's script inside would rewrite resolv.conf; ip netns exec binds this one over the host's
      Path etc = Files.createDirectories(Path.of("/etc/netns", name));
      Files.writeString(etc.resolve("resolv.conf"), "# tinkerjvm e2e namespace\n");
      return lab;
    } catch (IOException | RuntimeException e) {
      lab.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  /** The command, run inside the namespace. */
  List<String> inside(List<String> command) {
    return java.util.stream.Stream.concat(List.of("ip", "netns", "exec", netns).stream(), command.stream()).toList();
  }

  private static void ip(String... args) {
    Procs.check(Duration.ofSeconds(10), java.util.stream.Stream.concat(java.util.stream.Stream.of("ip"),
        java.util.stream.Stream.of(args)).toArray(String[]::new));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // everything still running in the namespace (QEMU detaches from ipmi_sim), by PID: TERM, then KILL
    for (int round = 0; round < 2; round++) {
      boolean gently = round == 0;
      Procs.Result pids = Procs.run(Duration.ofSeconds(10), Map.of(), null, List.of("ip", "netns", "pids", netns));
      for (String pid : pids.output().split("\\s+")) {
        if (pid.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
            if (gently) {
              p.destroy();
            } else {
              p.destroyForcibly();
            }
          });
        }
      }
      if (round == 0) {
        try {
          Thread.sleep(1500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    Procs.run(Duration.ofSeconds(10), Map.of(), null, List.of("ip", "netns", "del", netns));
    Procs.run(Duration.ofSeconds(10), Map.of(), null, List.of("rm", "-rf", "/etc/netns/" + netns));
  }
}
