package io.tinkerjvm.tink.bmc;

import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.db.Database;
import io.tinkerjvm.tink.hardware.BmcSpec;
import io.tinkerjvm.tink.workflow.ActionState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** BMC records and the operations tink-server asks PBnJ for, in Postgres. */
public final class BmcRepository {
  public static final String CHANNEL = ChangeNotifier.BMC;
  /** Events tink-server records for its BMC steps carry this as their worker id. */
  public static final String EVENT_WORKER = "pbnj";
  public static final String EVENT_TASK = "bmc";

  private final Database db;
  private final BmcVault vault;

  public BmcRepository(Database db, BmcVault vault) {
    this.db = db;
    this.vault = vault;
  }

  /** A machine's BMC with its password opened, for one call to PBnJ. */
  public record Bmc(UUID hardwareId, String host, String username, String password, String vendor, boolean efi) {
    @Override
    public String toString() {
      return "Bmc[" + username + "@" + host + ", vendor=" + vendor + "]";
    }
  }

  /** One due operation, claimed under a lease. */
  public record Operation(long id, UUID workflowId, UUID hardwareId, String kind, int attempts) {}

  /**
   * Stores or removes the record's BMC inside the hardware push's transaction. Without a password, the
   * stored one is kept; there must be one.
   */
  public void storeWithHardware(Connection c, UUID hardwareId, Optional<BmcSpec> spec) throws SQLException {
    if (spec.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM hardware_bmc WHERE hardware_id = ?")) {
        ps.setObject(1, hardwareId);
        ps.executeUpdate();
      }
      return;
    }
    BmcSpec b = spec.get();
    if (b.password() != null) {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO hardware_bmc (hardware_id, host, username, vendor, efi, netboot_on_workflow,
            boot_disk_on_success, password_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (hardware_id) DO UPDATE SET host = excluded.host, username = excluded.username,
            vendor = excluded.vendor, efi = excluded.efi, netboot_on_workflow = excluded.netboot_on_workflow,
            boot_disk_on_success = excluded.boot_disk_on_success, password_sealed = excluded.password_sealed,
            updated_at = now()""")) {
        ps.setObject(1, hardwareId);
        bindFields(ps, 2, b);
        ps.setBytes(8, vault.seal(hardwareId, b.password()));
        ps.executeUpdate();
      }
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("""
        UPDATE hardware_bmc SET host = ?, username = ?, vendor = ?, efi = ?, netboot_on_workflow = ?,
          boot_disk_on_success = ?, updated_at = now() WHERE hardware_id = ?""")) {
      bindFields(ps, 1, b);
      ps.setObject(7, hardwareId);
      if (ps.executeUpdate() == 0) {
        throw new InvalidArgumentException("metadata.bmc.password is required: hardware " + hardwareId
            + " has no stored BMC password yet");
      }
    }
  }

  /** host, username, vendor, efi, netboot_on_workflow, boot_disk_on_success from parameter {@code at} on. */
  private static void bindFields(PreparedStatement ps, int at, BmcSpec b) throws SQLException {
    ps.setString(at, b.pbnjHost());
    ps.setString(at + 1, b.username());
    ps.setString(at + 2, b.vendor());
    ps.setBoolean(at + 3, b.efi());
    ps.setBoolean(at + 4, b.netbootOnWorkflow());
    ps.setBoolean(at + 5, b.bootDiskOnSuccess());
  }

  /** Queues a netboot for each of the workflow's machines that wants one, inside the workflow's creation. */
  public static int queueNetboots(Connection c, UUID workflowId, List<String> workerIds) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO bmc_operation (workflow_id, hardware_id, kind)
        SELECT ?, b.hardware_id, 'netboot' FROM hardware_bmc b
        WHERE b.netboot_on_workflow AND b.hardware_id::text = ANY(?)""")) {
      ps.setObject(1, workflowId);
      ps.setArray(2, c.createArrayOf("text", workerIds.stream().distinct().toArray()));
      int queued = ps.executeUpdate();
      if (queued > 0) {
        ChangeNotifier.notify(c, CHANNEL, workflowId.toString());
      }
      return queued;
    }
  }

  public Optional<Bmc> bmc(UUID hardwareId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT host, username, password_sealed, vendor, efi FROM hardware_bmc WHERE hardware_id = ?")) {
        ps.setObject(1, hardwareId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.<Bmc>empty();
          }
          return Optional.of(new Bmc(hardwareId, rs.getString(1), rs.getString(2),
              vault.open(hardwareId, rs.getBytes(3)), rs.getString(4), rs.getBoolean(5)));
        }
      }
    });
  }

  /** Claims the oldest due operation for {@code lease}; another replica skips it meanwhile. */
  public Optional<Operation> claim(Duration lease) {
    return db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE bmc_operation SET state = 'running', attempts = attempts + 1,
            lease_until = now() + make_interval(secs => ?)
          WHERE id = (SELECT id FROM bmc_operation
                      WHERE (state = 'pending' AND not_before <= now()) OR (state = 'running' AND lease_until < now())
                      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id, workflow_id, hardware_id, kind, attempts""")) {
        ps.setDouble(1, lease.toMillis() / 1000.0);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(new Operation(rs.getLong(1), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                  rs.getString(4), rs.getInt(5)))
              : Optional.<Operation>empty();
        }
      }
    });
  }

  public void finish(long id, boolean ok, String message) {
    db.autoCommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE bmc_operation SET state = ?, message = ?, finished_at = now(), lease_until = NULL WHERE id = ?""")) {
        ps.setString(1, ok ? "done" : "failed");
        ps.setString(2, message);
        ps.setLong(3, id);
        return ps.executeUpdate();
      }
    });
  }

  /** Gives a claimed operation back, due again after {@code delay} (PBnJ was unreachable). */
  public void retryLater(long id, Duration delay, String message) {
    db.autoCommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE bmc_operation SET state = 'pending', lease_until = NULL, message = ?,
            not_before = now() + make_interval(secs => ?) WHERE id = ?""")) {
        ps.setString(1, message);
        ps.setDouble(2, delay.toMillis() / 1000.0);
        ps.setLong(3, id);
        return ps.executeUpdate();
      }
    });
  }

  /** Records one step as an event of the workflow, and wakes whoever follows its events. */
  public void recordEvent(UUID workflowId, String step, ActionState status, long seconds, String message) {
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO workflow_event (workflow_id, worker_id, task_name, action_name, status, seconds, message,
            attempt, workflow_state)
          SELECT id, ?, ?, ?, ?, ?, ?, 1, state FROM workflow WHERE id = ?""")) {
        ps.setString(1, EVENT_WORKER);
        ps.setString(2, EVENT_TASK);
        ps.setString(3, step);
        ps.setInt(4, status.code());
        ps.setLong(5, seconds);
        ps.setString(6, message.length() > 4096 ? message.substring(0, 4096) : message);
        ps.setObject(7, workflowId);
        ps.executeUpdate();
      }
      ChangeNotifier.notify(c, ChangeNotifier.WORKFLOW, workflowId.toString());
      return null;
    });
  }
}
