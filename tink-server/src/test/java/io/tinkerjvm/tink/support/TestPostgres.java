package io.tinkerjvm.tink.support;

import io.tinkerjvm.tink.db.EmbeddedDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One real Postgres per test JVM (zonky's binaries, fsync off), and a fresh database in it for each
 * test class, so that tests never see each other's rows.
 */
public final class TestPostgres {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedDatabase postgres;
  private static Path baseDir;

  private TestPostgres() {}

  public static synchronized EmbeddedDatabase server() {
    if (postgres == null) {
      try {
        baseDir = Files.createTempDirectory("tinkerjvm-test-pg");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      postgres = EmbeddedDatabase.start(baseDir.resolve("data"), 0, false);
      Runtime.getRuntime().addShutdownHook(new Thread(TestPostgres::stop));
    }
    return postgres;
  }

  /** Creates an empty database and returns its JDBC URL (user postgres, no password). */
  public static String freshDatabase() {
    EmbeddedDatabase pg = server();
    String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), "")) {
      c.createStatement().execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + name;
  }

  private static synchronized void stop() {
    if (postgres != null) {
      postgres.close();
      try (Stream<Path> files = Files.walk(baseDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: the temp dir is ours alone
      }
    }
  }
}
