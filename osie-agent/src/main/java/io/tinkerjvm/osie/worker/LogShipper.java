package io.tinkerjvm.osie.worker;

/** Where an action's output lines go besides the final report (syslog, the agent's own log). */
@FunctionalInterface
public interface LogShipper {
  void line(String workflowId, String taskName, String actionName, String line);
}
