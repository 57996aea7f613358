package io.tinkerjvm.tink.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.tink.bmc.BmcRepository;
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
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Workflows in Postgres. Every state change writes the state machine's verdict to the workflow row
 * (guarded by its version), the action row and the event log in one statement, hence one
 * transaction: what the API acknowledged is on disk, and a crash leaves nothing half-done.
 */
public final class WorkflowRepository {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
  private static final int MAX_MESSAGE = 4096;

  private final Database db;
  private final boolean manageBmcs;

  public WorkflowRepository(Database db) {
    this(db, false);
  }

  /** @param manageBmcs tink-server drives PBnJ: new workflows netboot their machines and mark themselves managed */
  public WorkflowRepository(Database db, boolean manageBmcs) {
    this.db = db;
    this.manageBmcs = manageBmcs;
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
          INSERT INTO workflow (id, template_id, hardware, data, total_actions, global_timeout_s, next_worker,
            bmc_managed)
          VALUES (?, ?, ?::jsonb, ?, ?, ?, ?, ?)""")) {
        ps.setObject(1, id);
        ps.setObject(2, templateId);
        ps.setString(3, hardwareJson == null || hardwareJson.isBlank() ? "{}" : hardwareJson);
        ps.setString(4, plan.renderedTemplate());
        ps.setInt(5, plan.actions().size());
        ps.setLong(6, plan.globalTimeoutSeconds());
        ps.setString(7, plan.actions().getFirst().workerId());
        ps.setBoolean(8, manageBmcs);
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
      if (manageBmcs) {
        BmcRepository.queueNetboots(c, id, plan.actions().stream().map(PlannedAction::workerId).toList());
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
    // one statement: auto-commit spares the COMMIT round trip while the connection is held (the boot storm's
    // agents ask this of every workflow at once; see docs/benchmarks.md, "Boot storm")
    return db.autoCommit(c -> {
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

  /** Whether the workflow has an action for this worker (false also when there is no such workflow). */
  public boolean hasWorker(UUID workflowId, String workerId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT 1 FROM workflow_action WHERE workflow_id = ? AND worker_id = ? LIMIT 1")) {
        ps.setObject(1, workflowId);
        ps.setString(2, workerId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  /** The workflows whose next step is this worker's: the fix for stalled hand-overs (tink#479). */
  public List<Context> contextsFor(String workerId) {
    return db.autoCommit(c -> {
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

  /**
   * The workflow's actions in order; NotFound unless it exists and is not deleted. One statement (the workflow
   * row joined to its actions, so that no row means no workflow) in auto-commit: one round trip, where a
   * check, a select and a COMMIT took three.
   */
  public List<StoredAction> actions(UUID id) {
    return db.autoCommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT a.task_name, a.name, a.worker_id, a.image, a.timeout_s, a.command::text, a.on_timeout::text,
            a.on_failure::text, a.volumes::text, a.environment::text, a.pid, a.retries, a.state, a.attempt
          FROM workflow w LEFT JOIN workflow_action a ON a.workflow_id = w.id
          WHERE w.id = ? AND w.deleted_at IS NULL ORDER BY a.idx""")) {
        ps.setObject(1, id);
        List<StoredAction> out = new ArrayList<>();
        boolean found = false;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            found = true;
            if (rs.getString(2) == null) {
              continue; // the workflow has no actions: its one row carries the join's nulls
            }
            out.add(new StoredAction(new PlannedAction(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getLong(5), strings(rs.getString(6)), strings(rs.getString(7)),
                strings(rs.getString(8)), strings(rs.getString(9)), strings(rs.getString(10)), rs.getString(11),
                rs.getInt(12)), ActionState.of(rs.getInt(13)), rs.getInt(14)));
          }
        }
        if (!found) {
          throw notFound(id);
        }
        return out;
      }
    });
  }

  // ---- state changes ----

  /** A worker's report, waiting to be applied. */
  public record PendingReport(UUID workflowId, WorkflowStateMachine.Report report) {}

  /** What became of one report in a batch. */
  public sealed interface ReportResult permits Applied, Repeated, Rejected, Conflicted {}

  /** Stored as a new transition. */
  public record Applied() implements ReportResult {}

  /** Restated what was stored; nothing changed. */
  public record Repeated() implements ReportResult {}

  /** Refused: the error names why. */
  public record Rejected(RuntimeException error) implements ReportResult {}

  /** The workflow changed between read and write: decide again. */
  public record Conflicted() implements ReportResult {}

  /**
   * Applies reports for distinct workflows together, optimistically, in two round trips whatever
   * their number: one query reads every workflow and the actions its decision needs, the state
   * machine decides each, and one statement writes every transition (workflow row only if its
   * version is still the one read, action row, event, and a notification when the turn changes).
   * That statement is one transaction, so the batch commits, and is acknowledged, as a whole.
   */
  public List<ReportResult> reportAll(List<PendingReport> reports) {
    return db.autoCommit(c -> {
      List<Key> keys = reports.stream()
          .map(r -> new Key(r.workflowId(), r.report().taskName(), r.report().actionName())).toList();
      Map<UUID, Snapshot> snapshots = snapshots(c, keys, false);
      List<ReportResult> results = new ArrayList<>(reports.size());
      List<Write> writes = new ArrayList<>();
      for (PendingReport r : reports) {
        Snapshot wf = snapshots.get(r.workflowId());
        try {
          if (wf == null) {
            throw notFound(r.workflowId());
          }
          if (WorkflowStateMachine.onReport(wf, r.report()) instanceof Transition t) {
            writes.add(new Write(r.workflowId(), wf, t, r.report().workerId()));
            results.add(null);
          } else {
            results.add(new Repeated());
          }
        } catch (RuntimeException e) {
          results.add(new Rejected(e));
        }
      }
      java.util.Set<UUID> applied = write(c, writes);
      for (int i = 0, w = 0; i < results.size(); i++) {
        if (results.get(i) == null) {
          results.set(i, applied.contains(writes.get(w++).id()) ? new Applied() : new Conflicted());
        }
      }
      return results;
    });
  }

  /**
   * Ends actions and workflows that ran past their deadlines. Rows another replica is already
   * handling are skipped, so several replicas can run this at once. Returns how many changed.
   */
  public int enforceDeadlines() {
    return db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT id, global_timeout_s, coalesce(deadline < now(), false) FROM workflow
          WHERE (action_deadline < now() OR deadline < now()) AND deleted_at IS NULL AND state IN (0, 1)
          ORDER BY least(action_deadline, deadline) LIMIT 100 FOR UPDATE SKIP LOCKED""")) {
        record Due(UUID id, long globalTimeout, boolean globalOverrun) {}
        List<Due> due = rows(ps, rs -> new Due(rs.getObject(1, UUID.class), rs.getLong(2), rs.getBoolean(3)));
        Map<UUID, Snapshot> snapshots = snapshots(c, due.stream().map(d -> new Key(d.id(), "", "")).toList(), false);
        List<Write> writes = new ArrayList<>();
        for (Due d : due) {
          Snapshot wf = snapshots.get(d.id());
          Outcome outcome = d.globalOverrun()
              ? WorkflowStateMachine.onGlobalDeadline(wf, d.globalTimeout())
              : WorkflowStateMachine.onActionDeadline(wf);
          if (outcome instanceof Transition t) {
            writes.add(new Write(d.id(), wf, t, ""));
          }
        }
        return write(c, writes).size();
      }
    });
  }

  private record Key(UUID id, String task, String action) {}

  private record Write(UUID id, Snapshot before, Transition t, String reporter) {}

  /**
   * Reads, in one query, each workflow with its version and the actions one decision needs: the
   * current one, the next one and the reported one. With {@code lock}, also locks the rows.
   */
  private Map<UUID, Snapshot> snapshots(Connection c, List<Key> keys, boolean lock) throws SQLException {
    Map<UUID, Snapshot> out = new java.util.HashMap<>();
    if (keys.isEmpty()) {
      return out;
    }
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT w.id, w.state, w.started, w.current_index, w.total_actions, w.version,
          a.idx, a.task_name, a.name, a.worker_id, a.state, a.attempt, a.retries, a.timeout_s, a.last_result
        FROM unnest(?::uuid[], ?::text[], ?::text[]) AS r(id, task, action)
        JOIN workflow w ON w.id = r.id AND w.deleted_at IS NULL
        JOIN workflow_action a ON a.workflow_id = w.id
          AND (a.idx IN (w.current_index, w.current_index + 1) OR (a.task_name = r.task AND a.name = r.action))
        ORDER BY w.id, a.idx""" + (lock ? " FOR UPDATE OF w" : ""))) {
      ps.setArray(1, c.createArrayOf("uuid", keys.stream().map(Key::id).toArray()));
      ps.setArray(2, c.createArrayOf("text", keys.stream().map(Key::task).toArray()));
      ps.setArray(3, c.createArrayOf("text", keys.stream().map(Key::action).toArray()));
      Map<UUID, List<WorkflowStateMachine.Action>> actions = new java.util.LinkedHashMap<>();
      Map<UUID, Snapshot> heads = new java.util.HashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          UUID id = rs.getObject(1, UUID.class);
          if (!heads.containsKey(id)) {
            heads.put(id, new Snapshot(id.toString(), ActionState.of(rs.getInt(2)), rs.getBoolean(3), rs.getInt(4),
                rs.getInt(5), rs.getLong(6), List.of()));
          }
          int last = rs.getInt(15);
          WorkflowStateMachine.Action a = new WorkflowStateMachine.Action(rs.getInt(7), rs.getString(8),
              rs.getString(9), rs.getString(10), ActionState.of(rs.getInt(11)), rs.getInt(12), rs.getInt(13),
              rs.getLong(14), rs.wasNull() ? null : ActionState.of(last));
          List<WorkflowStateMachine.Action> list = actions.computeIfAbsent(id, k -> new ArrayList<>(3));
          if (list.stream().noneMatch(x -> x.index() == a.index())) {
            list.add(a);
          }
        }
      }
      heads.forEach((id, h) -> out.put(id, new Snapshot(h.workflowId(), h.state(), h.started(), h.currentIndex(),
          h.totalActions(), h.version(), List.copyOf(actions.get(id)))));
      return out;
    }
  }

  /**
   * Writes transitions for distinct workflows in one statement; returns the workflows whose
   * version still matched, i.e. whose transition was stored.
   */
  private java.util.Set<UUID> write(Connection c, List<Write> writes) throws SQLException {
    java.util.Set<UUID> applied = new java.util.HashSet<>();
    if (writes.isEmpty()) {
      return applied;
    }
    int n = writes.size();
    Object[] id = new Object[n];
    Object[] version = new Object[n];
    Object[] wfState = new Object[n];
    Object[] curIndex = new Object[n];
    Object[] nextWorker = new Object[n];
    Object[] wfStarted = new Object[n];
    Object[] wfTerminal = new Object[n];
    Object[] finished = new Object[n];
    Object[] started = new Object[n];
    Object[] timeout = new Object[n];
    Object[] idx = new Object[n];
    Object[] actionState = new Object[n];
    Object[] attempt = new Object[n];
    Object[] seconds = new Object[n];
    Object[] eventStatus = new Object[n];
    Object[] message = new Object[n];
    Object[] reporter = new Object[n];
    Object[] task = new Object[n];
    Object[] action = new Object[n];
    Object[] notify = new Object[n];
    for (int i = 0; i < n; i++) {
      Write w = writes.get(i);
      Transition t = w.t();
      WorkflowStateMachine.Action a = w.before().action(t.index());
      id[i] = w.id();
      version[i] = w.before().version();
      wfState[i] = t.workflowState().code();
      curIndex[i] = t.currentIndex();
      nextWorker[i] = t.nextWorker();
      wfStarted[i] = t.workflowStarted();
      wfTerminal[i] = t.workflowState().terminal();
      finished[i] = t.finished();
      started[i] = t.started();
      timeout[i] = (double) a.effectiveTimeoutSeconds();
      idx[i] = t.index();
      actionState[i] = t.actionState().code();
      attempt[i] = t.attempt();
      seconds[i] = t.seconds();
      eventStatus[i] = t.eventStatus().code();
      message[i] = clip(t.eventMessage());
      reporter[i] = w.reporter().isEmpty() ? a.workerId() : w.reporter();
      task[i] = a.taskName();
      action[i] = a.name();
      notify[i] = WorkflowStateMachine.changesTurn(w.before(), t);
    }
    try (PreparedStatement ps = c.prepareStatement("""
        WITH input AS (
          SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::int[], ?::int[], ?::text[], ?::boolean[], ?::boolean[],
              ?::boolean[], ?::boolean[], ?::float8[], ?::int[], ?::int[], ?::int[], ?::bigint[], ?::int[],
              ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[])
            WITH ORDINALITY AS t(id, version, wf_state, cur_index, next_worker, wf_started, wf_terminal,
              finished, started, timeout_s, idx, action_state, attempt, seconds, event_status,
              message, reporter, task_name, action_name, notify, ord)),
        workflow_update AS (
          UPDATE workflow w SET state = i.wf_state, started = true, current_index = i.cur_index,
            current_state = i.action_state, next_worker = i.next_worker,
            deadline = CASE WHEN i.wf_started AND w.global_timeout_s > 0
                              THEN now() + make_interval(secs => w.global_timeout_s)
                            WHEN i.wf_terminal THEN NULL ELSE w.deadline END,
            action_deadline = CASE WHEN i.finished THEN NULL
                                   WHEN i.started THEN now() + make_interval(secs => i.timeout_s)
                                   ELSE w.action_deadline END,
            version = w.version + 1, updated_at = now()
          FROM input i WHERE w.id = i.id AND w.version = i.version AND w.deleted_at IS NULL
          RETURNING w.id),
        action_update AS (
          UPDATE workflow_action a SET state = i.action_state, attempt = i.attempt,
            started_at = CASE WHEN i.started THEN now() ELSE a.started_at END,
            deadline = CASE WHEN i.finished THEN NULL
                            WHEN i.started THEN now() + make_interval(secs => i.timeout_s) ELSE a.deadline END,
            finished_at = CASE WHEN i.finished THEN now() ELSE a.finished_at END,
            seconds = CASE WHEN i.finished THEN i.seconds ELSE a.seconds END,
            last_result = CASE WHEN i.finished THEN i.event_status ELSE a.last_result END,
            message = i.message
          FROM input i WHERE a.workflow_id = i.id AND a.idx = i.idx AND i.id IN (SELECT id FROM workflow_update)),
        event AS (
          INSERT INTO workflow_event (workflow_id, worker_id, task_name, action_name, status, seconds, message,
            attempt, workflow_state)
          SELECT i.id, i.reporter, i.task_name, i.action_name, i.event_status, i.seconds, i.message,
            greatest(i.attempt, 1), i.wf_state
          FROM input i WHERE i.id IN (SELECT id FROM workflow_update) ORDER BY i.ord),
        notified AS (
          SELECT pg_notify(?, i.id::text) FROM input i
          WHERE i.notify AND i.id IN (SELECT id FROM workflow_update))
        SELECT id, (SELECT count(*) FROM notified) FROM workflow_update""")) {
      int p = 1;
      ps.setArray(p++, c.createArrayOf("uuid", id));
      ps.setArray(p++, c.createArrayOf("int8", version));
      ps.setArray(p++, c.createArrayOf("int4", wfState));
      ps.setArray(p++, c.createArrayOf("int4", curIndex));
      ps.setArray(p++, c.createArrayOf("text", nextWorker));
      ps.setArray(p++, c.createArrayOf("bool", wfStarted));
      ps.setArray(p++, c.createArrayOf("bool", wfTerminal));
      ps.setArray(p++, c.createArrayOf("bool", finished));
      ps.setArray(p++, c.createArrayOf("bool", started));
      ps.setArray(p++, c.createArrayOf("float8", timeout));
      ps.setArray(p++, c.createArrayOf("int4", idx));
      ps.setArray(p++, c.createArrayOf("int4", actionState));
      ps.setArray(p++, c.createArrayOf("int4", attempt));
      ps.setArray(p++, c.createArrayOf("int8", seconds));
      ps.setArray(p++, c.createArrayOf("int4", eventStatus));
      ps.setArray(p++, c.createArrayOf("text", message));
      ps.setArray(p++, c.createArrayOf("text", reporter));
      ps.setArray(p++, c.createArrayOf("text", task));
      ps.setArray(p++, c.createArrayOf("text", action));
      ps.setArray(p++, c.createArrayOf("bool", notify));
      ps.setString(p, ChangeNotifier.WORKFLOW);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          applied.add(rs.getObject(1, UUID.class));
        }
      }
    }
    return applied;
  }

  // ---- events ----

  /**
   * The workflow's events after {@code afterSequence}, in the order they were recorded. Events stay
   * readable after a delete, for the record; the workflow's existence is checked only when there
   * are none to return.
   */
  public List<Event> events(UUID id, long afterSequence, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT seq, workflow_id, worker_id, task_name, action_name, status, seconds, message, attempt,
            workflow_state, created_at
          FROM workflow_event WHERE workflow_id = ? AND seq > ? ORDER BY seq LIMIT ?""")) {
        ps.setObject(1, id);
        ps.setLong(2, afterSequence);
        ps.setInt(3, limit);
        List<Event> events = rows(ps, rs -> new Event(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
            rs.getString(4), rs.getString(5), ActionState.of(rs.getInt(6)), rs.getLong(7), rs.getString(8),
            rs.getInt(9), ActionState.of(rs.getInt(10)), rs.getTimestamp(11).toInstant()));
        if (events.isEmpty()) {
          requireWorkflow(c, id, false);
        }
        return events;
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

  /** Throws NotFound unless the workflow exists (and, with {@code liveOnly}, is not deleted). */
  static void requireWorkflow(Connection c, UUID id, boolean liveOnly) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT 1 FROM workflow WHERE id = ?" + (liveOnly ? " AND deleted_at IS NULL" : ""))) {
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
