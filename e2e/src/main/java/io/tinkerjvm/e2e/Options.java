package io.tinkerjvm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The loop's flags. */
final class Options {
  static final String USAGE = """
      Usage: ./tinkerjvm up --demo [--work=DIR] [--osie=DIR] [--timeout-minutes=25] [--memory-mib=2048]
        Provisions a QEMU virtual machine end to end with the whole stack, inside a network namespace it
        makes and removes (needs root, QEMU, OVMF, iPXE, ipmi_sim, dockerd and docker-registry).
          --work=DIR             where logs, the VM's disk and result.properties go (default: a new /tmp folder)
          --osie=DIR             the OSIE kernel and initramfs (default: deploy/osie/out; deploy/osie/build.sh)
          --timeout-minutes=N    how long the workflow may take
          --memory-mib=N         the VM's memory
      """;

  Path repo = Path.of("").toAbsolutePath();
  Path work;
  Path osie;
  int timeoutMinutes = 25;
  int memoryMiB = 2048;
  boolean inside;
  /** When the run began (epoch ms), so that the inner run's clock goes on from the outer one's. */
  long startedMs = System.currentTimeMillis();
  boolean help;

  static Options parse(String[] args) {
    Options o = new Options();
    for (String a : args) {
      if (a.equals("--inside")) {
        o.inside = true;
      } else if (a.equals("--help") || a.equals("-h")) {
        o.help = true;
      } else if (a.equals("--demo")) {
        continue; // the launcher's switch into this loop
      } else if (a.startsWith("--work=")) {
        o.work = Path.of(a.substring(7)).toAbsolutePath();
      } else if (a.startsWith("--osie=")) {
        o.osie = Path.of(a.substring(7)).toAbsolutePath();
      } else if (a.startsWith("--started-ms=")) {
        o.startedMs = Long.parseLong(a.substring(13));
      } else if (a.startsWith("--repo=")) {
        o.repo = Path.of(a.substring(7)).toAbsolutePath();
      } else if (a.startsWith("--timeout-minutes=")) {
        o.timeoutMinutes = positive(a, a.substring(18));
      } else if (a.startsWith("--memory-mib=")) {
        o.memoryMiB = positive(a, a.substring(13));
        if (o.memoryMiB < 1024) {
          throw new IllegalArgumentException("--memory-mib must be at least 1024: the OSIE unpacks into memory");
        }
      } else {
        throw new IllegalArgumentException("unknown argument " + a + "\n" + USAGE);
      }
    }
    if (o.osie == null) {
      o.osie = o.repo.resolve("deploy/osie/out");
    }
    if (o.work == null && !o.help) {
      try {
        o.work = Files.createTempDirectory(Path.of("/tmp"), "tinkerjvm-demo-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return o;
  }

  private static int positive(String arg, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(arg + ": expected a positive whole number");
  }

  /** The flags the inner run gets. */
  List<String> forward() {
    List<String> f = new ArrayList<>();
    f.add("--work=" + work);
    f.add("--osie=" + osie);
    f.add("--repo=" + repo);
    f.add("--timeout-minutes=" + timeoutMinutes);
    f.add("--memory-mib=" + memoryMiB);
    f.add("--started-ms=" + startedMs);
    return f;
  }
}
