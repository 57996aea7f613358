package io.tinkerjvm.tink.workflow;

import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;

/**
 * tink-worker's rule for where a worker starts in a workflow, from its context (reference §1.3): the first
 * action when none has run, the next one after a SUCCESS, the current one otherwise (PENDING, or RUNNING
 * after a restart), and nowhere after FAILED or TIMEOUT. Shared by the agent and the tests' scripted worker.
 */
public final class StartIndex {
  /** The workflow has ended; no action is to run. */
  public static final int ENDED = -1;

  private StartIndex() {}

  public static int of(WorkflowContext ctx) {
    if (ctx.getCurrentAction().isEmpty()) {
      return 0;
    }
    int index = (int) ctx.getCurrentActionIndex();
    return switch (ctx.getCurrentActionState()) {
      case STATE_SUCCESS -> index + 1;
      case STATE_FAILED, STATE_TIMEOUT -> ENDED;
      default -> index;
    };
  }

  /** True when the worker finds action {@code i} already RUNNING: it was started before a restart. */
  public static boolean wasRunning(WorkflowContext ctx, int i) {
    return !ctx.getCurrentAction().isEmpty() && i == ctx.getCurrentActionIndex()
        && ctx.getCurrentActionState() == State.STATE_RUNNING;
  }
}
