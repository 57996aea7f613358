package io.tinkerjvm.tink.workflow;

import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.hardware.HardwareRepository;
import io.tinkerjvm.tink.template.TemplateRepository;
import io.tinkerjvm.tink.template.TemplateRepository.StoredTemplate;
import java.util.UUID;

/** CreateWorkflow: finds the template, plans against live hardware, stores the result. */
public final class WorkflowCreator {
  private final TemplateRepository templates;
  private final HardwareRepository hardware;
  private final WorkflowRepository workflows;
  private final WorkflowPlanner planner;

  public WorkflowCreator(TemplateRepository templates, HardwareRepository hardware, WorkflowRepository workflows) {
    this.templates = templates;
    this.hardware = hardware;
    this.workflows = workflows;
    this.planner = new WorkflowPlanner(this::resolveWorker);
  }

  /** @param template a template id, or (our addition) a template name */
  public UUID create(String template, String hardwareJson) {
    if (template == null || template.isBlank()) {
      throw new InvalidArgumentException("template is required (a template id or name)");
    }
    StoredTemplate stored = findTemplate(template.trim());
    WorkflowPlan plan = planner.plan(stored.data(), hardwareJson);
    return workflows.create(stored.id(), hardwareJson, plan);
  }

  private StoredTemplate findTemplate(String ref) {
    try {
      UUID id = UUID.fromString(ref);
      return templates.byId(id).orElseThrow(() -> new NotFoundException("template " + id + " not found"));
    } catch (IllegalArgumentException notAnId) {
      return templates.byName(ref).orElseThrow(() -> new NotFoundException("template '" + ref + "' not found"));
    }
  }

  /** A task's worker is a MAC or IP of pushed hardware (Tinkerbell), or a hardware id (ours). */
  private String resolveWorker(String worker, String taskName) {
    String where = "task '" + taskName + "': worker ";
    if (HardwareDocument.looksLikeMac(worker)) {
      String mac = HardwareDocument.normalizeMac(worker, "worker");
      return hardware.byMac(mac).map(h -> h.getId())
          .orElseThrow(() -> new NotFoundException(where + mac + ": no hardware has this MAC"));
    }
    try {
      UUID id = UUID.fromString(worker);
      return hardware.byId(id).map(h -> h.getId())
          .orElseThrow(() -> new NotFoundException(where + id + ": no hardware has this id"));
    } catch (IllegalArgumentException notAnId) {
      // not an id: try an IP below
    }
    String ip;
    try {
      ip = HardwareDocument.normalizeIp(worker, "worker");
    } catch (InvalidArgumentException e) {
      throw new InvalidArgumentException(where + "'" + worker + "' is not a MAC address, IP address or hardware id");
    }
    return hardware.byIp(ip).map(h -> h.getId())
        .orElseThrow(() -> new NotFoundException(where + ip + ": no hardware has this IP"));
  }
}
