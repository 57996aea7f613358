package io.tinkerjvm.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The suite's secret-leak check. What the suite produced: every log line (logback's SUITE file, debug
 * included), every gRPC answer the services gave (ResponseRecorder), and whatever more a module adds (its
 * events, read from the database). What must not be in it: every secret the suite configured — the ones
 * fixtures register, the ones a module names, and the key material in the default data folder (the machine
 * key, the BMC key, the CA's and every certificate's private key), all given to the services by the build.
 */
public final class SecretLeaks {
  /** Shorter strings are too likely to occur by chance ("pw", "x") to tell a leak. */
  public static final int MIN_LENGTH = 6;

  private SecretLeaks() {}

  /** The suite's log file (the surefire settings name it). */
  public static Path logFile() {
    return Path.of(System.getProperty("tinkerjvm.test-log", "target/test-logs/suite.log"));
  }

  public static Path responsesFile() {
    return Path.of(System.getProperty("tinkerjvm.record-responses", "target/test-logs/responses.txt"));
  }

  private static Path registry() {
    return logFile().resolveSibling("secrets.txt");
  }

  /** A secret a fixture configured, kept (base64, so any byte may be in it) for the check at the end. */
  public static void register(String secret) {
    try {
      Files.createDirectories(registry().toAbsolutePath().getParent());
      Files.writeString(registry(), Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)) + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Registered secrets, {@code named}, and each line of key material under {@code dataHome}. */
  public static Set<String> configured(Path dataHome, List<String> named) {
    Set<String> out = new LinkedHashSet<>(named);
    try {
      if (Files.exists(registry())) {
        for (String line : Files.readAllLines(registry())) {
          if (!line.isBlank()) {
            out.add(new String(Base64.getDecoder().decode(line.trim()), StandardCharsets.UTF_8));
          }
        }
      }
      if (Files.isDirectory(dataHome)) {
        try (Stream<Path> files = Files.walk(dataHome)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            String name = f.getFileName().toString();
            if (name.endsWith(".key") || name.endsWith("-key.pem")) {
              for (String line : Files.readAllLines(f)) {
                if (!line.startsWith("-----")) {
                  out.add(line.trim());
                }
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.removeIf(s -> s.length() < MIN_LENGTH);
    return out;
  }

  /** Where each secret shows up in the corpora: "file:line" with the secret's first characters only. */
  public static List<String> find(Set<String> secrets, List<Path> corpora, List<String> extraTexts) {
    List<String> found = new ArrayList<>();
    for (Path corpus : corpora) {
      if (!Files.exists(corpus)) {
        continue;
      }
      try (Stream<String> lines = Files.lines(corpus, StandardCharsets.UTF_8)) {
        int[] n = {0};
        lines.forEach(line -> {
          n[0]++;
          for (String s : secrets) {
            if (line.contains(s)) {
              found.add(corpus.getFileName() + ":" + n[0] + " holds the secret " + s.substring(0, 3) + "...");
            }
          }
        });
      } catch (IOException | UncheckedIOException e) {
        throw new IllegalStateException("cannot read " + corpus + ": " + e.getMessage(), e);
      }
    }
    for (int i = 0; i < extraTexts.size(); i++) {
      for (String s : secrets) {
        if (extraTexts.get(i).contains(s)) {
          found.add("text " + i + " holds the secret " + s.substring(0, 3) + "...");
        }
      }
    }
    return found;
  }

  /**
   * A module's check at the end of its run: none of its configured secrets (the registered ones, {@code named},
   * the key material of the default data folder) in the run's log or gRPC answers or in {@code extraTexts};
   * and enough of each looked at that a pass means something.
   *
   * @return what was looked for, for a module that checks more
   */
  public static Set<String> assertNoLeaks(List<String> named, List<String> extraTexts, long minLogLines,
      long minResponses) {
    Set<String> secrets = configured(Path.of(io.tinkerjvm.runtime.Config.defaultDataDir(System.getenv())), named);
    List<String> leaks = find(secrets, List.of(logFile(), responsesFile()), extraTexts);
    if (!leaks.isEmpty()) {
      throw new AssertionError("configured secrets leaked: " + leaks);
    }
    // a check over nothing would pass for the wrong reason
    check(secrets.size() > named.size(), "key material in the data folder besides the named secrets: " + secrets.size());
    check(lines(logFile()) >= minLogLines, "log lines: " + lines(logFile()));
    check(lines(responsesFile()) >= minResponses, "recorded responses: " + lines(responsesFile()));
    return secrets;
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("too little to check: " + what);
    }
  }

  /** Lines in a file, 0 when there is none: a check over nothing would pass for the wrong reason. */
  public static long lines(Path file) {
    if (!Files.exists(file)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
