package io.tinkerjvm.e2e;

import io.tinkerjvm.runtime.testing.Netns;
import java.util.List;
import java.util.stream.Stream;

/**
 * The network the loop runs in: a namespace of its own (the project's {@link Netns}, as every namespace
 * test uses) with a bridge (the provisioning network, where the stack listens) and a tap device on it (the
 * VM's NIC), so that DHCP, TFTP and everything else stay off this machine's own network. Removing it stops
 * what still runs inside (by PID, TERM then KILL) and deletes the namespace.
 */
final class Lab implements AutoCloseable {
  static final String SUBNET = "10.215.0";
  static final String HOST_IP = SUBNET + ".1";
  static final String VM_IP = SUBNET + ".50";
  static final String BRIDGE = "br0";
  static final String TAP = "tap0";

  private final Netns namespaces;
  final String netns;
  private boolean closed;

  private Lab(Netns namespaces, String netns) {
    this.namespaces = namespaces;
    this.netns = netns;
  }

  static Lab create() {
    Netns namespaces = new Netns();
    try {
      String name = namespaces.create("e2e");
      Netns.sh("ip", "-n", name, "link", "add", BRIDGE, "type", "bridge");
      Netns.sh("ip", "-n", name, "addr", "add", HOST_IP + "/24", "dev", BRIDGE);
      Netns.sh("ip", "-n", name, "link", "set", BRIDGE, "up");
      Netns.sh("ip", "-n", name, "tuntap", "add", "dev", TAP, "mode", "tap");
      Netns.sh("ip", "-n", name, "link", "set", TAP, "master", BRIDGE);
      Netns.sh("ip", "-n", name, "link", "set", TAP, "up");
      return new Lab(namespaces, name);
    } catch (RuntimeException e) {
      namespaces.close();
      throw e;
    }
  }

  /** The command, run inside the namespace. */
  List<String> inside(List<String> command) {
    return Stream.concat(Stream.of("ip", "netns", "exec", netns), command.stream()).toList();
  }

  /** Once, from the run's end or from the shutdown hook (Ctrl-C), whichever comes first. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      namespaces.close();
    }
  }
}
