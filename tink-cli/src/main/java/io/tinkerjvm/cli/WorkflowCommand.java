package io.tinkerjvm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.CreateResponse;
import io.tinkerjvm.proto.tink.workflow.Empty;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataResponse;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.Workflow;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.workflow.WorkflowPlan;
import io.tinkerjvm.tink.workflow.WorkflowPlanner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "workflow", description = "Create, follow, inspect and delete workflows.",
    synopsisSubcommandLabel = "COMMAND")
final class WorkflowCommand {
  static final List<String> GET_COLUMNS = List.of("ID", "Template ID", "State", "Created At", "Updated At");
  static final List<String> LIST_COLUMNS =
      List.of("ID", "Template ID", "State", "Hardware device", "Created At", "Updated At");
  static final List<String> EVENT_COLUMNS =
      List.of("Worker ID", "Task Name", "Action Name", "Execution Time", "Message", "Action Status");

  @ParentCommand Tink tink;

  @Command(name = "create", description = "Create a workflow from a template and the hardware it runs on.")
  int create(
      @Option(names = {"-t", "--template"}, required = true, paramLabel = "ID|NAME",
          description = "the template, by id or name") String template,
      @Option(names = {"-r", "--hardware"}, required = true, paramLabel = "JSON",
          description = "the template's devices, like '{\"device_1\":\"08:00:27:00:00:01\"}'") String hardware,
      @Option(names = "--dry-run", description = "render the template, resolve every worker, show the plan and "
          + "store nothing") boolean dryRun) {
    checkDevices(hardware);
    if (dryRun) {
      return dryRun(template.trim(), hardware);
    }
    CreateResponse created = tink.client().unary(Rpc.WORKFLOW_CREATE,
        CreateRequest.newBuilder().setTemplate(template.trim()).setHardware(hardware).build(),
        CreateResponse.parser(), tink.callTimeout());
    tink.context.out().println("Created Workflow:  " + created.getId());
    return ExitCodes.OK;
  }

  private static void checkDevices(String hardware) {
    JsonNode node;
    try {
      node = new ObjectMapper().readTree(hardware);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CliException("--hardware is not valid JSON: " + e.getOriginalMessage(), ExitCodes.USAGE);
    }
    if (node == null || !node.isObject()) {
      throw new CliException("--hardware must be a JSON object, like '{\"device_1\":\"08:00:27:00:00:01\"}'",
          ExitCodes.USAGE);
    }
  }

  private int dryRun(String template, String hardware) {
    WorkflowTemplate t = tink.client().unary(Rpc.TEMPLATE_GET, TemplateCommand.reference(template),
        WorkflowTemplate.parser(), tink.callTimeout());
    WorkflowPlan plan;
    try {
      plan = new WorkflowPlanner(this::resolveWorker).plan(t.getData(), hardware);
    } catch (InvalidArgumentException e) {
      throw new CliException("template '" + t.getName() + "': " + e.getMessage());
    }
    List<List<String>> rows = new ArrayList<>();
    for (WorkflowPlan.PlannedAction a : plan.actions()) {
      rows.add(List.of(a.taskName(), a.name(), a.image(), a.workerId(), String.valueOf(a.timeoutSeconds())));
    }
    tink.output().print(List.of("Task", "Action", "Image", "Worker", "Timeout"), rows,
        () -> plan.actions().stream().map(a -> (JsonNode) new ObjectMapper().valueToTree(a)).toList());
    tink.context.err().println("Dry run: template '" + t.getName() + "' renders to " + plan.actions().size()
        + " actions; nothing stored.");
    return ExitCodes.OK;
  }

  /** The same resolution tink-server does, through read-only lookups. */
  private String resolveWorker(String worker, String taskName) {
    String where = "task '" + taskName + "': worker ";
    io.tinkerjvm.proto.tink.hardware.GetRequest.Builder r = io.tinkerjvm.proto.tink.hardware.GetRequest.newBuilder();
    String method;
    if (HardwareDocument.looksLikeMac(worker)) {
      r.setMac(HardwareDocument.normalizeMac(worker, "worker"));
      method = Rpc.HARDWARE_BY_MAC;
    } else if (Ids.isUuid(worker)) {
      r.setId(worker.trim());
      method = Rpc.HARDWARE_BY_ID;
    } else {
      try {
        r.setIp(HardwareDocument.normalizeIp(worker, "worker"));
      } catch (InvalidArgumentException e) {
        throw new CliException(where + "'" + worker + "' is not a MAC address, IP address or hardware id");
      }
      method = Rpc.HARDWARE_BY_IP;
    }
    return tink.find(method, r.build(), Hardware.parser())
        .orElseThrow(() -> new CliException(where + worker + ": no hardware has it")).getId();
  }

  @Command(name = "get", description = "Show workflows by id; all workflows when none is given.")
  int get(@Parameters(paramLabel = "ID", arity = "0..*") List<String> ids) {
    if (ids == null || ids.isEmpty()) {
      print(all(), GET_COLUMNS);
      return ExitCodes.OK;
    }
    List<Workflow> found = new ArrayList<>();
    for (String id : ids) {
      found.add(get(id));
    }
    if ("0.0.0".equals(tink.context.env().get("TINK_CLI_VERSION"))) {
      found.forEach(w -> tink.context.out().println(w.getData()));
      return ExitCodes.OK;
    }
    print(found, GET_COLUMNS);
    return ExitCodes.OK;
  }

  @Command(name = "list", description = "List all workflows.")
  int list(@Option(names = {"-q", "--quiet"}, description = "print only the ids") boolean quiet) {
    List<Workflow> all = all();
    if (quiet) {
      all.forEach(w -> tink.context.out().println(w.getId()));
    } else {
      print(all, LIST_COLUMNS);
    }
    return ExitCodes.OK;
  }

  private List<Workflow> all() {
    List<Workflow> all = new ArrayList<>();
    tink.client().call(Rpc.WORKFLOW_LIST, Empty.getDefaultInstance(), Workflow.parser(), tink.callTimeout(), w -> {
      all.add(w);
      return true;
    });
    return all;
  }

  private void print(List<Workflow> workflows, List<String> columns) {
    List<List<String>> rows = new ArrayList<>();
    for (Workflow w : workflows) {
      List<String> row = new ArrayList<>(List.of(w.getId(), w.getTemplate(), w.getState().name()));
      if (columns.size() == LIST_COLUMNS.size()) {
        row.add(w.getHardware());
      }
      row.add(Protos.time(w.getCreatedAt()));
      row.add(Protos.time(w.getUpdatedAt()));
      rows.add(row);
    }
    tink.output().print(columns, rows, () -> workflows.stream().map(Protos::json).toList());
  }

  Workflow get(String id) {
    checkId(id);
    return tink.client().unary(Rpc.WORKFLOW_GET, GetRequest.newBuilder().setId(id.trim()).build(), Workflow.parser(),
        tink.callTimeout());
  }

  WorkflowContext context(String id) {
    return tink.client().unary(Rpc.WORKFLOW_CONTEXT, GetRequest.newBuilder().setId(id.trim()).build(),
        WorkflowContext.parser(), tink.callTimeout());
  }

  @Command(name = "state", description = "Show a workflow's progress: current task, action, worker and state.")
  int state(@Parameters(paramLabel = "ID") String id,
      @Option(names = {"-w", "--watch"}, description = "print it again after every change until the workflow ends")
      boolean watch) {
    checkId(id);
    if (watch) {
      return new WorkflowWatch(tink, this, id, true).run();
    }
    printState(context(id));
    return ExitCodes.OK;
  }

  void printState(WorkflowContext c) {
    List<List<String>> rows = List.of(
        List.of("Workflow ID", c.getWorkflowId()),
        List.of("Workflow Progress", progress(c) + "%"),
        List.of("Current Task", c.getCurrentTask()),
        List.of("Current Action", c.getCurrentAction()),
        List.of("Current Worker", c.getCurrentWorker()),
        List.of("Current Action State", c.getCurrentActionState().name()));
    tink.output().print(List.of("Field Name", "Values"), rows, () -> List.of(Protos.json(c)));
  }

  /** Tinkerbell's formula: finished actions over all actions, in whole percent. */
  static long progress(WorkflowContext c) {
    boolean success = c.getCurrentActionState() == State.STATE_SUCCESS;
    if (c.getTotalNumberOfActions() == 0 || (c.getCurrentActionIndex() == 0 && !success)) {
      return 0;
    }
    return (c.getCurrentActionIndex() + (success ? 1 : 0)) * 100 / c.getTotalNumberOfActions();
  }

  @Command(name = "events", description = "Show what every action reported, in order.")
  int events(@Parameters(paramLabel = "ID") String id) {
    checkId(id);
    List<WorkflowActionStatus> events = new ArrayList<>();
    tink.client().call(Rpc.WORKFLOW_EVENTS, GetRequest.newBuilder().setId(id.trim()).build(),
        WorkflowActionStatus.parser(), tink.callTimeout(), e -> {
          events.add(e);
          return true;
        });
    List<List<String>> rows = new ArrayList<>();
    for (WorkflowActionStatus e : events) {
      rows.add(List.of(e.getWorkerId(), e.getTaskName(), e.getActionName(), String.valueOf(e.getSeconds()),
          e.getMessage(), e.getActionStatus().name()));
    }
    tink.output().print(EVENT_COLUMNS, rows, () -> events.stream().map(Protos::json).toList());
    return ExitCodes.OK;
  }

  @Command(name = "watch", description = {
      "Follow a workflow live: one line per action event until it ends.",
      "Exits 0 when it succeeds, 3 when it fails, 4 when it times out."})
  int watch(@Parameters(paramLabel = "ID") String id) {
    checkId(id);
    return new WorkflowWatch(tink, this, id, false).run();
  }

  @Command(name = "data", description = "Print the workflow's data (the latest version unless -v is given).")
  int data(@Parameters(paramLabel = "ID") String id,
      @Option(names = {"-v", "--version"}, paramLabel = "N", description = "this version instead of the latest")
      int version,
      @Option(names = {"-m", "--metadata"}, description = "the metadata of the version instead of its data")
      boolean metadata,
      @Option(names = {"-l", "--latest"}, description = "only the number of the latest version") boolean latest) {
    checkId(id);
    if (version < 0) {
      throw new CliException("--version must be 0 (latest) or more, not " + version, ExitCodes.USAGE);
    }
    GetWorkflowDataRequest request = GetWorkflowDataRequest.newBuilder().setWorkflowId(id.trim())
        .setVersion(version).build();
    String method = latest ? Rpc.WORKFLOW_DATA_VERSION : metadata ? Rpc.WORKFLOW_METADATA : Rpc.WORKFLOW_DATA;
    GetWorkflowDataResponse response = tink.client().unary(method, request, GetWorkflowDataResponse.parser(),
        tink.callTimeout());
    if (latest) {
      tink.context.out().println("Latest workflow data version: " + response.getVersion());
    } else {
      tink.context.out().println(response.getData().toString(StandardCharsets.UTF_8));
    }
    return ExitCodes.OK;
  }

  @Command(name = "delete", description = "Delete workflows by id.")
  int delete(@Parameters(paramLabel = "ID", arity = "1..*") List<String> ids) {
    LinkedHashSet<String> unique = new LinkedHashSet<>(ids);
    unique.forEach(WorkflowCommand::checkId);
    return Deletes.each(tink, unique, id -> tink.client().unary(Rpc.WORKFLOW_DELETE,
        GetRequest.newBuilder().setId(id.trim()).build(), Empty.parser(), tink.callTimeout()));
  }

  static void checkId(String id) {
    if (!Ids.isUuid(id)) {
      throw new CliException("'" + id + "' is not a workflow id (a UUID)", ExitCodes.USAGE);
    }
  }
}
