package io.tinkerjvm.tink.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** tink-server as its own JVM process, for tests and benchmarks that kill it or measure it. */
public final class TinkProcess {
  private TinkProcess() {}

  /**
   * Starts tink-server on loopback against {@code dbUrl} and returns once it says it is up. JVM
   * options come from {@code SERVER_JAVA_OPTS}; the process's output is drained in the background.
   */
  public static Process start(String dbUrl, int grpcPort, int httpPort) {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED"));
    String extra = System.getenv("SERVER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.tinkerjvm.tink.TinkServer",
        "--bind-address=127.0.0.1", "--grpc-port=" + grpcPort, "--http-port=" + httpPort, "--db-url=" + dbUrl,
        "--db-user=postgres"));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      StringBuilder seen = new StringBuilder();
      for (String line; (line = out.readLine()) != null; ) {
        seen.append(line).append('\n');
        if (line.contains("is up")) {
          Thread.ofVirtual().start(() -> drain(out));
          return p;
        }
      }
      throw new IllegalStateException("tink-server did not start:\n" + seen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // keep the pipe from filling up
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
