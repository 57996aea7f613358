package io.tinkerjvm.tink.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.db.Database;
import io.tinkerjvm.tink.workflow.WorkflowPlan.PlannedAction;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Outcome;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Snapshot;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Transition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Workflows in Postgres. Every state change locks the workflow row, applies the state machine's
 * verdict to the action row, the workflow row and the event log, and commits, all in one
 * transaction: what the API acknowledged is on disk, and a crash leaves nothing half-done.
 */
public final class WorkflowRepository {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
  private static final int MAX_MESSAGE = 4096;

  private final Database db;

  public WorkflowRepository(Database db) {
    this.db = db;
  }

  public record StoredWorkflow(UUID id, UUID templateId, String hardware, ActionState state, String data,
      Instant createdAt, Instant updatedAt) {}

  public record Context(UUID workflowId, String currentWorker, String currentTask, String currentAction,
      int currentIndex, ActionState currentState, int totalActions) {}

  public record StoredAction(PlannedAction action, ActionState state, int attempt) {}

  public record Event(long sequence, UUID workflowId, String workerId, String taskName, String actionName,
      ActionState status, long seconds, String message, int attempt, ActionState workflowState, Instant createdAt) {}

  // ---- create, read, delete ----

  public UUID create(UUID templateId, String hardwareJson, WorkflowPlan plan) {
    UUID id = UUID.randomUUID();
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO workflow (id, template_id, hardware, data, total_actions, global_timeout_s, next_worker)
          VALUES (?, ?, ?::jsonb, ?, ?, ?, ?)""")) {
        ps.setObject(1, id);
        ps.setObject(2, templateId);
        ps.setString(3, hardwareJson == null || hardwareJson.isBlank() ? "{}" : hardwareJson);
        ps.setString(4, plan.renderedTemplate());
        ps.setInt(5, plan.actions().size());
        ps.setLong(6, plan.globalTimeoutSeconds());
        ps.setString(7, plan.actions().getFirst().workerId());
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO workflow_action (workflow_id, idx, task_name, name, worker_id, image, timeout_s, command,
            on_timeout, on_failure, volumes, environment, pid, retries)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?)""")) {
        int idx = 0;
        for (PlannedAction a : plan.actions()) {
          ps.setObject(1, id);
          ps.setInt(2, idx++);
          ps.setString(3, a.taskName());
          ps.setString(4, a.name());
          ps.setString(5, a.workerId());
          ps.setString(6, a.image());
          ps.setLong(7, a.timeoutSeconds());
          ps.setString(8, json(a.command()));
          ps.setString(9, json(a.onTimeout()));
          ps.setString(10, json(a.onFailure()));
          ps.setString(11, json(a.volumes()));
          ps.setString(12, json(a.environment()));
          ps.setString(13, a.pid());
          ps.setInt(14, a.retries());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      ChangeNotifier.notify(c, ChangeNotifier.WORKFLOW, id.toString());
      return null;
    });
    return id;
  }

  public StoredWorkflow get(UUID id) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, template_id, hardware::text, state, data, created_at, updated_at FROM workflow "
              + "WHERE id = ? AND deleted_at IS NULL")) {
        ps.setObject(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw notFound(id);
          }
          return workflow(rs);
        }
      }
    });
  }

  public void forEach(Consumer<StoredWorkflow> sink) {
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, template_id, hardware::text, state, data, created_at, updated_at FROM workflow "
              + "WHERE deleted_at IS NULL ORDER BY created_at, id")) {
        ps.setFetchSize(500);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            sink.accept(workflow(rs));
          }
        }
      }
      return null;
    });
  }

  public void delete(UUID id) {
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE workflow SET deleted_at = now(), updated_at = now(), next_worker = NULL "
              + "WHERE id = ? AND deleted_at IS NULL")) {
        ps.setObject(1, id);
        if (ps.executeUpdate() == 0) {
          throw notFound(id);
        }
      }
      ChangeNotifier.notify(c, ChangeNotifier.WORKFLOW, id.toString());
      return null;
    });
  }

  // ---- worker-facing reads ----

  private static final String CONTEXT_SELECT = """
      SELECT w.id, a.worker_id, a.task_name, a.name, w.current_index, w.current_state, w.total_actions, w.started
      FROM workflow w JOIN workflow_action a ON a.workflow_id = w.id AND a.idx = w.current_index
      """;

  public Context context(UUID id) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(CONTEXT_SELECT + " WHERE w.id = ? AND w.deleted_at IS NULL")) {
        ps.setObject(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw notFound(id);
          }
          return context(rs);
        }
      }
    });
  }

  /** The workflows whose next step is this worker's: the fix for stalled hand-overs (tink#479). */
  public List<Context> contextsFor(String workerId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(CONTEXT_SELECT
          + " WHERE w.next_worker = ? AND w.deleted_at IS NULL AND w.state IN (0, 1) ORDER BY w.created_at, w.id")) {
        ps.setString(1, workerId);
        List<Context> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(context(rs));
          }
        }
        return out;
      }
    });
  }

  /** The workflow's context paired with the worker whose turn it is, if it is live and someone's turn. */
  public java.util.Optional<java.util.Map.Entry<String, Context>> actionableContext(UUID id) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(CONTEXT_SELECT.replaceFirst("SELECT ", "SELECT w.next_worker, ")
          + " WHERE w.id = ? AND w.deleted_at IS NULL AND w.state IN (0, 1) AND w.next_worker IS NOT NULL")) {
        ps.setObject(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return java.util.Optional.<java.util.Map.Entry<String, Context>>empty();
          }
          boolean started = rs.getBoolean(9);
          Context ctx = new Context(rs.getObject(2, UUID.class), rs.getString(3), started ? rs.getString(4) : "",
              started ? rs.getString(5) : "", rs.getInt(6), ActionState.of(rs.getInt(7)), rs.getInt(8));
          return java.util.Optional.of(java.util.Map.entry(rs.getString(1), ctx));
        }
      }
    });
  }

  public List<StoredAction> actions(UUID id) {
    return db.read(c -> {
      requireLive(c, id);
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT task_name, name, worker_id, image, timeout_s, command::text, on_timeout::text, on_failure::text,
            volumes::text, environment::text, pid, retries, state, attempt
          FROM workflow_action WHERE workflow_id = ? ORDER BY idx""")) {
        ps.setObject(1, id);
        List<StoredAction> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new StoredAction(new PlannedAction(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getLong(5), strings(rs.getString(6)), strings(rs.getString(7)),
                strings(rs.getString(8)), strings(rs.getString(9)), strings(rs.getString(10)), rs.getString(11),
                rs.getInt(12)), ActionState.of(rs.getInt(13)), rs.getInt(14)));
          }
        }
        return out;
      }
    });
  }

  // ---- state changes ----

  /** Applies a worker's report in one transaction; returns false when it repeated what was stored. */
  public boolean report(UUID id, WorkflowStateMachine.Report report) {
    return db.inTransaction(c -> {
      Snapshot wf = lockSnapshot(c, id);
      return apply(c, id, wf, WorkflowStateMachine.onReport(wf, report), report.workerId());
    });
  }

  /**
   * Ends actions and workflows that ran past their deadlines. Rows another replica is already
   * handling are skipped, so several replicas can run this at once. Returns how many changed.
   */
  public int enforceDeadlines() {
    return db.inTransaction(c -> {
      int changed = 0;
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT w.id, a.idx FROM workflow w JOIN workflow_action a ON a.workflow_id = w.id
          WHERE a.state = 1 AND a.deadline < now() AND w.deleted_at IS NULL AND w.state IN (0, 1)
          ORDER BY a.deadline LIMIT 100 FOR UPDATE OF w SKIP LOCKED""")) {
        List<Object[]> due = rows(ps, rs -> new Object[] {rs.getObject(1, UUID.class), rs.getInt(2)});
        for (Object[] d : due) {
          UUID id = (UUID) d[0];
          Snapshot wf = lockSnapshot(c, id);
          changed += apply(c, id, wf, WorkflowStateMachine.onActionDeadline(wf, (Integer) d[1]), "") ? 1 : 0;
        }
      }
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT id, global_timeout_s FROM workflow
          WHERE deadline < now() AND deleted_at IS NULL AND state IN (0, 1)
          ORDER BY deadline LIMIT 100 FOR UPDATE SKIP LOCKED""")) {
        List<Object[]> due = rows(ps, rs -> new Object[] {rs.getObject(1, UUID.class), rs.getLong(2)});
        for (Object[] d : due) {
          UUID id = (UUID) d[0];
          Snapshot wf = lockSnapshot(c, id);
          changed += apply(c, id, wf, WorkflowStateMachine.onGlobalDeadline(wf, (Long) d[1]), "") ? 1 : 0;
        }
      }
      return changed;
    });
  }

  private Snapshot lockSnapshot(Connection c, UUID id) throws SQLException {
    ActionState state;
    boolean started;
    int index;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT state, started, current_index FROM workflow WHERE id = ? AND deleted_at IS NULL FOR UPDATE")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw notFound(id);
        }
        state = ActionState.of(rs.getInt(1));
        started = rs.getBoolean(2);
        index = rs.getInt(3);
      }
    }
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT idx, task_name, name, worker_id, state, attempt, retries, timeout_s, last_result
        FROM workflow_action WHERE workflow_id = ? ORDER BY idx""")) {
      ps.setObject(1, id);
      List<WorkflowStateMachine.Action> actions = rows(ps, rs -> {
        int last = rs.getInt(9);
        return new WorkflowStateMachine.Action(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
            ActionState.of(rs.getInt(5)), rs.getInt(6), rs.getInt(7), rs.getLong(8),
            rs.wasNull() ? null : ActionState.of(last));
      });
      return new Snapshot(id.toString(), state, started, index, actions);
    }
  }

  private boolean apply(Connection c, UUID id, Snapshot wf, Outcome outcome, String reporter) throws SQLException {
    if (!(outcome instanceof Transition t)) {
      return false;
    }
    WorkflowStateMachine.Action action = wf.actions().get(t.index());
    try (PreparedStatement ps = c.prepareStatement("""
        UPDATE workflow_action SET state = ?, attempt = ?,
          started_at = CASE WHEN ? THEN now() ELSE started_at END,
          deadline = CASE WHEN ? THEN NULL WHEN ? THEN now() + make_interval(secs => ?) ELSE deadline END,
          finished_at = CASE WHEN ? THEN now() ELSE finished_at END,
          seconds = CASE WHEN ? THEN ? ELSE seconds END,
          last_result = CASE WHEN ? THEN ? ELSE last_result END,
          message = ?
        WHERE workflow_id = ? AND idx = ?""")) {
      int i = 1;
      ps.setInt(i++, t.actionState().code());
      ps.setInt(i++, t.attempt());
      ps.setBoolean(i++, t.started());
      ps.setBoolean(i++, t.finished());
      ps.setBoolean(i++, t.started());
      ps.setDouble(i++, action.effectiveTimeoutSeconds());
      ps.setBoolean(i++, t.finished());
      ps.setBoolean(i++, t.finished());
      ps.setLong(i++, t.seconds());
      ps.setBoolean(i++, t.finished());
      ps.setInt(i++, t.eventStatus().code());
      ps.setString(i++, clip(t.eventMessage()));
      ps.setObject(i++, id);
      ps.setInt(i, t.index());
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("""
        UPDATE workflow SET state = ?, started = true, current_index = ?, current_state = ?, next_worker = ?,
          deadline = CASE WHEN ? AND global_timeout_s > 0 THEN now() + make_interval(secs => global_timeout_s)
                          WHEN ? THEN NULL ELSE deadline END,
          updated_at = now()
        WHERE id = ?""")) {
      ps.setInt(1, t.workflowState().code());
      ps.setInt(2, t.currentIndex());
      ps.setInt(3, t.actionState().code());
      ps.setString(4, t.nextWorker());
      ps.setBoolean(5, t.workflowStarted());
      ps.setBoolean(6, t.workflowState().terminal());
      ps.setObject(7, id);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO workflow_event (workflow_id, worker_id, task_name, action_name, status, seconds, message,
          attempt, workflow_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
      ps.setObject(1, id);
      ps.setString(2, reporter.isEmpty() ? action.workerId() : reporter);
      ps.setString(3, action.taskName());
      ps.setString(4, action.name());
      ps.setInt(5, t.eventStatus().code());
      ps.setLong(6, t.seconds());
      ps.setString(7, clip(t.eventMessage()));
      ps.setInt(8, Math.max(1, t.attempt()));
      ps.setInt(9, t.workflowState().code());
      ps.executeUpdate();
    }
    ChangeNotifier.notify(c, ChangeNotifier.WORKFLOW, id.toString());
    return true;
  }

  // ---- events ----

  /** The workflow's events after {@code afterSequence}, in the order they were recorded. */
  public List<Event> events(UUID id, long afterSequence, int limit) {
    return db.read(c -> {
      requireExists(c, id);
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT seq, workflow_id, worker_id, task_name, action_name, status, seconds, message, attempt,
            workflow_state, created_at
          FROM workflow_event WHERE workflow_id = ? AND seq > ? ORDER BY seq LIMIT ?""")) {
        ps.setObject(1, id);
        ps.setLong(2, afterSequence);
        ps.setInt(3, limit);
        return rows(ps, rs -> new Event(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
            rs.getString(4), rs.getString(5), ActionState.of(rs.getInt(6)), rs.getLong(7), rs.getString(8),
            rs.getInt(9), ActionState.of(rs.getInt(10)), rs.getTimestamp(11).toInstant()));
      }
    });
  }

  public ActionState state(UUID id) {
    return get(id).state();
  }

  // ---- helpers ----

  static void requireLive(Connection c, UUID id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM workflow WHERE id = ? AND deleted_at IS NULL")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw notFound(id);
        }
      }
    }
  }

  /** Events stay readable after a delete, for the record. */
  private static void requireExists(Connection c, UUID id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM workflow WHERE id = ?")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw notFound(id);
        }
      }
    }
  }

  static NotFoundException notFound(UUID id) {
    return new NotFoundException("workflow " + id + " not found");
  }

  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  static <T> List<T> rows(PreparedStatement ps, RowMapper<T> mapper) throws SQLException {
    List<T> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(mapper.map(rs));
      }
    }
    return out;
  }

  private static StoredWorkflow workflow(ResultSet rs) throws SQLException {
    return new StoredWorkflow(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
        ActionState.of(rs.getInt(4)), rs.getString(5), instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7)));
  }

  private static Context context(ResultSet rs) throws SQLException {
    boolean started = rs.getBoolean(8);
    return new Context(rs.getObject(1, UUID.class), rs.getString(2), started ? rs.getString(3) : "",
        started ? rs.getString(4) : "", rs.getInt(5), ActionState.of(rs.getInt(6)), rs.getInt(7));
  }

  private static Instant instant(Timestamp ts) {
    return ts == null ? null : ts.toInstant();
  }

  private static String clip(String message) {
    return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE);
  }

  private static String json(List<String> values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> strings(String json) {
    try {
      return JSON.readValue(json, STRINGS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
