package io.tinkerjvm.cli;

import static io.tinkerjvm.cli.CliRun.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.tink.support.RunningTink;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** tink as its own process, as a shell runs it: exit codes, piped standard input, environment. */
class TinkProcessTest {
  static RunningTink server;

  @BeforeAll
  static void start() {
    server = new RunningTink();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  record Run(int code, String out, String err) {}

  static Run tink(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Dtink.stdin.tty=" + (stdin == null), "-cp", System.getProperty("java.class.path"), Tink.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1:" + server.server.grpcPort());
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), out, err);
  }

  @Test
  void pipedPushThenListThenFailuresWithExitCodes() throws Exception {
    Run push = tink(read("tinkerbell/hardware-s1.json"), "hardware", "push");
    assertEquals(0, push.code(), push.err());
    assertEquals("Hardware data pushed successfully: " + HardwareCliTest.S1 + " (stdin)\n", push.out());

    Run list = tink(null, "hardware", "list", "--no-headers", "--format", "csv");
    assertEquals(0, list.code(), list.err());
    assertEquals(HardwareCliTest.S1 + ",08:00:27:00:00:01,192.168.1.5,s1\n", list.out());

    Run missing = tink(null, "hardware", "delete", "5d2b7c7e-0000-4000-8000-000000000000");
    assertEquals(1, missing.code());
    assertEquals("Error\t5d2b7c7e-0000-4000-8000-000000000000\tnot found\n", missing.err());

    Run usage = tink(null, "hardware", "push");
    assertEquals(2, usage.code());
    assertEquals(1, usage.err().lines().count(), usage.err());
  }
}
