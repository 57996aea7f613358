package io.tinkerjvm.tink.workflow;

import io.tinkerjvm.runtime.errors.FailedPreconditionException;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.util.List;

/**
 * The rules of a workflow's life, on plain values. Actions run in order; each is reported RUNNING,
 * then SUCCESS, FAILED or TIMEOUT. Compared with Tinkerbell:
 * <ul>
 *   <li>a repeated report (a worker retrying after a lost reply, or resuming after a restart) is
 *       accepted and changes nothing, so no transition is applied twice;</li>
 *   <li>the next action may belong to another worker: it becomes that worker's turn (hand-over);</li>
 *   <li>an action with {@code retries: n} goes back to PENDING after a failure or timeout, up to n times;</li>
 *   <li>the server ends overrun actions and workflows as TIMEOUT itself.</li>
 * </ul>
 */
public final class WorkflowStateMachine {
  /** Tinkerbell's worker gives an action with timeout 0 one hour. */
  public static final long DEFAULT_ACTION_TIMEOUT_SECONDS = 3600;

  private WorkflowStateMachine() {}

  /** @param lastResult how the latest finished run ended, null before any */
  public record Action(int index, String taskName, String name, String workerId, ActionState state,
      int attempt, int retries, long timeoutSeconds, ActionState lastResult) {

    long effectiveTimeoutSeconds() {
      return timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_ACTION_TIMEOUT_SECONDS;
    }
  }

  /**
   * The workflow as the rules need it. {@code actions} may hold only the actions that matter for
   * one decision: the current one, the next one and the reported one.
   */
  public record Snapshot(String workflowId, ActionState state, boolean started, int currentIndex,
      int totalActions, long version, List<Action> actions) {

    Action current() {
      return action(currentIndex);
    }

    Action action(int index) {
      for (Action a : actions) {
        if (a.index() == index) {
          return a;
        }
      }
      throw new IllegalStateException("action " + index + " of workflow " + workflowId + " was not loaded");
    }
  }

  public record Report(String taskName, String actionName, ActionState status, String workerId,
      long seconds, String message) {}

  /** What to store: nothing, or one action's new state and the workflow's, with one event. */
  public sealed interface Outcome permits Unchanged, Transition {}

  public record Unchanged() implements Outcome {}

  /**
   * @param started the action starts a run now (set its start time and deadline)
   * @param workflowStarted this is the workflow's first run (start its global deadline)
   */
  public record Transition(int index, ActionState actionState, int attempt, boolean started,
      boolean finished, ActionState workflowState, int currentIndex, String nextWorker,
      boolean workflowStarted, ActionState eventStatus, long seconds, String eventMessage) implements Outcome {}

  /** Applies a worker's report. Errors name what was expected. */
  public static Outcome onReport(Snapshot wf, Report report) {
    if (report.taskName().isEmpty() || report.actionName().isEmpty()) {
      throw new InvalidArgumentException("task_name and action_name are required");
    }
    if (report.status() == ActionState.PENDING) {
      throw new InvalidArgumentException("action_status must be RUNNING, SUCCESS, FAILED or TIMEOUT");
    }
    Action action = wf.actions().stream()
        .filter(a -> a.taskName().equals(report.taskName()) && a.name().equals(report.actionName()))
        .findFirst()
        .orElseThrow(() -> new InvalidArgumentException("workflow " + wf.workflowId() + " has no action '"
            + report.actionName() + "' in task '" + report.taskName() + "'"));
    if (!report.workerId().isEmpty() && !report.workerId().equals(action.workerId())) {
      throw new FailedPreconditionException("action '" + action.name() + "' runs on worker " + action.workerId()
          + ", not on " + report.workerId());
    }
    if (isRepeat(wf, action, report.status())) {
      return new Unchanged();
    }
    if (wf.state().terminal()) {
      throw new FailedPreconditionException("workflow " + wf.workflowId() + " already ended as " + wf.state());
    }
    Action current = wf.current();
    boolean runningNow = action.index() == wf.currentIndex() && current.state() == ActionState.RUNNING;
    boolean startable = isStartable(wf, action.index());
    if (report.status() == ActionState.RUNNING) {
      if (!startable) {
        throw new FailedPreconditionException(expected(wf, action));
      }
      return start(wf, action, report);
    }
    if (!runningNow && !startable) {
      throw new FailedPreconditionException(expected(wf, action));
    }
    Action running = runningNow ? action : withAttempt(action, action.attempt() + 1);
    return finish(wf, running, report.status(), report.seconds(), report.message(), !runningNow);
  }

  /** The server's own verdict when an action runs past its timeout. */
  public static Outcome onActionDeadline(Snapshot wf) {
    if (wf.state().terminal() || wf.current().state() != ActionState.RUNNING) {
      return new Unchanged();
    }
    Action action = wf.current();
    return finish(wf, action, ActionState.TIMEOUT, action.effectiveTimeoutSeconds(),
        "timed out after " + action.effectiveTimeoutSeconds() + "s (enforced by tink-server)", false);
  }

  /** The workflow ran past its global_timeout: the current action and the workflow end as TIMEOUT. */
  public static Outcome onGlobalDeadline(Snapshot wf, long globalTimeoutSeconds) {
    if (wf.state().terminal()) {
      return new Unchanged();
    }
    Action current = wf.current();
    int index = current.state() == ActionState.SUCCESS ? wf.currentIndex() + 1 : wf.currentIndex();
    Action victim = wf.action(index);
    return new Transition(index, ActionState.TIMEOUT, victim.attempt(), false, true, ActionState.TIMEOUT, index,
        null, false, ActionState.TIMEOUT, 0,
        "workflow global_timeout of " + globalTimeoutSeconds + "s exceeded (enforced by tink-server)");
  }

  /** The worker whose turn it is, or null when the workflow has ended. */
  public static String nextWorker(Snapshot wf) {
    if (wf.state().terminal()) {
      return null;
    }
    Action current = wf.current();
    if (current.state() == ActionState.SUCCESS) {
      return wf.action(wf.currentIndex() + 1).workerId();
    }
    return current.workerId();
  }

  /**
   * A report that restates what is already stored: the same terminal state, RUNNING for the action
   * that runs now, or the failure that just sent an action back to PENDING for a retry.
   */
  private static boolean isRepeat(Snapshot wf, Action action, ActionState status) {
    if (action.state() == status) {
      return status != ActionState.RUNNING || action.index() == wf.currentIndex();
    }
    return action.state() == ActionState.PENDING && action.attempt() > 0 && action.lastResult() == status
        && status != ActionState.SUCCESS;
  }

  /**
   * Whether a transition changes whose turn it is, or how the workflow stands: a hand-over, a
   * retry, the start or the end. Only those are announced to watchers; a worker in the middle of
   * its own actions is not woken by its own reports.
   */
  public static boolean changesTurn(Snapshot before, Transition t) {
    return !java.util.Objects.equals(nextWorker(before), t.nextWorker())
        || before.state() != t.workflowState()
        || t.actionState() == ActionState.PENDING;
  }

  private static boolean isStartable(Snapshot wf, int index) {
    Action current = wf.current();
    if (index == wf.currentIndex()) {
      return current.state() == ActionState.PENDING;
    }
    return index == wf.currentIndex() + 1 && current.state() == ActionState.SUCCESS;
  }

  private static Transition start(Snapshot wf, Action action, Report report) {
    String message = report.message().isEmpty() ? "started" : report.message();
    return new Transition(action.index(), ActionState.RUNNING, action.attempt() + 1, true, false,
        ActionState.RUNNING, action.index(), action.workerId(), !wf.started(), ActionState.RUNNING, 0, message);
  }

  private static Transition finish(Snapshot wf, Action action, ActionState status, long seconds, String message,
      boolean startsNow) {
    boolean last = action.index() == wf.totalActions() - 1;
    if (status == ActionState.SUCCESS) {
      String next = last ? null : wf.action(action.index() + 1).workerId();
      return new Transition(action.index(), ActionState.SUCCESS, action.attempt(), startsNow, true,
          last ? ActionState.SUCCESS : ActionState.RUNNING, action.index(), next, !wf.started(),
          ActionState.SUCCESS, seconds, message);
    }
    if (action.attempt() <= action.retries()) {
      String note = status + " on attempt " + action.attempt() + " of " + (action.retries() + 1) + ", will retry"
          + (message.isEmpty() ? "" : ": " + message);
      return new Transition(action.index(), ActionState.PENDING, action.attempt(), startsNow, true,
          ActionState.RUNNING, action.index(), action.workerId(), !wf.started(), status, seconds, note);
    }
    return new Transition(action.index(), status, action.attempt(), startsNow, true, status, action.index(), null,
        !wf.started(), status, seconds, message);
  }

  private static Action withAttempt(Action a, int attempt) {
    return new Action(a.index(), a.taskName(), a.name(), a.workerId(), a.state(), attempt, a.retries(),
        a.timeoutSeconds(), a.lastResult());
  }

  private static String expected(Snapshot wf, Action reported) {
    Action current = wf.current();
    String expectedName;
    if (current.state() == ActionState.SUCCESS) {
      Action next = wf.action(wf.currentIndex() + 1);
      expectedName = "'" + next.taskName() + "/" + next.name() + "' to start";
    } else if (current.state() == ActionState.RUNNING) {
      expectedName = "'" + current.taskName() + "/" + current.name() + "' to finish";
    } else {
      expectedName = "'" + current.taskName() + "/" + current.name() + "' to start";
    }
    return "action '" + reported.taskName() + "/" + reported.name() + "' is " + reported.state()
        + "; workflow " + wf.workflowId() + " is waiting for " + expectedName;
  }
}
