package io.tinkerjvm.e2e;

import java.nio.file.Path;
import java.time.Duration;

/** Reads files from the VM's raw disk on the host, with e2fsprogs' debugfs (read-only; nothing is mounted). */
public final class DiskImage {
  private DiskImage() {}

  /** The file's contents, or throws naming what debugfs said. */
  public static String cat(Path disk, String file) {
    Procs.Result r = Procs.run(Duration.ofSeconds(30), java.util.Map.of(), null,
        java.util.List.of("debugfs", "-R", "cat " + file, disk.toString()));
    String out = r.output();
    // debugfs prints its version banner first, on stderr (merged here)
    String body = out.lines().filter(l -> !l.startsWith("debugfs ")).reduce("", (a, b) -> a + b + "\n");
    if (r.exit() != 0 || out.contains("File not found") || out.contains("Bad magic number")) {
      throw new IllegalStateException("debugfs could not read " + file + " from " + disk + ": " + out.strip());
    }
    return body;
  }
}
