package io.tinkerjvm.osie.action;

import java.util.function.Consumer;

/** Runs one action to its end; never throws for the action's own failures, which are results. */
public interface ActionExecutor extends AutoCloseable {
  /**
   * @param logLine each line the action's containers print, as they print it (for events and syslog)
   * @throws InterruptedException when the agent is stopping; the container is removed first
   */
  ActionResult run(ActionSpec action, Consumer<String> logLine) throws InterruptedException;

  /** Null when actions can run now; otherwise why not (the engine is not up yet). */
  default String notReady() {
    return null;
  }

  @Override
  void close();
}
