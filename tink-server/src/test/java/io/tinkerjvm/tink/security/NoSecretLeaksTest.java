package io.tinkerjvm.tink.security;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.testing.SecretLeaks;
import io.tinkerjvm.tink.db.EmbeddedDatabase;
import io.tinkerjvm.tink.support.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test of the module (junit-platform.properties orders classes): no secret the suite
 * configured is in any line it logged, any answer tink-server gave, or any event stored in any of the
 * suite's databases.
 */
@Order(Integer.MAX_VALUE)
class NoSecretLeaksTest {
  /** The module's own configured secrets, beyond those fixtures register and the key files. */
  static final List<String> NAMED = List.of("Sup3r-Secret-BMC");

  @Test
  void noConfiguredSecretIsInALogLineAnEventOrAnApiResponse() throws Exception {
    List<String> events = events();
    Set<String> secrets = SecretLeaks.assertNoLeaks(NAMED, events, 10, 100);
    assertTrue(secrets.size() >= 4, "the BMC key, the machine key and the CA's keys at least: " + secrets.size());
    assertTrue(events.size() > 10, "events: " + events.size());
  }

  /** Every workflow event and BMC operation in every database of the suite's Postgres, as text. */
  private static List<String> events() throws Exception {
    EmbeddedDatabase pg = TestPostgres.server();
    List<String> out = new ArrayList<>();
    List<String> databases = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), "");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'")) {
      while (rs.next()) {
        databases.add(rs.getString(1));
      }
    }
    for (String db : databases) {
      String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + db;
      try (Connection c = DriverManager.getConnection(url, pg.user(), "")) {
        for (String table : List.of("workflow_event", "bmc_operation")) {
          try (ResultSet exists = c.createStatement().executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            exists.next();
            if (!exists.getBoolean(1)) {
              continue;
            }
          }
          try (ResultSet rs = c.createStatement().executeQuery("SELECT row_to_json(t)::text FROM " + table + " t")) {
            while (rs.next()) {
              out.add(rs.getString(1));
            }
          }
        }
      }
    }
    return out;
  }
}
