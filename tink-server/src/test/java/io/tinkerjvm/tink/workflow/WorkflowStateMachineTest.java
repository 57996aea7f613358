package io.tinkerjvm.tink.workflow;

import static io.tinkerjvm.tink.workflow.ActionState.FAILED;
import static io.tinkerjvm.tink.workflow.ActionState.PENDING;
import static io.tinkerjvm.tink.workflow.ActionState.RUNNING;
import static io.tinkerjvm.tink.workflow.ActionState.SUCCESS;
import static io.tinkerjvm.tink.workflow.ActionState.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.errors.FailedPreconditionException;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Action;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Outcome;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Report;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Snapshot;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Transition;
import io.tinkerjvm.tink.workflow.WorkflowStateMachine.Unchanged;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Drives the rules over an in-memory workflow of two tasks on workers A and B. */
class WorkflowStateMachineTest {
  private static final String A = "worker-a";
  private static final String B = "worker-b";

  /** A tiny in-memory store that applies transitions the way the repository does. */
  private static final class Wf {
    ActionState state = PENDING;
    boolean started;
    int index;
    final List<Action> actions = new ArrayList<>();

    Wf(int retriesOnFirst) {
      actions.add(new Action(0, "install", "stream", A, PENDING, 0, retriesOnFirst, 600, null));
      actions.add(new Action(1, "install", "config", A, PENDING, 0, 0, 0, null));
      actions.add(new Action(2, "verify", "check", B, PENDING, 0, 0, 60, null));
    }

    Snapshot snapshot() {
      return new Snapshot("wf", state, started, index, actions.size(), 0, List.copyOf(actions));
    }

    Outcome report(String task, String action, ActionState status, String worker) {
      Outcome o = WorkflowStateMachine.onReport(snapshot(), new Report(task, action, status, worker, 3, ""));
      apply(o);
      return o;
    }

    void apply(Outcome o) {
      if (o instanceof Transition t) {
        Action a = actions.get(t.index());
        actions.set(t.index(), new Action(a.index(), a.taskName(), a.name(), a.workerId(), t.actionState(),
            t.attempt(), a.retries(), a.timeoutSeconds(), t.finished() ? t.eventStatus() : a.lastResult()));
        state = t.workflowState();
        started = true;
        index = t.currentIndex();
      }
    }

    String next() {
      return WorkflowStateMachine.nextWorker(snapshot());
    }
  }

  @Test
  void aWorkflowRunsToSuccessAndHandsOverBetweenWorkers() {
    Wf wf = new Wf(0);
    assertEquals(A, wf.next());
    wf.report("install", "stream", RUNNING, A);
    assertEquals(RUNNING, wf.state);
    wf.report("install", "stream", SUCCESS, A);
    assertEquals(A, wf.next());
    wf.report("install", "config", RUNNING, A);
    wf.report("install", "config", SUCCESS, A);
    assertEquals(B, wf.next(), "after A's last action it is B's turn");
    wf.report("verify", "check", RUNNING, B);
    Transition done = (Transition) wf.report("verify", "check", SUCCESS, B);
    assertEquals(SUCCESS, wf.state);
    assertNull(done.nextWorker());
    assertNull(wf.next());
  }

  @Test
  void repeatedReportsChangeNothing() {
    Wf wf = new Wf(0);
    wf.report("install", "stream", RUNNING, A);
    assertInstanceOf(Unchanged.class, wf.report("install", "stream", RUNNING, A), "a resumed worker re-reports RUNNING");
    wf.report("install", "stream", SUCCESS, A);
    assertInstanceOf(Unchanged.class, wf.report("install", "stream", SUCCESS, A), "a retried SUCCESS");
    assertEquals(0, wf.index);
    assertEquals(1, wf.actions.get(0).attempt());
  }

  @Test
  void actionsMustRunInOrderAndOnTheirOwnWorker() {
    Wf wf = new Wf(0);
    FailedPreconditionException outOfOrder = assertThrows(FailedPreconditionException.class,
        () -> wf.report("install", "config", RUNNING, A));
    assertTrue(outOfOrder.getMessage().contains("waiting for 'install/stream' to start"), outOfOrder.getMessage());
    assertThrows(FailedPreconditionException.class, () -> wf.report("install", "stream", RUNNING, B));
    assertThrows(InvalidArgumentException.class, () -> wf.report("install", "nope", RUNNING, A));
    assertThrows(InvalidArgumentException.class, () -> wf.report("", "stream", RUNNING, A));
    assertThrows(InvalidArgumentException.class, () -> wf.report("install", "stream", PENDING, A));
    wf.report("install", "stream", RUNNING, A);
    assertThrows(FailedPreconditionException.class, () -> wf.report("install", "config", SUCCESS, A));
  }

  @Test
  void aFailureEndsTheWorkflowWithoutRetries() {
    Wf wf = new Wf(0);
    wf.report("install", "stream", RUNNING, A);
    wf.report("install", "stream", FAILED, A);
    assertEquals(FAILED, wf.state);
    assertNull(wf.next());
    assertThrows(FailedPreconditionException.class, () -> wf.report("install", "config", RUNNING, A));
  }

  @Test
  void retriesSendTheActionBackToPendingUntilTheyRunOut() {
    Wf wf = new Wf(1);
    wf.report("install", "stream", RUNNING, A);
    Transition retry = (Transition) wf.report("install", "stream", FAILED, A);
    assertEquals(PENDING, retry.actionState());
    assertEquals(RUNNING, wf.state);
    assertTrue(retry.eventMessage().contains("attempt 1 of 2, will retry"), retry.eventMessage());
    assertInstanceOf(Unchanged.class, wf.report("install", "stream", FAILED, A), "a repeated FAILED is not a second failure");
    wf.report("install", "stream", RUNNING, A);
    assertEquals(2, wf.actions.get(0).attempt());
    wf.report("install", "stream", FAILED, A);
    assertEquals(FAILED, wf.state, "two attempts used up");
  }

  @Test
  void theServerEndsOverrunActionsAndWorkflows() {
    Wf wf = new Wf(0);
    assertInstanceOf(Unchanged.class, WorkflowStateMachine.onActionDeadline(wf.snapshot()), "not running yet");
    wf.report("install", "stream", RUNNING, A);
    Outcome timeout = WorkflowStateMachine.onActionDeadline(wf.snapshot());
    wf.apply(timeout);
    assertEquals(TIMEOUT, wf.state);
    assertThrows(FailedPreconditionException.class, () -> wf.report("install", "stream", SUCCESS, A),
        "a late SUCCESS cannot undo the timeout");

    Wf global = new Wf(0);
    global.report("install", "stream", RUNNING, A);
    global.report("install", "stream", SUCCESS, A);
    Transition g = (Transition) WorkflowStateMachine.onGlobalDeadline(global.snapshot(), 1800);
    assertEquals(1, g.index(), "the action whose turn it was is the one that timed out");
    assertEquals(TIMEOUT, g.workflowState());
    assertTrue(g.eventMessage().contains("global_timeout of 1800s"));
  }
}
