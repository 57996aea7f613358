package io.tinkerjvm.tink.support;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.template.TemplateServiceGrpc;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.tink.TinkServer;
import io.tinkerjvm.tink.TinkServerConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real tink-server on loopback ephemeral ports, on its own fresh database, and a channel to it. */
public final class RunningTink implements AutoCloseable {
  public final String dbUrl;
  public final TinkServer server;
  public final ManagedChannel channel;

  public RunningTink() {
    this(TestPostgres.freshDatabase());
  }

  /** A fixed key for sealing BMC passwords, so tests never write one into the home folder. */
  public static final String BMC_KEY = "c2VhbGVkLWJtYy1wYXNzd29yZHMtaW4tdGhlLXRlc3Q=";

  public RunningTink(String dbUrl, String... extraArgs) {
    this.dbUrl = dbUrl;
    List<String> args = new ArrayList<>(List.of("--bind-address=127.0.0.1", "--grpc-port=0", "--http-port=0",
        "--db-url=" + dbUrl, "--db-user=postgres", "--deadline-check-interval=100ms", "--db-pool-size=8"));
    args.addAll(List.of(extraArgs));
    this.server = TinkServer.start(TinkServerConfig.load(Map.of("TINK_BMC_KEY", BMC_KEY), args.toArray(String[]::new)));
    this.channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.grpcPort(),
        InsecureChannelCredentials.create()).build();
  }

  public HardwareServiceGrpc.HardwareServiceBlockingStub hardware() {
    return HardwareServiceGrpc.newBlockingStub(channel);
  }

  public TemplateServiceGrpc.TemplateServiceBlockingStub templates() {
    return TemplateServiceGrpc.newBlockingStub(channel);
  }

  public WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows() {
    return WorkflowServiceGrpc.newBlockingStub(channel);
  }

  /** Counts rows with plain SQL, to prove what was (not) stored. */
  public long count(String sql) {
    try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "")) {
      var rs = c.createStatement().executeQuery(sql);
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
