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
          "UPDATE workflow SET deleted_at = now(), updated_at = now(), next_worker = NULL, version = version + 1 "
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
  /**
   * Optimistic: read the workflow, decide, then write the transition in one statement that
   * applies only if the workflow's version is still the one read; otherwise read again. No row
   * lock is held across a round trip, and a report costs two round trips.
   */
  public boolean report(UUID id, WorkflowStateMachine.Report report) {
    return db.autoCommit(c -> {
      for (int attempt = 1; ; attempt++) {
        Snapshot wf = snapshot(c, id, report.taskName(), report.actionName(), false);
        Outcome outcome = WorkflowStateMachine.onReport(wf, report);
        if (!(outcome instanceof Transition)) {
          return false;
        }
        if (apply(c, id, wf, outcome, report.workerId())) {
          return true;
        }
        if (attempt == 20) {
          throw new io.tinkerjvm.runtime.errors.UnavailableException(
              "workflow " + id + " kept changing while this report was applied; retry", null);
        }
      }
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
          SELECT id, global_timeout_s, coalesce(deadline < now(), false) FROM workflow
          WHERE (action_deadline < now() OR deadline < now()) AND deleted_at IS NULL AND state IN (0, 1)
          ORDER BY least(action_deadline, deadline) LIMIT 100 FOR UPDATE SKIP LOCKED""")) {
        record Due(UUID id, long globalTimeout, boolean globalOverrun) {}
        for (Due due : rows(ps, rs -> new Due(rs.getObject(1, UUID.class), rs.getLong(2), rs.getBoolean(3)))) {
          Snapshot wf = snapshot(c, due.id(), "", "", false);
          Outcome outcome = due.globalOverrun()
              ? WorkflowStateMachine.onGlobalDeadline(wf, due.globalTimeout())
              : WorkflowStateMachine.onActionDeadline(wf);
          changed += apply(c, due.id(), wf, outcome, "") ? 1 : 0;
        }
      }
      return changed;
    });
  }

  /**
   * Reads what one decision needs in one round trip: the workflow, its version, and its current,
   * next and (when given) reported actions; with {@code lock}, also locks the workflow row.
   */
  private Snapshot snapshot(Connection c, UUID id, String task, String action, boolean lock) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT w.state, w.started, w.current_index, w.total_actions,
          a.idx, a.task_name, a.name, a.worker_id, a.state, a.attempt, a.retries, a.timeout_s, a.last_result,
          w.version
        FROM workflow w JOIN workflow_action a ON a.workflow_id = w.id
          AND (a.idx IN (w.current_index, w.current_index + 1) OR (a.task_name = ? AND a.name = ?))
        WHERE w.id = ? AND w.deleted_at IS NULL
        ORDER BY a.idx""" + (lock ? " FOR UPDATE OF w" : ""))) {
      ps.setString(1, task);
      ps.setString(2, action);
      ps.setObject(3, id);
      List<WorkflowStateMachine.Action> actions = new ArrayList<>(3);
      ActionState state = null;
      boolean started = false;
      int index = 0;
      int total = 0;
      long version = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          version = rs.getLong(14);
          state = ActionState.of(rs.getInt(1));
          started = rs.getBoolean(2);
          index = rs.getInt(3);
          total = rs.getInt(4);
          int last = rs.getInt(13);
          actions.add(new WorkflowStateMachine.Action(rs.getInt(5), rs.getString(6), rs.getString(7),
              rs.getString(8), ActionState.of(rs.getInt(9)), rs.getInt(10), rs.getInt(11), rs.getLong(12),
              rs.wasNull() ? null : ActionState.of(last)));
        }
      }
      if (state == null) {
        throw notFound(id);
      }
      return new Snapshot(id.toString(), state, started, index, total, version, actions);
    }
  }

  /**
   * Writes a transition in one statement, so one transaction even with auto-commit: the workflow
   * row (only if its version is still the snapshot's), the action row, the event and, when whose
   * turn it is changes, a change notification. Returns false if the workflow moved on meanwhile.
   */
  private boolean apply(Connection c, UUID id, Snapshot wf, Outcome outcome, String reporter) throws SQLException {
    if (!(outcome instanceof Transition t)) {
      return false;
    }
    WorkflowStateMachine.Action action = wf.action(t.index());
    try (PreparedStatement ps = c.prepareStatement("""
        WITH workflow_update AS (
          UPDATE workflow SET state = ?, started = true, current_index = ?, current_state = ?, next_worker = ?,
            deadline = CASE WHEN ? AND global_timeout_s > 0 THEN now() + make_interval(secs => global_timeout_s)
                            WHEN ? THEN NULL ELSE deadline END,
            action_deadline = CASE WHEN ? THEN NULL WHEN ? THEN now() + make_interval(secs => ?)
                                   ELSE action_deadline END,
            version = version + 1, updated_at = now()
          WHERE id = ? AND version = ? AND deleted_at IS NULL
          RETURNING id),
        action_update AS (
          UPDATE workflow_action SET state = ?, attempt = ?,
            started_at = CASE WHEN ? THEN now() ELSE started_at END,
            deadline = CASE WHEN ? THEN NULL WHEN ? THEN now() + make_interval(secs => ?) ELSE deadline END,
            finished_at = CASE WHEN ? THEN now() ELSE finished_at END,
            seconds = CASE WHEN ? THEN ? ELSE seconds END,
            last_result = CASE WHEN ? THEN ? ELSE last_result END,
            message = ?
          WHERE workflow_id = (SELECT id FROM workflow_update) AND idx = ?),
        event AS (
          INSERT INTO workflow_event (workflow_id, worker_id, task_name, action_name, status, seconds, message,
            attempt, workflow_state) SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM workflow_update)
        SELECT count(*), bool_or(CASE WHEN ? THEN pg_notify(?, ?) IS NULL ELSE false END) FROM workflow_update""")) {
      int i = 1;
      ps.setInt(i++, t.workflowState().code());
      ps.setInt(i++, t.currentIndex());
      ps.setInt(i++, t.actionState().code());
      ps.setString(i++, t.nextWorker());
      ps.setBoolean(i++, t.workflowStarted());
      ps.setBoolean(i++, t.workflowState().terminal());
      ps.setBoolean(i++, t.finished());
      ps.setBoolean(i++, t.started());
      ps.setDouble(i++, action.effectiveTimeoutSeconds());
      ps.setObject(i++, id);
      ps.setLong(i++, wf.version());

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
      ps.setInt(i++, t.index());

      ps.setString(i++, reporter.isEmpty() ? action.workerId() : reporter);
      ps.setString(i++, action.taskName());
      ps.setString(i++, action.name());
      ps.setInt(i++, t.eventStatus().code());
      ps.setLong(i++, t.seconds());
      ps.setString(i++, clip(t.eventMessage()));
      ps.setInt(i++, Math.max(1, t.attempt()));
      ps.setInt(i++, t.workflowState().code());

      ps.setBoolean(i++, WorkflowStateMachine.changesTurn(wf, t));
      ps.setString(i++, ChangeNotifier.WORKFLOW);
      ps.setString(i, id.toString());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 1;
      }
    }
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
    return db.autoCommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT state FROM workflow WHERE id = ?")) {
        ps.setObject(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw notFound(id);
          }
          return ActionState.of(rs.getInt(1));
        }
      }
    });
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
