package io.tinkerjvm.osie.action;

import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs one action to its end; never throws for the action's own failures, which are results.
 *
 * <p>An action's run survives the agent: {@link #run} and {@link #resume} leave what they made (the
 * container and its result) in place until {@link #release} is called after the result has been reported, so
 * that an agent killed at any point finds it again with {@link #resume} and reports it instead of running the
 * action a second time.
 */
public interface ActionExecutor extends AutoCloseable {
  /** What an earlier agent left of an action's run. */
  enum Trace { NONE, CREATED, RUNNING, EXITED }

  /**
   * Runs the action afresh: anything left of an earlier run of it (already reported) goes first.
   *
   * @param logLine each line the action's containers print, as they print it (for events and syslog)
   * @throws InterruptedException when the agent is stopping; the action's container is left to the next agent
   */
  ActionResult run(ActionSpec action, Consumer<String> logLine) throws InterruptedException;

  /**
   * Finishes a run an earlier agent started (tink-server has the action RUNNING): waits for its container if it
   * still runs, reports how it ended if it has, starts it if it was only created, and runs the action only if
   * nothing of it is there.
   */
  default ActionResult resume(ActionSpec action, Consumer<String> logLine) throws InterruptedException {
    return run(action, logLine);
  }

  /** What is left of the action's run now. */
  default Trace trace(ActionSpec action) {
    return Trace.NONE;
  }

  /** The action's result has been reported: what its run left behind goes. */
  default void release(ActionSpec action) {}

  /** Removes what this worker's runs left in a workflow, except for the action at {@code keepIndex} (-1: all). */
  default void sweep(String workflowId, String workerId, int keepIndex) {}

  /** The workflows this worker's runs have left something in. */
  default Set<String> workflowsWithRuns(String workerId) {
    return Set.of();
  }

  /** Null when actions can run now; otherwise why not (the engine is not up yet). */
  default String notReady() {
    return null;
  }

  @Override
  void close();
}
