package io.tinkerjvm.tink.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Postgres that tink-server runs itself when no JDBC URL is given: real Postgres binaries from
 * Maven Central (zonky), a data directory that survives restarts, listening on loopback only.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts Postgres on {@code dataDir} (created and initialised on first use).
   *
   * @param port 0 for any free port
   * @param durable false turns off fsync, for throwaway test databases only
   */
  public static EmbeddedDatabase start(Path dataDir, int port, boolean durable) {
    try {
      Files.createDirectories(dataDir);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(false)
          .setOverrideWorkingDirectory(dataDir.getParent().resolve("pg-binaries").toFile())
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "200");
      if (port > 0) {
        builder.setPort(port);
      }
      // zonky starts Postgres with -F (no fsync) and synchronous_commit=off; later settings win.
      String durability = durable ? "on" : "off";
      builder.setServerConfig("fsync", durability).setServerConfig("synchronous_commit", durability)
          .setServerConfig("full_page_writes", durability);
      return new EmbeddedDatabase(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded Postgres in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
  }

  public String user() {
    return "postgres";
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
