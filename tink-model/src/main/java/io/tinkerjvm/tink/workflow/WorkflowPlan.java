package io.tinkerjvm.tink.workflow;

import java.util.List;

/**
 * A workflow ready to store: the rendered template and its actions in run order, each with the
 * hardware id of the worker that runs it and its environment and volumes already merged.
 */
public record WorkflowPlan(String renderedTemplate, long globalTimeoutSeconds, List<PlannedAction> actions) {

  public record PlannedAction(
      String taskName,
      String name,
      String workerId,
      String image,
      long timeoutSeconds,
      List<String> command,
      List<String> onTimeout,
      List<String> onFailure,
      List<String> volumes,
      List<String> environment,
      String pid,
      int retries) {}
}
