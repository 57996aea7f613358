package io.tinkerjvm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where a secret shows up that it must not: every log the loop wrote, the VM's console, an API answer. */
final class Secrets {
  private Secrets() {}

  static List<String> leaks(String secret, Path work, String... answers) {
    List<String> found = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> logs = Files.list(work.resolve("logs"))) {
      logs.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.add(work.resolve("vm/serial.log"));
    for (Path f : files) {
      if (Procs.read(f).contains(secret)) {
        found.add(f.toString());
      }
    }
    for (int i = 0; i < answers.length; i++) {
      if (answers[i].contains(secret)) {
        found.add("API answer " + i);
      }
    }
    return found;
  }
}
