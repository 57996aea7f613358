package io.tinkerjvm.tink.support;

import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.tls.Tls;
import java.nio.file.Path;
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
    io.tinkerjvm.runtime.testing.SecretLeaks.register(BMC_KEY);
    List<String> args = new ArrayList<>(List.of("--bind-address=127.0.0.1", "--grpc-port=0", "--http-port=0",
        "--db-url=" + dbUrl, "--db-user=postgres", "--deadline-check-interval=100ms", "--db-pool-size=8",
        // the default data folder as the environment names it (the build's, see the surefire settings)
        "--data-dir=" + Config.defaultDataDir(System.getenv())));
    args.addAll(List.of(extraArgs));
    this.server = TinkServer.start(TinkServerConfig.load(Map.of("TINK_BMC_KEY", BMC_KEY), args.toArray(String[]::new)));
    this.channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.grpcPort(), clientCredentials()).build();
  }

  /**
   * How a trusted client (the CLI on the host, Boots, Hegel) connects by default: TLS trusting the stack's CA
   * in the default data folder (the build's, see the surefire settings), with a certificate from it.
   */
  public static ChannelCredentials clientCredentials() {
    return Tls.localClient("test-client").credentials();
  }

  /** A channel to this server's gRPC port with {@link #clientCredentials()}. */
  public ManagedChannel newChannel() {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", server.grpcPort(), clientCredentials()).build();
  }

  /** The machine key the server checks with: the default data folder's, as Boots mints with it. */
  public static MachineCredentials machineCredentials() {
    return MachineCredentials.fromKeyFileOrNew("machine-key-file",
        Path.of(Config.defaultDataDir(System.getenv())).resolve("machine.key"));
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
