package io.tinkerjvm.hegel.support;

import io.tinkerjvm.hegel.Hegel;
import io.tinkerjvm.hegel.HegelConfig;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.support.RunningTink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * tink-server (on its embedded Postgres) and Hegel in one process, started inside a network namespace that
 * has only {@code lo}, so that cloud-init in the same namespace reaches them at 127.0.0.1 and nothing else.
 * Pushes the hardware files given, prints {@code READY <hegel port>} and runs until its stdin closes.
 *
 * <p>Usage: StackInNamespace HARDWARE.json... -- [hegel flags]
 */
public final class StackInNamespace {
  private StackInNamespace() {}

  public static void main(String[] args) throws Exception {
    int split = Arrays.asList(args).indexOf("--");
    List<String> files = Arrays.asList(args).subList(0, split < 0 ? args.length : split);
    List<String> flags = new ArrayList<>(split < 0 ? List.of() : Arrays.asList(args).subList(split + 1, args.length));
    try (RunningTink tink = new RunningTink()) {
      for (String f : files) {
        tink.hardware().push(PushRequest.newBuilder()
            .setData(HardwareDocument.parsePushed(Files.readString(Path.of(f)), f)).build());
      }
      flags.addAll(List.of("--http-address=127.0.0.1", "--http-port=0",
          "--tinkerbell-grpc-authority=127.0.0.1:" + tink.server.grpcPort()));
      try (Hegel hegel = Hegel.start(HegelConfig.load(Map.of(), flags.toArray(String[]::new)))) {
        HttpClient http = HttpClient.newHttpClient();
        URI health = URI.create("http://127.0.0.1:" + hegel.httpPort() + "/healthz");
        long until = System.nanoTime() + 30_000_000_000L;
        while (http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() != 200) {
          if (System.nanoTime() > until) {
            throw new IllegalStateException("Hegel's cache did not go live");
          }
          Thread.sleep(50);
        }
        System.out.println("READY " + hegel.httpPort());
        System.out.flush();
        try {
          System.in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
          // stdin gone: stop
        }
      }
    }
  }
}
