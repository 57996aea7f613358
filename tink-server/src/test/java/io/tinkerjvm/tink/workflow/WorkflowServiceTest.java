package io.tinkerjvm.tink.workflow;

import static io.tinkerjvm.tink.support.Fixtures.TWO_WORKER_TEMPLATE;
import static io.tinkerjvm.tink.support.Fixtures.assertStatus;
import static io.tinkerjvm.tink.support.Fixtures.collect;
import static io.tinkerjvm.tink.support.Fixtures.hardware;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.Empty;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.UpdateWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.Workflow;
import io.tinkerjvm.proto.tink.workflow.WorkflowAction;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionsRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.v1.WatchWorkflowEventsRequest;
import io.tinkerjvm.proto.v1.WorkerContextsGrpc;
import io.tinkerjvm.proto.v1.WorkflowEvent;
import io.tinkerjvm.proto.v1.WorkflowEventsGrpc;
import io.tinkerjvm.tink.support.RunningTink;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorkflowServiceTest {
  static RunningTink tink;
  static final String ID_A = "aaaaaaaa-0000-4000-8000-000000000001";
  static final String ID_B = "bbbbbbbb-0000-4000-8000-000000000002";
  static final String MAC_A = "08:00:27:10:00:01";
  static final String IP_B = "10.20.0.2";
  static String templateId;

  @BeforeAll
  static void start() {
    tink = new RunningTink();
    tink.hardware().push(PushRequest.newBuilder().setData(hardware(ID_A, MAC_A, "10.20.0.1")).build());
    tink.hardware().push(PushRequest.newBuilder().setData(hardware(ID_B, "08:00:27:10:00:02", IP_B)).build());
    templateId = createTemplate(TWO_WORKER_TEMPLATE);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    tink.close();
  }

  static String createTemplate(String yaml) {
    return tink.templates().createTemplate(WorkflowTemplate.newBuilder().setData(yaml).build()).getId();
  }

  static String createWorkflow(String template) {
    // device_1 by MAC (upper case, as operators paste it), device_2 by IP.
    return tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(template)
        .setHardware("{\"device_1\":\"" + MAC_A.toUpperCase() + "\",\"device_2\":\"" + IP_B + "\"}").build()).getId();
  }

  static void report(String wf, String task, String action, State state, String worker) {
    tink.workflows().reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(wf).setTaskName(task)
        .setActionName(action).setActionStatus(state).setWorkerId(worker).setSeconds(2).setMessage("m").build());
  }

  static GetRequest get(String id) {
    return GetRequest.newBuilder().setId(id).build();
  }

  static List<WorkflowContext> contexts(String worker) {
    List<WorkflowContext> out = new ArrayList<>();
    tink.workflows().getWorkflowContexts(WorkflowContextRequest.newBuilder().setWorkerId(worker).build())
        .forEachRemaining(out::add);
    return out;
  }

  @Test
  void createResolvesWorkersAndMergesEnvironmentAndVolumes() {
    String wf = createWorkflow(templateId);
    Workflow w = tink.workflows().getWorkflow(get(wf));
    assertEquals(templateId, w.getTemplate());
    assertEquals(State.STATE_PENDING, w.getState());
    assertTrue(w.getData().contains("worker: \"" + MAC_A.toUpperCase() + "\""), "data is the rendered template");
    assertTrue(w.getData().contains("/dev/nvme0n1p1"));

    List<WorkflowAction> actions = tink.workflows()
        .getWorkflowActions(WorkflowActionsRequest.newBuilder().setWorkflowId(wf).build()).getActionListList();
    assertEquals(List.of("stream-image", "write-config", "check"), actions.stream().map(WorkflowAction::getName).toList());
    assertEquals(List.of(ID_A, ID_A, ID_B), actions.stream().map(WorkflowAction::getWorkerId).toList());
    WorkflowAction config = actions.get(1);
    assertEquals(List.of("DEST_DISK=/dev/nvme0n1p1", "MIRROR_HOST=10.0.0.1"), config.getEnvironmentList(),
        "the action's MIRROR_HOST wins over the task's; sorted");
    assertEquals(List.of("/dev:/mnt/dev", "/dev/console:/dev/console", "/lib/firmware:/lib/firmware:ro"),
        config.getVolumesList(), "the action's /dev volume replaces the task's");
    assertEquals(List.of("COMPRESSED=true", "DEST_DISK=/dev/sda", "IMG_URL=http://192.168.1.2/ubuntu.raw.gz",
        "MIRROR_HOST=192.168.1.2"), actions.get(0).getEnvironmentList());
    assertEquals(List.of("sh", "-c", "true"), actions.get(2).getCommandList());
    assertEquals("host", actions.get(2).getPid());
    assertEquals(600, actions.get(0).getTimeout());

    WorkflowContext ctx = tink.workflows().getWorkflowContext(get(wf));
    assertEquals("", ctx.getCurrentAction());
    assertEquals(3, ctx.getTotalNumberOfActions());
    assertEquals(State.STATE_PENDING, ctx.getCurrentActionState());
    assertTrue(contexts(ID_A).stream().anyMatch(c -> c.getWorkflowId().equals(wf)));
    assertTrue(contexts(ID_B).stream().noneMatch(c -> c.getWorkflowId().equals(wf)));
    assertEquals(contexts(ID_A), tink.workflows().getWorkflowContextList(
        WorkflowContextRequest.newBuilder().setWorkerId(ID_A).build()).getWorkflowContextsList(),
        "the list and the stream agree");
    assertStatus(Status.Code.INVALID_ARGUMENT, "worker_id is required",
        () -> tink.workflows().getWorkflowContextList(WorkflowContextRequest.getDefaultInstance()));
  }

  @Test
  void aWorkflowRunsAcrossTwoWorkersWithEventsInOrder() {
    String wf = createWorkflow(templateId);
    report(wf, "os-installation", "stream-image", State.STATE_RUNNING, ID_A);
    report(wf, "os-installation", "stream-image", State.STATE_SUCCESS, ID_A);
    report(wf, "os-installation", "write-config", State.STATE_RUNNING, ID_A);
    report(wf, "os-installation", "write-config", State.STATE_SUCCESS, ID_A);

    assertTrue(contexts(ID_A).stream().noneMatch(c -> c.getWorkflowId().equals(wf)), "A is done");
    WorkflowContext handedOver = contexts(ID_B).stream().filter(c -> c.getWorkflowId().equals(wf)).findFirst().orElseThrow();
    assertEquals("write-config", handedOver.getCurrentAction());
    assertEquals(State.STATE_SUCCESS, handedOver.getCurrentActionState());
    assertEquals(1, handedOver.getCurrentActionIndex());

    report(wf, "verify", "check", State.STATE_RUNNING, ID_B);
    report(wf, "verify", "check", State.STATE_SUCCESS, ID_B);
    assertEquals(State.STATE_SUCCESS, tink.workflows().getWorkflow(get(wf)).getState());

    List<String> events = new ArrayList<>();
    tink.workflows().showWorkflowEvents(get(wf)).forEachRemaining(
        e -> events.add(e.getActionName() + ":" + e.getActionStatus().name() + ":" + e.getWorkerId()));
    assertEquals(List.of(
        "stream-image:STATE_RUNNING:" + ID_A, "stream-image:STATE_SUCCESS:" + ID_A,
        "write-config:STATE_RUNNING:" + ID_A, "write-config:STATE_SUCCESS:" + ID_A,
        "check:STATE_RUNNING:" + ID_B, "check:STATE_SUCCESS:" + ID_B), events);
  }

  @Test
  void reportsFollowTheRunningThenTerminalRules() {
    String wf = createWorkflow(templateId);
    assertStatus(Status.Code.INVALID_ARGUMENT, "required",
        () -> report(wf, "", "stream-image", State.STATE_RUNNING, ID_A));
    assertStatus(Status.Code.INVALID_ARGUMENT, "has no action 'nope'",
        () -> report(wf, "os-installation", "nope", State.STATE_RUNNING, ID_A));
    assertStatus(Status.Code.FAILED_PRECONDITION, "waiting for 'os-installation/stream-image' to start",
        () -> report(wf, "os-installation", "write-config", State.STATE_RUNNING, ID_A));
    assertStatus(Status.Code.FAILED_PRECONDITION, "runs on worker " + ID_A,
        () -> report(wf, "os-installation", "stream-image", State.STATE_RUNNING, ID_B));
    assertStatus(Status.Code.NOT_FOUND, "not found",
        () -> report("cccccccc-0000-4000-8000-000000000003", "t", "a", State.STATE_RUNNING, ID_A));
    assertEquals(0, tink.count("SELECT count(*) FROM workflow_event WHERE workflow_id = '" + wf + "'"),
        "rejected reports leave no trace");

    report(wf, "os-installation", "stream-image", State.STATE_RUNNING, ID_A);
    report(wf, "os-installation", "stream-image", State.STATE_RUNNING, ID_A);
    report(wf, "os-installation", "stream-image", State.STATE_FAILED, ID_A);
    report(wf, "os-installation", "stream-image", State.STATE_FAILED, ID_A);
    assertEquals(State.STATE_FAILED, tink.workflows().getWorkflow(get(wf)).getState());
    assertEquals(2, tink.count("SELECT count(*) FROM workflow_event WHERE workflow_id = '" + wf + "'"),
        "repeated reports are acknowledged once");
    assertStatus(Status.Code.FAILED_PRECONDITION, "already ended as FAILED",
        () -> report(wf, "os-installation", "write-config", State.STATE_RUNNING, ID_A));
    assertTrue(contexts(ID_A).stream().noneMatch(c -> c.getWorkflowId().equals(wf)));
  }

  @Test
  void badCreateRequestsStoreNothing() {
    long before = tink.count("SELECT count(*) FROM workflow");
    assertStatus(Status.Code.NOT_FOUND, "template",
        () -> createWorkflow("dddddddd-0000-4000-8000-000000000004"));
    assertStatus(Status.Code.INVALID_ARGUMENT, "hardware is not valid JSON", () -> tink.workflows().createWorkflow(
        CreateRequest.newBuilder().setTemplate(templateId).setHardware("{device_1:").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "map has no entry for key \"device_2\"", () -> tink.workflows()
        .createWorkflow(CreateRequest.newBuilder().setTemplate(templateId)
            .setHardware("{\"device_1\":\"" + MAC_A + "\"}").build()));
    assertStatus(Status.Code.NOT_FOUND, "no hardware has this MAC", () -> tink.workflows().createWorkflow(
        CreateRequest.newBuilder().setTemplate(templateId)
            .setHardware("{\"device_1\":\"08:00:27:99:99:99\",\"device_2\":\"" + IP_B + "\"}").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "is not a MAC address, IP address or hardware id", () -> tink.workflows()
        .createWorkflow(CreateRequest.newBuilder().setTemplate(templateId)
            .setHardware("{\"device_1\":\"somewhere\",\"device_2\":\"" + IP_B + "\"}").build()));
    assertEquals(before, tink.count("SELECT count(*) FROM workflow"));
  }

  @Test
  void unknownWorkflowIdsAreNotFound() {
    String missing = "eeeeeeee-0000-4000-8000-000000000005";
    assertStatus(Status.Code.NOT_FOUND, missing, () -> tink.workflows().getWorkflow(get(missing)));
    assertStatus(Status.Code.NOT_FOUND, missing, () -> tink.workflows().getWorkflowContext(get(missing)));
    assertStatus(Status.Code.NOT_FOUND, missing, () -> tink.workflows().deleteWorkflow(get(missing)));
    assertStatus(Status.Code.NOT_FOUND, missing, () -> tink.workflows().showWorkflowEvents(get(missing)).hasNext());
    assertStatus(Status.Code.NOT_FOUND, missing, () -> tink.workflows().getWorkflowActions(
        WorkflowActionsRequest.newBuilder().setWorkflowId(missing).build()));
    assertStatus(Status.Code.NOT_FOUND, missing, () -> tink.workflows().getWorkflowData(
        GetWorkflowDataRequest.newBuilder().setWorkflowId(missing).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "is not a UUID", () -> tink.workflows().getWorkflow(get("x")));
  }

  @Test
  void deleteHidesTheWorkflowFromListsAndWorkers() {
    String wf = createWorkflow(templateId);
    assertEquals(0, tink.workflows().getWorkflowData(GetWorkflowDataRequest.newBuilder().setWorkflowId(wf).build())
        .getVersion(), "a live workflow without data has version 0");
    tink.workflows().deleteWorkflow(get(wf));
    assertStatus(Status.Code.NOT_FOUND, wf, () -> tink.workflows().getWorkflow(get(wf)));
    // the worker's reads are single joined statements; a deleted workflow must not pass the join
    assertStatus(Status.Code.NOT_FOUND, wf, () -> tink.workflows().getWorkflowContext(get(wf)));
    assertStatus(Status.Code.NOT_FOUND, wf, () -> tink.workflows().getWorkflowActions(
        WorkflowActionsRequest.newBuilder().setWorkflowId(wf).build()));
    assertStatus(Status.Code.NOT_FOUND, wf, () -> tink.workflows().getWorkflowData(
        GetWorkflowDataRequest.newBuilder().setWorkflowId(wf).build()));
    List<String> listed = new ArrayList<>();
    tink.workflows().listWorkflows(Empty.getDefaultInstance()).forEachRemaining(w -> listed.add(w.getId()));
    assertTrue(!listed.contains(wf) && !listed.isEmpty());
    assertTrue(contexts(ID_A).stream().noneMatch(c -> c.getWorkflowId().equals(wf)));
  }

  @Test
  void workflowDataIsVersionedWithARealHashAndOldVersionsArePruned() throws Exception {
    String wf = createWorkflow(templateId);
    GetWorkflowDataRequest latest = GetWorkflowDataRequest.newBuilder().setWorkflowId(wf).build();
    assertEquals(0, tink.workflows().getWorkflowData(latest).getVersion());
    assertTrue(tink.workflows().getWorkflowData(latest).getData().isEmpty());

    for (int i = 1; i <= 4; i++) {
      tink.workflows().updateWorkflowData(UpdateWorkflowDataRequest.newBuilder().setWorkflowId(wf)
          .setMetadata(ByteString.copyFromUtf8("{\"actionName\":\"a" + i + "\",\"sha256\":\"bogus\"}"))
          .setData(ByteString.copyFromUtf8("{\"step\":" + i + "}")).build());
    }
    assertEquals(4, tink.workflows().getWorkflowDataVersion(latest).getVersion());
    assertEquals("{\"step\":4}", tink.workflows().getWorkflowData(latest).getData().toStringUtf8());
    GetWorkflowDataRequest v2 = latest.toBuilder().setVersion(2).build();
    assertEquals("{\"step\":2}", tink.workflows().getWorkflowData(v2).getData().toStringUtf8());
    GetWorkflowDataRequest v1 = latest.toBuilder().setVersion(1).build();
    assertTrue(tink.workflows().getWorkflowData(v1).getData().isEmpty(), "only 3 versions keep their data");

    String metadata = tink.workflows().getWorkflowMetadata(v2).getData().toStringUtf8();
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest("{\"step\":2}".getBytes(StandardCharsets.UTF_8)));
    assertTrue(metadata.contains("\"sha256\": \"" + sha + "\"") || metadata.contains("\"sha256\":\"" + sha + "\""), metadata);
    assertTrue(metadata.contains("a2"));

    assertStatus(Status.Code.INVALID_ARGUMENT, "data is not valid JSON", () -> tink.workflows().updateWorkflowData(
        UpdateWorkflowDataRequest.newBuilder().setWorkflowId(wf).setData(ByteString.copyFromUtf8("{nope")).build()));
    assertStatus(Status.Code.NOT_FOUND, "no data version 9",
        () -> tink.workflows().getWorkflowData(latest.toBuilder().setVersion(9).build()));
    assertEquals(4, tink.workflows().getWorkflowDataVersion(latest).getVersion(), "the bad update stored nothing");
  }

  @Test
  void theServerEndsAnOverrunActionAsTimeout() throws Exception {
    String tpl = createTemplate("""
        version: "0.1"
        name: short-timeout
        tasks:
        - name: t
          worker: "{{.device_1}}"
          actions:
          - name: slow
            image: busybox
            timeout: 1
          - name: never
            image: busybox
        """);
    String wf = tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(tpl)
        .setHardware("{\"device_1\":\"" + MAC_A + "\"}").build()).getId();
    report(wf, "t", "slow", State.STATE_RUNNING, ID_A);
    awaitState(wf, State.STATE_TIMEOUT, 10);
    WorkflowActionStatus last = lastEvent(wf);
    assertEquals(State.STATE_TIMEOUT, last.getActionStatus());
    assertTrue(last.getMessage().contains("enforced by tink-server"), last.getMessage());
    assertStatus(Status.Code.FAILED_PRECONDITION, "already ended as TIMEOUT",
        () -> report(wf, "t", "slow", State.STATE_SUCCESS, ID_A));
  }

  @Test
  void globalTimeoutIsEnforced() throws Exception {
    String tpl = createTemplate("""
        version: "0.1"
        name: short-global
        global_timeout: 1
        tasks:
        - name: t
          worker: "{{.device_1}}"
          actions:
          - name: one
            image: busybox
          - name: two
            image: busybox
        """);
    String wf = tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(tpl)
        .setHardware("{\"device_1\":\"" + MAC_A + "\"}").build()).getId();
    report(wf, "t", "one", State.STATE_RUNNING, ID_A);
    report(wf, "t", "one", State.STATE_SUCCESS, ID_A);
    awaitState(wf, State.STATE_TIMEOUT, 10);
    WorkflowActionStatus last = lastEvent(wf);
    assertEquals("two", last.getActionName());
    assertTrue(last.getMessage().contains("global_timeout of 1s exceeded"), last.getMessage());
  }

  @Test
  void aFailedActionWithRetriesRunsAgain() {
    String tpl = createTemplate("""
        version: "0.1"
        name: with-retries
        tasks:
        - name: t
          worker: "{{.device_1}}"
          actions:
          - name: flaky
            image: busybox
            retries: 2
        """);
    String wf = tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(tpl)
        .setHardware("{\"device_1\":\"" + MAC_A + "\"}").build()).getId();
    report(wf, "t", "flaky", State.STATE_RUNNING, ID_A);
    report(wf, "t", "flaky", State.STATE_FAILED, ID_A);
    WorkflowContext ctx = contexts(ID_A).stream().filter(c -> c.getWorkflowId().equals(wf)).findFirst().orElseThrow();
    assertEquals(State.STATE_PENDING, ctx.getCurrentActionState(), "back in the worker's queue");
    assertEquals("flaky", ctx.getCurrentAction());
    report(wf, "t", "flaky", State.STATE_RUNNING, ID_A);
    report(wf, "t", "flaky", State.STATE_SUCCESS, ID_A);
    assertEquals(State.STATE_SUCCESS, tink.workflows().getWorkflow(get(wf)).getState());
    assertEquals(2, tink.count("SELECT attempt FROM workflow_action WHERE workflow_id = '" + wf + "'"));
  }

  @Test
  void workersCanWaitOnAPushStreamAndClientsCanFollowEvents() throws Exception {
    BlockingQueue<WorkflowContext> pushed = new LinkedBlockingQueue<>();
    BlockingQueue<WorkflowEvent> followed = new LinkedBlockingQueue<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    try {
      ctx.run(() -> WorkerContextsGrpc.newStub(tink.channel).watch(
          WorkflowContextRequest.newBuilder().setWorkerId(ID_B).build(),
          collect(pushed)));
      String wf = createWorkflow(templateId);
      ctx.run(() -> WorkflowEventsGrpc.newStub(tink.channel).watch(
          WatchWorkflowEventsRequest.newBuilder().setWorkflowId(wf).setFollow(true).build(),
          collect(followed)));
      report(wf, "os-installation", "stream-image", State.STATE_RUNNING, ID_A);
      report(wf, "os-installation", "stream-image", State.STATE_SUCCESS, ID_A);
      report(wf, "os-installation", "write-config", State.STATE_RUNNING, ID_A);
      report(wf, "os-installation", "write-config", State.STATE_SUCCESS, ID_A);
      WorkflowContext mine;
      do {
        mine = pushed.poll(10, TimeUnit.SECONDS);
      } while (!mine.getWorkflowId().equals(wf));
      assertEquals("write-config", mine.getCurrentAction(), "B is told the moment it is its turn");
      report(wf, "verify", "check", State.STATE_RUNNING, ID_B);
      report(wf, "verify", "check", State.STATE_SUCCESS, ID_B);

      long lastSeq = 0;
      for (int i = 0; i < 6; i++) {
        WorkflowEvent e = followed.poll(10, TimeUnit.SECONDS);
        assertTrue(e.getSequence() > lastSeq, "sequence numbers ascend");
        lastSeq = e.getSequence();
      }
      assertEquals(State.STATE_SUCCESS, tink.workflows().getWorkflow(get(wf)).getState());

      // Without follow: the events after a sequence number, then the end of the stream.
      List<WorkflowEvent> tail = new ArrayList<>();
      WorkflowEventsGrpc.newBlockingStub(tink.channel).watch(WatchWorkflowEventsRequest.newBuilder()
          .setWorkflowId(wf).setAfterSequence(lastSeq - 2).build()).forEachRemaining(tail::add);
      assertEquals(2, tail.size());
      assertEquals(lastSeq, tail.getLast().getSequence());
      assertEquals(State.STATE_SUCCESS, tail.getLast().getWorkflowState());
    } finally {
      ctx.cancel(null);
    }
  }

  static void awaitState(String wf, State state, int seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      if (tink.workflows().getWorkflow(get(wf)).getState() == state) {
        return;
      }
      Thread.sleep(50);
    }
    assertEquals(state, tink.workflows().getWorkflow(get(wf)).getState());
  }

  static WorkflowActionStatus lastEvent(String wf) {
    List<WorkflowActionStatus> events = new ArrayList<>();
    tink.workflows().showWorkflowEvents(get(wf)).forEachRemaining(events::add);
    return events.getLast();
  }
}
