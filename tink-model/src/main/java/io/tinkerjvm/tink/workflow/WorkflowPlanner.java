package io.tinkerjvm.tink.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.template.GoTemplate;
import io.tinkerjvm.tink.template.TemplateDocument;
import io.tinkerjvm.tink.template.TemplateDocument.Action;
import io.tinkerjvm.tink.template.TemplateDocument.Task;
import io.tinkerjvm.tink.workflow.WorkflowPlan.PlannedAction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a template and the hardware map of a CreateWorkflow request into a {@link WorkflowPlan}:
 * render with missing keys as errors, parse strictly, resolve each task's worker, merge env and
 * volumes. Deterministic: the same inputs give the same plan, byte for byte.
 */
public final class WorkflowPlanner {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Finds the hardware id for a task's rendered worker (a MAC, an IP or an id). */
  @FunctionalInterface
  public interface WorkerResolver {
    String hardwareIdFor(String worker, String taskName);
  }

  private final WorkerResolver resolver;

  public WorkflowPlanner(WorkerResolver resolver) {
    this.resolver = resolver;
  }

  public WorkflowPlan plan(String templateData, String hardwareJson) {
    Map<String, Object> devices = parseDevices(hardwareJson);
    String rendered = GoTemplate.parse(templateData).execute(devices);
    TemplateDocument doc = TemplateDocument.parse(rendered);
    List<PlannedAction> actions = new ArrayList<>();
    for (Task task : doc.tasks()) {
      String workerId = resolver.hardwareIdFor(task.worker().trim(), task.name());
      for (Action action : task.actions()) {
        actions.add(new PlannedAction(
            task.name(), action.name(), workerId, action.image(), action.timeout(),
            TemplateDocument.orEmpty(action.command()),
            TemplateDocument.orEmpty(action.onTimeout()),
            TemplateDocument.orEmpty(action.onFailure()),
            mergeVolumes(TemplateDocument.orEmpty(task.volumes()), TemplateDocument.orEmpty(action.volumes())),
            mergeEnvironment(task.environment(), action.environment()),
            action.pid() == null ? "" : action.pid(),
            action.retries()));
      }
    }
    return new WorkflowPlan(rendered, doc.globalTimeout(), actions);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> parseDevices(String hardwareJson) {
    if (hardwareJson == null || hardwareJson.isBlank()) {
      return Map.of();
    }
    try {
      Object value = JSON.readValue(hardwareJson, Object.class);
      if (!(value instanceof Map<?, ?>)) {
        throw new InvalidArgumentException("hardware must be a JSON object like {\"device_1\":\"08:00:27:00:00:01\"}");
      }
      return (Map<String, Object>) value;
    } catch (JsonProcessingException e) {
      throw new InvalidArgumentException("hardware is not valid JSON: " + e.getOriginalMessage()
          + " (column " + e.getLocation().getColumnNr() + ")");
    }
  }

  /** Task environment under action environment (the action wins), as sorted K=V pairs. */
  static List<String> mergeEnvironment(Map<String, String> task, Map<String, String> action) {
    Map<String, String> merged = new TreeMap<>(TemplateDocument.orEmpty(task));
    merged.putAll(TemplateDocument.orEmpty(action));
    List<String> out = new ArrayList<>(merged.size());
    merged.forEach((k, v) -> out.add(k + "=" + (v == null ? "" : v)));
    return out;
  }

  /** Volumes keyed by host path: the action's entry replaces the task's for the same host path. */
  static List<String> mergeVolumes(List<String> task, List<String> action) {
    Map<String, String> byHost = new LinkedHashMap<>();
    for (String v : task) {
      byHost.put(hostPath(v), v);
    }
    for (String v : action) {
      byHost.put(hostPath(v), v);
    }
    return List.copyOf(byHost.values());
  }

  private static String hostPath(String volume) {
    int colon = volume.indexOf(':');
    return colon < 0 ? volume : volume.substring(0, colon);
  }
}
