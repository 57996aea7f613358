package io.tinkerjvm.tink;

import static io.tinkerjvm.tink.support.Fixtures.hardware;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.tinkerjvm.proto.tink.hardware.GetRequest;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** With no JDBC URL, tink-server runs its own Postgres, and what it stored is there after a restart. */
class EmbeddedDatabaseRestartTest {
  @Test
  void dataInTheEmbeddedDatabaseSurvivesARestart() throws Exception {
    Path dataDir = Files.createTempDirectory("tinkerjvm-embedded");
    String id = "c0ffee00-0000-4000-8000-000000000001";
    try {
      try (TinkServer first = start(dataDir)) {
        call(first, stub -> stub.push(PushRequest.newBuilder()
            .setData(hardware(id, "08:00:27:c0:ff:ee", "10.40.0.1")).build()));
      }
      try (TinkServer second = start(dataDir)) {
        call(second, stub -> assertEquals(id,
            stub.byMAC(GetRequest.newBuilder().setMac("08:00:27:c0:ff:ee").build()).getId()));
      }
    } finally {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static TinkServer start(Path dataDir) {
    return TinkServer.start(TinkServerConfig.load(Map.of(), "--bind-address=127.0.0.1", "--grpc-port=0",
        "--http-port=0", "--data-dir=" + dataDir));
  }

  private static void call(TinkServer server, java.util.function.Consumer<HardwareServiceGrpc.HardwareServiceBlockingStub> body)
      throws InterruptedException {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.grpcPort(),
        // trusting the CA of this data folder, which the second start reuses
        new io.tinkerjvm.runtime.tls.Tls.ClientSettings(true, server.tls().caFile().getParent(), null, null, null)
            .open("test-client").credentials()).build();
    try {
      body.accept(HardwareServiceGrpc.newBlockingStub(channel));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
