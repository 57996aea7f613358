package io.tinkerjvm.tink.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postgres LISTEN/NOTIFY for change feeds, so that every replica of tink-server learns of a change
 * committed by any other. One dedicated connection; it reconnects after a failure and then tells
 * each listener ({@code null} payload) to catch up, since notifications sent meanwhile are lost.
 */
public final class ChangeNotifier implements AutoCloseable {
  public static final String HARDWARE = "tink_hardware";
  public static final String WORKFLOW = "tink_workflow";
  /** BMC operations queued for PBnJ. */
  public static final String BMC = "tink_bmc";

  private static final Logger log = LoggerFactory.getLogger(ChangeNotifier.class);

  private final String url;
  private final Properties props;
  private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Connection connection;

  public ChangeNotifier(String url, String user, String password) {
    this.url = url;
    this.props = new Properties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    for (String channel : List.of(HARDWARE, WORKFLOW, BMC)) {
      listeners.put(channel, new CopyOnWriteArrayList<>());
    }
    this.thread = Thread.ofPlatform().daemon().name("pg-notify").start(this::loop);
  }

  /** Calls {@code listener} with each payload sent on {@code channel}, or null after a reconnect. */
  public Runnable subscribe(String channel, Consumer<String> listener) {
    List<Consumer<String>> list = listeners.get(channel);
    list.add(listener);
    return () -> list.remove(listener);
  }

  /** Sends a notification inside the caller's transaction: it is delivered only if that commits. */
  public static void notify(Connection c, String channel, String payload) throws SQLException {
    try (var ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    }
  }

  private void loop() {
    boolean reconnect = false;
    while (running) {
      try (Connection c = DriverManager.getConnection(url, props)) {
        connection = c;
        try (Statement s = c.createStatement()) {
          for (String channel : listeners.keySet()) {
            s.execute("LISTEN " + channel);
          }
        }
        if (reconnect) {
          listeners.forEach((channel, list) -> dispatch(list, null));
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] batch = pg.getNotifications(500);
          if (batch != null) {
            for (PGNotification n : batch) {
              dispatch(listeners.getOrDefault(n.getName(), List.of()), n.getParameter());
            }
          }
        }
      } catch (SQLException e) {
        if (running) {
          log.warn("change notifications interrupted, reconnecting: {}", e.getMessage());
          reconnect = true;
          sleepQuietly(500);
        }
      }
    }
  }

  private static void dispatch(List<Consumer<String>> list, String payload) {
    for (Consumer<String> l : list) {
      try {
        l.accept(payload);
      } catch (RuntimeException e) {
        log.warn("change listener failed: {}", e.toString());
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      Connection c = connection;
      if (c != null) {
        c.close();
      }
      thread.join(2000);
    } catch (SQLException | InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
