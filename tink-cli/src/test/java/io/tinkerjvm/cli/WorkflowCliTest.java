package io.tinkerjvm.cli;

import static io.tinkerjvm.cli.CliRun.assertGolden;
import static io.tinkerjvm.cli.CliRun.read;
import static io.tinkerjvm.cli.CliRun.resource;
import static io.tinkerjvm.cli.CliRun.stable;
import static io.tinkerjvm.cli.CliRun.tink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.tink.support.RunningTink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowCliTest {
  static final String S1 = HardwareCliTest.S1;
  static final String DEVICES = "{\"device_1\":\"08:00:27:00:00:01\"}";

  RunningTink server;
  @TempDir Path dir;

  @BeforeEach
  void start() {
    server = new RunningTink();
    tink(server, "hardware", "push", resource("tinkerbell/hardware-s1.json").toString()).ok();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  String createTemplate() {
    String out = tink(server, "template", "create", "--file", resource("tinkerbell/template-ubuntu.yaml").toString())
        .ok().out();
    assertTrue(out.matches("Created Template:  [0-9a-f-]{36}\n"), out);
    return out.substring("Created Template:  ".length()).trim();
  }

  String createWorkflow(String template) {
    String out = tink(server, "workflow", "create", "-t", template, "-r", DEVICES).ok().out();
    assertTrue(out.matches("Created Workflow:  [0-9a-f-]{36}\n"), out);
    return out.substring("Created Workflow:  ".length()).trim();
  }

  @Test
  void templatesCreateListGetUpdateDelete() throws Exception {
    String id = createTemplate();
    assertGolden("template-list.txt", stable(tink(server, "template", "list").ok().out(), id));
    assertEquals(id + "\n", tink(server, "template", "list", "-q").ok().out());
    String json = tink(server, "template", "get", "ubuntu", "--format", "json").ok().out();
    assertGolden("template-get-ubuntu.json", stable(json, id));
    assertEquals(read("tinkerbell/template-ubuntu.yaml") + "\n",
        tink(server, null, Map.of("TINK_CLI_VERSION", "0.0.0"), "template", "get", id).ok().out());

    Path renamed = dir.resolve("renamed.yaml");
    Files.writeString(renamed, read("tinkerbell/template-ubuntu.yaml").replace("name: ubuntu", "name: ubuntu-22"));
    assertEquals("Updated Template:  " + id + "\n", tink(server, "template", "update", id, "-p", renamed.toString())
        .ok().out());
    assertTrue(tink(server, "template", "get", "ubuntu-22").ok().out().contains("| ubuntu-22 |"));
    assertEquals("Deleted\tubuntu-22\n", tink(server, "template", "delete", "ubuntu-22").ok().out());
    assertEquals("", tink(server, "template", "list", "-q").ok().out());
  }

  @Test
  void templateFolderDryRunAndNameClashes() throws Exception {
    Files.copy(resource("tinkerbell/template-ubuntu.yaml"), dir.resolve("ubuntu.yaml"));
    Files.writeString(dir.resolve("flatcar.yml"), read("tinkerbell/template-ubuntu.yaml").replace("name: ubuntu", "name: flatcar"));
    var dry = tink(server, "template", "create", "--dry-run", dir.toString()).ok().out();
    assertEquals("Valid: template 'flatcar' from " + dir.resolve("flatcar.yml") + "\n"
        + "Valid: template 'ubuntu' from " + dir.resolve("ubuntu.yaml") + "\nDry run: nothing stored.\n", dry);
    assertEquals(0, server.count("SELECT count(*) FROM template"));

    var created = tink(server, "template", "create", dir.toString()).ok().out();
    assertEquals(2, created.lines().filter(l -> l.startsWith("Created Template:  ")).count(), created);
    var again = tink(server, "template", "create", "--dry-run", dir.resolve("ubuntu.yaml").toString());
    assertEquals(1, again.code());
    assertTrue(again.err().startsWith("Error: " + dir.resolve("ubuntu.yaml") + ": template name 'ubuntu' is already used by template "), again.err());
  }

  @Test
  void workflowCreateDryRunGetListStateEventsDataDelete() {
    String template = createTemplate();
    var dry = tink(server, "workflow", "create", "-t", "ubuntu", "-r", DEVICES, "--dry-run").ok();
    assertGolden("workflow-dry-run.txt", dry.out());
    assertEquals(0, server.count("SELECT count(*) FROM workflow"));
    var unknownWorker = tink(server, "workflow", "create", "-t", "ubuntu", "-r", "{\"device_1\":\"08:00:27:00:00:99\"}",
        "--dry-run");
    assertEquals("Error: task 'os-installation': worker 08:00:27:00:00:99: no hardware has it\n", unknownWorker.err());

    String id = createWorkflow(template);
    assertGolden("workflow-state-pending.txt", stable(tink(server, "workflow", "state", id).ok().out(), id));
    report(id, "stream-image", State.STATE_RUNNING, 0);
    report(id, "stream-image", State.STATE_SUCCESS, 12);
    assertGolden("workflow-state-half.txt", stable(tink(server, "workflow", "state", id).ok().out(), id));
    assertGolden("workflow-events.txt", stable(tink(server, "workflow", "events", id).ok().out(), id));
    assertGolden("workflow-get.txt", stable(tink(server, "workflow", "get", id).ok().out(), id, template));
    assertGolden("workflow-list.csv", stable(tink(server, "workflow", "list", "--format", "csv").ok().out(), id, template));
    assertEquals("Latest workflow data version: 0\n", tink(server, "workflow", "data", id, "-l").ok().out());
    assertEquals("Deleted\t" + id + "\n", tink(server, "workflow", "delete", id).ok().out());
    assertEquals(1, tink(server, "workflow", "get", id).code());
  }

  @Test
  void watchFollowsLiveUntilSuccess() throws Exception {
    String id = createWorkflow(createTemplate());
    CompletableFuture<CliRun.Result> watch = CompletableFuture.supplyAsync(() -> tink(server, "workflow", "watch", id));
    Thread.sleep(300);
    report(id, "stream-image", State.STATE_RUNNING, 0);
    report(id, "stream-image", State.STATE_SUCCESS, 12);
    report(id, "kexec", State.STATE_RUNNING, 0);
    Thread.sleep(200);
    assertTrue(!watch.isDone(), "watch must wait while the workflow runs");
    report(id, "kexec", State.STATE_SUCCESS, 3);
    var r = watch.get(20, TimeUnit.SECONDS);
    assertEquals(0, r.code(), r.err());
    assertGolden("workflow-watch-success.txt", stable(r.out(), id));
  }

  @Test
  void watchAndStateWatchExitNonZeroWhenTheWorkflowFails() throws Exception {
    String id = createWorkflow(createTemplate());
    report(id, "stream-image", State.STATE_RUNNING, 0);
    report(id, "stream-image", State.STATE_FAILED, 7);
    var r = tink(server, "workflow", "watch", id);
    assertEquals(3, r.code());
    assertTrue(r.out().endsWith("Workflow " + id + " ended: STATE_FAILED\n"), r.out());
    var state = tink(server, "workflow", "state", "--watch", id);
    assertEquals(3, state.code());
    assertTrue(state.out().contains("| Current Action State | STATE_FAILED "), state.out());
    var json = tink(server, "workflow", "watch", id, "--format", "json");
    assertEquals(3, json.code());
    assertEquals(2, json.out().lines().count(), json.out());
    assertTrue(json.out().lines().allMatch(l -> l.startsWith("{\"sequence\":")), json.out());
  }

  private void report(String workflow, String action, State state, long seconds) {
    server.workflows().reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(workflow)
        .setTaskName("os-installation").setActionName(action).setActionStatus(state).setSeconds(seconds)
        .setMessage(state == State.STATE_RUNNING ? "Started execution" : "done").setWorkerId(S1).build());
  }
}
