package io.tinkerjvm.osie.action;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One action to run as a container, as tink-server hands it over (GetWorkflowActions): the image as the
 * template names it, the command, {@code K=V} environment, {@code src:dst[:ro]} volumes, the pid mode, the
 * timeout, and the on-timeout and on-failure commands. {@code workflowDir} is bound at {@code /workflow}.
 * {@code index} (the action's place in its workflow, -1 when unknown) and {@code workerId} name the run, so
 * that an agent started again finds the container an earlier one of it made for this action.
 */
public record ActionSpec(String workflowId, String taskName, String name, String image, Duration timeout,
    List<String> command, List<String> environment, List<String> volumes, String pid, List<String> onTimeout,
    List<String> onFailure, Path workflowDir, int index, String workerId) {

  /** An action known by workflow, task and name only (no index, no worker). */
  public ActionSpec(String workflowId, String taskName, String name, String image, Duration timeout,
      List<String> command, List<String> environment, List<String> volumes, String pid, List<String> onTimeout,
      List<String> onFailure, Path workflowDir) {
    this(workflowId, taskName, name, image, timeout, command, environment, volumes, pid, onTimeout, onFailure,
        workflowDir, -1, "");
  }
}
