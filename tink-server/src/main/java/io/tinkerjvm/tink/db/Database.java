package io.tinkerjvm.tink.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tinkerjvm.runtime.errors.UnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The connection pool, migrations, and the one way to run a transaction. */
public final class Database implements AutoCloseable {
  private static final int MAX_ATTEMPTS = 5;

  private final HikariDataSource pool;
  private final String url;

  private Database(HikariDataSource pool, String url) {
    this.pool = pool;
    this.url = url;
  }

  /** Connects, then applies pending migrations before anything else touches the schema. */
  public static Database open(String jdbcUrl, String user, String password, int poolSize) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(poolSize);
    config.setPoolName("tink-db");
    config.setAutoCommit(false);
    config.setInitializationFailTimeout(15_000);
    config.setConnectionTimeout(10_000);
    HikariDataSource pool = new HikariDataSource(config);
    try {
      Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new Database(pool, jdbcUrl);
  }

  /**
   * Publishes the pool's gauges and timers (hikaricp_connections_pending, _acquire_seconds, _usage_seconds)
   * on {@code registry}: time spent waiting for a connection is what a pool too small for the load shows as.
   */
  public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    pool.setMetricRegistry(registry);
  }

  public DataSource dataSource() {
    return pool;
  }

  public String url() {
    return url;
  }

  /** Work done inside one transaction. */
  @FunctionalInterface
  public interface TxWork<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction and commits it; rolls back on any failure. Serialization
   * failures and deadlocks are retried, so callers see them only if they persist.
   */
  public <T> T inTransaction(TxWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = pool.getConnection()) {
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException e) {
        if (isRetryable(e) && attempt < MAX_ATTEMPTS) {
          continue;
        }
        if (isConnectionFailure(e)) {
          throw new UnavailableException("database unavailable: " + e.getMessage(), e);
        }
        throw new DatabaseException(e);
      }
    }
  }

  /** A query outside an explicit unit of work (still one short transaction). */
  public <T> T read(TxWork<T> work) {
    return inTransaction(work);
  }

  /**
   * Runs {@code work} with auto-commit on: each statement is its own transaction and no COMMIT
   * round trip follows. For work made of one atomic statement, or reads that need no snapshot.
   */
  public <T> T autoCommit(TxWork<T> work) {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(true);
      return work.run(c);
    } catch (SQLException e) {
      if (isConnectionFailure(e)) {
        throw new UnavailableException("database unavailable: " + e.getMessage(), e);
      }
      throw new DatabaseException(e);
    }
  }

  public String healthProblem() {
    try (Connection c = pool.getConnection()) {
      c.createStatement().execute("SELECT 1");
      c.rollback();
      return null;
    } catch (SQLException | RuntimeException e) {
      return "database: " + e.getMessage();
    }
  }

  static boolean isRetryable(SQLException e) {
    String state = e.getSQLState();
    return "40001".equals(state) || "40P01".equals(state);
  }

  static boolean isConnectionFailure(SQLException e) {
    String state = e.getSQLState();
    return e instanceof SQLTransientException || (state != null && state.startsWith("08"));
  }

  public static boolean isUniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState());
  }

  @Override
  public void close() {
    pool.close();
  }

  /** A database failure that is a bug or an outage, not the caller's fault. */
  public static final class DatabaseException extends RuntimeException {
    public DatabaseException(SQLException cause) {
      super("database error " + cause.getSQLState() + ": " + cause.getMessage(), cause);
    }
  }
}
