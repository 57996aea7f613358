package io.tinkerjvm.osie.docker;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** What this host lets a container have: the capabilities in its bounding set and its device nodes. */
final class HostPrivileges {
  // capability names by bit number, as in linux/capability.h (0 = CHOWN .. 40 = CHECKPOINT_RESTORE)
  private static final String[] CAPABILITY_BY_BIT = {"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
      "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
      "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
      "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
      "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND",
      "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"};
  // what Docker's own privileged mode leaves out of /dev (oci.HostDevices)
  private static final Set<String> SKIPPED_DEV_DIRS = Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts",
      ".udev");
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  private HostPrivileges() {}

  /** The capabilities Docker knows that the bounding set in {@code /proc/self/status} lacks. */
  static List<Capability> missingCapabilities(Path procStatus) {
    long bounding = boundingSet(procStatus);
    List<Capability> missing = new ArrayList<>();
    for (int bit = 0; bit < CAPABILITY_BY_BIT.length; bit++) {
      if ((bounding & (1L << bit)) == 0) {
        missing.add(Capability.valueOf(CAPABILITY_BY_BIT[bit]));
      }
    }
    return missing;
  }

  static long boundingSet(Path procStatus) {
    try {
      for (String line : Files.readAllLines(procStatus)) {
        if (line.startsWith("CapBnd:")) {
          return Long.parseUnsignedLong(line.substring("CapBnd:".length()).trim(), 16);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the capability bounding set from " + procStatus, e);
    }
    throw new IllegalStateException("no CapBnd line in " + procStatus);
  }

  /** Every character and block device under {@code /dev}, passed through read-write-mknod as privileged does. */
  static List<Device> hostDevices(Path dev) {
    List<Device> devices = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(dev)) {
      paths.filter(p -> !skipped(dev, p)).filter(HostPrivileges::isDeviceNode)
          .forEach(p -> devices.add(new Device("rwm", p.toString(), p.toString())));
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalStateException("cannot list the host's devices under " + dev + ": " + e.getMessage(), e);
    }
    return devices;
  }

  private static boolean skipped(Path dev, Path p) {
    if (p.equals(dev.resolve("console"))) {
      return true;
    }
    Path relative = dev.relativize(p);
    return relative.getNameCount() > 0 && SKIPPED_DEV_DIRS.contains(relative.getName(0).toString());
  }

  private static boolean isDeviceNode(Path p) {
    try {
      int type = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT;
      return type == S_IFCHR || type == S_IFBLK;
    } catch (IOException e) {
      // a node that vanished while walking (a hot-unplugged disk) is simply not passed through
      return false;
    }
  }
}
