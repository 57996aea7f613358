package io.tinkerjvm.e2e.storm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a process holds: VmRSS and VmHWM (the peak) from /proc, and for a JVM its heap after a full GC
 * ({@code jcmd GC.run}, then {@code GC.heap_info}). Postgres is a postmaster and its backends: their RSS
 * summed (shared buffers counted in each) and their PSS summed (shared pages split between them).
 */
final class StackMemory {
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  private StackMemory() {}

  static long statusKib(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  static long pssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
        if (line.startsWith("Pss:")) {
          return Long.parseLong(line.substring(4).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** CPU time a process has used (user + system), in clock ticks (USER_HZ, 100 a second on Linux). */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The whole machine's busy and total CPU ticks, from the first line of /proc/stat. */
  static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** The postmaster and every backend it has now. */
  static List<Long> postgresProcesses(long postmaster) {
    List<Long> out = new ArrayList<>();
    ProcessHandle.of(postmaster).ifPresent(h -> {
      out.add(h.pid());
      h.descendants().forEach(d -> out.add(d.pid()));
    });
    return out;
  }

  static long sumRssKib(List<Long> pids) {
    return pids.stream().mapToLong(p -> Math.max(0, statusKib(p, "VmRSS"))).sum();
  }

  static long sumPssKib(List<Long> pids) {
    return pids.stream().mapToLong(p -> Math.max(0, pssKib(p))).sum();
  }

  /** Heap in use after a full collection, in KiB, or -1 when jcmd could not attach. */
  static long heapAfterGcKib(long pid) {
    if (jcmd(pid, "GC.run") == null) {
      return -1;
    }
    String info = jcmd(pid, "GC.heap_info");
    if (info == null) {
      return -1;
    }
    long used = 0;
    boolean found = false;
    for (String line : info.split("\n")) {
      String l = line.strip();
      // Serial: "def new generation" and "tenured generation"; G1/Parallel/ZGC: one "... heap" line
      if ((l.contains("generation") || l.contains(" heap")) && !l.startsWith("Metaspace")
          && !l.startsWith("class space")) {
        Matcher m = USED.matcher(l);
        if (m.find()) {
          used += Long.parseLong(m.group(1));
          found = true;
        }
      }
    }
    return found ? used : -1;
  }

  /** Runs the JDK's jcmd (next to this JVM's java) against a process; null when it fails. */
  static String jcmd(long pid, String command) {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path jcmd = Path.of(java).resolveSibling("jcmd");
    try {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return null;
      }
      return new String(out);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
