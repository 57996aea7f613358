package io.tinkerjvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tinkerjvm.tink.support.RunningTink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the tink command line (the same entry point bin/tink runs) against a real tink-server, in this JVM. */
final class CliRun {
  record Result(int code, String out, String err) {
    Result ok() {
      assertEquals(0, code, () -> "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err);
      return this;
    }
  }

  private CliRun() {}

  static Result tink(RunningTink server, String... args) {
    return tink(server, null, Map.of(), args);
  }

  /** @param stdin what is piped in; null for a terminal */
  static Result tink(RunningTink server, String stdin, Map<String, String> env, String... args) {
    Map<String, String> environment = new HashMap<>(env);
    if (server != null) {
      environment.putIfAbsent("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1:" + server.server.grpcPort());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    InputStream in = new ByteArrayInputStream(stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8));
    int code = Tink.run(new Tink.Context(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), in, stdin == null, environment), args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Path resource(String name) {
    return Path.of("src/test/resources", name).toAbsolutePath();
  }

  static String read(String name) {
    try {
      return Files.readString(resource(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Compares with src/test/resources/golden/NAME; -Dgolden.update=true rewrites the file instead. */
  static void assertGolden(String name, String actual) {
    Path file = resource("golden/" + name);
    try {
      if (Boolean.getBoolean("golden.update")) {
        Files.writeString(file, actual);
        return;
      }
      assertEquals(Files.readString(file), actual, "golden output " + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces server-made values (times, a given id) with fixed text of the same width, keeping tables aligned. */
  static String stable(String text, String... ids) {
    String s = text.replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "2026-01-01T00:00:00Z");
    for (int i = 0; i < ids.length; i++) {
      s = s.replace(ids[i], String.format("00000000-0000-0000-0000-%012d", i + 1));
    }
    return s;
  }
}
