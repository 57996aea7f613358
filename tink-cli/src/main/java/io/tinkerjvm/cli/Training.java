package io.tinkerjvm.cli;

import io.tinkerjvm.cli.grpc.TrainingServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * The training run behind the launcher's class-data-sharing archive: runs the commands people use most against a
 * loopback responder, so their classes are archived and later starts skip loading and linking them.
 */
public final class Training {
  private Training() {}

  public static void main(String[] args) throws Exception {
    try (TrainingServer server = new TrainingServer()) {
      PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true);
      // the responder is plaintext: the training is of the commands, not of a TLS handshake
      Map<String, String> env = Map.of("TINKERBELL_GRPC_AUTHORITY", server.authority(), "TINKERBELL_TLS", "false");
      String[][] commands = {
          {"hardware", "list"}, {"hardware", "get", "--format", "json"}, {"hardware", "get", "--format", "csv"},
          {"template", "list"}, {"template", "get", "--format", "yaml"}, {"workflow", "list"},
          {"workflow", "state", "00000000-0000-0000-0000-000000000001"},
          {"workflow", "events", "00000000-0000-0000-0000-000000000001"}, {"--help"}, {"hardware", "--help"},
          {"hardware", "push", "--no-such-flag"},
      };
      for (String[] command : commands) {
        Tink.run(new Tink.Context(sink, sink, new ByteArrayInputStream(new byte[0]), true, env), command);
      }
    }
  }
}
