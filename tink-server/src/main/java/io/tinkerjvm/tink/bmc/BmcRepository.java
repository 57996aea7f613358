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

  /**
   * One due operation, claimed under a lease; {@code attempts} numbers the claim. {@code stepsDone} steps
   * are behind it, and {@code pbnjTask} is the PBnJ task of the next one when PBnJ already accepted it.
   */
  public record Operation(long id, UUID workflowId, UUID hardwareId, String kind, int attempts, int stepsDone,
      String pbnjTask) {}

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
    // the stored password goes only to the BMC it was given for: another host or user needs it again
    try (PreparedStatement ps = c.prepareStatement("""
        UPDATE hardware_bmc SET vendor = ?, efi = ?, netboot_on_workflow = ?, boot_disk_on_success = ?,
          updated_at = now() WHERE hardware_id = ? AND host = ? AND username = ?""")) {
      ps.setString(1, b.vendor());
      ps.setBoolean(2, b.efi());
      ps.setBoolean(3, b.netbootOnWorkflow());
      ps.setBoolean(4, b.bootDiskOnSuccess());
      ps.setObject(5, hardwareId);
      ps.setString(6, b.pbnjHost());
      ps.setString(7, b.username());
      if (ps.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM hardware_bmc WHERE hardware_id = ?")) {
      ps.setObject(1, hardwareId);
      try (ResultSet rs = ps.executeQuery()) {
        throw new InvalidArgumentException(rs.next()
            ? "metadata.bmc.password is required when metadata.bmc.host, port or username changes"
            : "metadata.bmc.password is required: hardware " + hardwareId + " has no stored BMC password yet");
      }
    }
  }

  /** Forgets a deleted record's BMC, sealed password included. */
  public static void deleteWithHardware(Connection c, UUID hardwareId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM hardware_bmc WHERE hardware_id = ?")) {
      ps.setObject(1, hardwareId);
      ps.executeUpdate();
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

  /**
   * Claims the oldest due operation whose machine has no older one open, for {@code lease}; another
   * replica skips it meanwhile. First ends what may not run: operations of deleted workflows, and those
   * claimed {@code maxAttempts} times already (each with a FAILED event).
   */
  public Optional<Operation> claim(Duration lease, int maxAttempts) {
    return db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE bmc_operation SET state = 'cancelled', finished_at = now(), lease_until = NULL,
            message = 'the workflow was deleted'
          WHERE (state = 'pending' OR (state = 'running' AND lease_until < now()))
            AND workflow_id IN (SELECT id FROM workflow WHERE deleted_at IS NOT NULL)""")) {
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE bmc_operation SET state = 'failed', finished_at = now(), lease_until = NULL,
            message = 'gave up after ' || attempts || ' attempts: ' || message
          WHERE ((state = 'pending' AND not_before <= now()) OR (state = 'running' AND lease_until < now()))
            AND attempts >= ?
          RETURNING workflow_id, kind, message""")) {
        ps.setInt(1, maxAttempts);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            insertEvent(c, rs.getObject(1, UUID.class), rs.getString(2).equals("netboot") ? "netboot" : "boot-from-disk",
                ActionState.FAILED, 0, rs.getString(3));
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE bmc_operation SET state = 'running', attempts = attempts + 1,
            lease_until = now() + make_interval(secs => ?)
          WHERE id = (SELECT b.id FROM bmc_operation b
                      WHERE ((b.state = 'pending' AND b.not_before <= now())
                             OR (b.state = 'running' AND b.lease_until < now()))
                        AND NOT EXISTS (SELECT 1 FROM bmc_operation o WHERE o.hardware_id = b.hardware_id
                                        AND o.id < b.id AND o.state IN ('pending', 'running'))
                      ORDER BY b.id LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id, workflow_id, hardware_id, kind, attempts, steps_done, pbnj_task""")) {
        ps.setDouble(1, lease.toMillis() / 1000.0);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(new Operation(rs.getLong(1), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                  rs.getString(4), rs.getInt(5), rs.getInt(6), rs.getString(7)))
              : Optional.<Operation>empty();
        }
      }
    });
  }

  /**
   * Notes the PBnJ task a step started and extends the lease; false when the claim is no longer ours
   * (it expired and another tink-server took the operation).
   */
  public boolean stepStarted(Operation op, String pbnjTask, Duration lease) {
    return fenced(op, "pbnj_task = ?, lease_until = now() + make_interval(secs => ?)",
        ps -> {
          ps.setString(1, pbnjTask);
          ps.setDouble(2, lease.toMillis() / 1000.0);
        }, 3);
  }

  /** Extends the lease of a claim still held; false when it is no longer ours. */
  public boolean renew(Operation op, Duration lease) {
    return fenced(op, "lease_until = now() + make_interval(secs => ?)",
        ps -> ps.setDouble(1, lease.toMillis() / 1000.0), 2);
  }

  /**
   * Records a finished step as an event and moves past it, in one transaction: with {@code status} FAILED
   * or on the {@code last} step the operation ends. Nothing is written when the claim is no longer ours.
   */
  public boolean stepEnded(Operation op, String step, ActionState status, long seconds, String message,
      boolean last) {
    boolean ends = last || status != ActionState.SUCCESS;
    String end = !ends ? "" : ", state = '" + (status == ActionState.SUCCESS ? "done" : "failed")
        + "', finished_at = now(), lease_until = NULL";
    return db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE bmc_operation SET steps_done = steps_done + ?, "
          + "pbnj_task = NULL, message = ?" + end + " WHERE id = ? AND state = 'running' AND attempts = ?")) {
        ps.setInt(1, status == ActionState.SUCCESS ? 1 : 0);
        ps.setString(2, status == ActionState.SUCCESS ? "" : clip(message));
        ps.setLong(3, op.id());
        ps.setInt(4, op.attempts());
        if (ps.executeUpdate() == 0) {
          return false;
        }
      }
      insertEvent(c, op.workflowId(), step, status, seconds, message);
      return true;
    });
  }

  /** Gives the claim back, due again after {@code delay} (PBnJ was unreachable); a started step's task is kept. */
  public boolean retryLater(Operation op, Duration delay, String message) {
    return fenced(op, "state = 'pending', lease_until = NULL, message = ?, "
        + "not_before = now() + make_interval(secs => ?)", ps -> {
          ps.setString(1, clip(message));
          ps.setDouble(2, delay.toMillis() / 1000.0);
        }, 3);
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  /** An update of a claimed row that applies only while the claim (its attempt number) is still ours. */
  private boolean fenced(Operation op, String set, Binder binder, int next) {
    return db.autoCommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE bmc_operation SET " + set
          + " WHERE id = ? AND state = 'running' AND attempts = ?")) {
        binder.bind(ps);
        ps.setLong(next, op.id());
        ps.setInt(next + 1, op.attempts());
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** Records a step as an event of the workflow and wakes whoever follows its events. */
  private static void insertEvent(Connection c, UUID workflowId, String step, ActionState status, long seconds,
      String message) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO workflow_event (workflow_id, worker_id, task_name, action_name, status, seconds, message,
          attempt, workflow_state)
        SELECT id, ?, ?, ?, ?, ?, ?, 1, state FROM workflow WHERE id = ?""")) {
      ps.setString(1, EVENT_WORKER);
      ps.setString(2, EVENT_TASK);
      ps.setString(3, step);
      ps.setInt(4, status.code());
      ps.setLong(5, seconds);
      ps.setString(6, clip(message));
      ps.setObject(7, workflowId);
      ps.executeUpdate();
    }
    ChangeNotifier.notify(c, ChangeNotifier.WORKFLOW, workflowId.toString());
  }

  private static String clip(String message) {
    return message.length() > 4096 ? message.substring(0, 4096) : message;
  }
}
