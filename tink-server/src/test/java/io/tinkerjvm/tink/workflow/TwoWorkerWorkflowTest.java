package io.tinkerjvm.tink.workflow;

import static io.tinkerjvm.tink.support.Fixtures.TWO_WORKER_TEMPLATE;
import static io.tinkerjvm.tink.support.Fixtures.hardware;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.TemplateServiceGrpc;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.tink.support.ScriptedWorker;
import io.tinkerjvm.tink.support.TestPostgres;
import io.tinkerjvm.tink.support.TinkProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two scripted workers complete a workflow of 2 tasks and 3 actions against tink-server running as
 * its own process; once undisturbed and once with the server killed with SIGKILL twice mid-run.
 */
class TwoWorkerWorkflowTest {
  static final String ID_A = "aaaaaaaa-1111-4000-8000-000000000001";
  static final String ID_B = "bbbbbbbb-1111-4000-8000-000000000002";

  private final List<Process> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ScriptedWorker> workers = new ArrayList<>();

  @AfterEach
  void cleanUp() throws InterruptedException {
    workers.forEach(ScriptedWorker::stop);
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Process p : servers) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void twoWorkersCompleteAWorkflow() throws Exception {
    run(false);
  }

  @Test
  void theWorkflowCompletesAcrossTwoKillsOfTheServerWithNoActionLostOrRunTwice() throws Exception {
    run(true);
  }

  private void run(boolean crash) throws Exception {
    String dbUrl = TestPostgres.freshDatabase();
    int port = TinkProcess.freePort();
    AtomicReference<Process> server = new AtomicReference<>(startServer(dbUrl, port));
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port,
        io.tinkerjvm.tink.support.RunningTink.clientCredentials()).build();
    channels.add(channel);

    HardwareServiceGrpc.newBlockingStub(channel).push(PushRequest.newBuilder()
        .setData(hardware(ID_A, "08:00:27:20:00:01", "10.30.0.1")).build());
    HardwareServiceGrpc.newBlockingStub(channel).push(PushRequest.newBuilder()
        .setData(hardware(ID_B, "08:00:27:20:00:02", "10.30.0.2")).build());
    String template = TemplateServiceGrpc.newBlockingStub(channel)
        .createTemplate(WorkflowTemplate.newBuilder().setData(TWO_WORKER_TEMPLATE).build()).getId();
    WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows = WorkflowServiceGrpc.newBlockingStub(channel);
    String wf = workflows.createWorkflow(CreateRequest.newBuilder().setTemplate(template)
        .setHardware("{\"device_1\":\"08:00:27:20:00:01\",\"device_2\":\"10.30.0.2\"}").build()).getId();

    // With crash: SIGKILL the server while A runs its second action and while B runs its only one,
    // then start it again on the same port and database.
    Map<String, Integer> executions = ScriptedWorker.newExecutionLog();
    List<String> killedDuring = new ArrayList<>();
    java.util.function.Consumer<String> chaos = action -> {
      if (crash && (action.equals("os-installation/write-config") || action.equals("verify/check"))) {
        killedDuring.add(action);
        kill9(server.get());
        CompletableFuture.runAsync(() -> {
          sleep(300);
          server.set(startServer(dbUrl, port));
        });
      }
    };
    ScriptedWorker a = new ScriptedWorker(ID_A, channel, 200, executions, chaos);
    ScriptedWorker b = new ScriptedWorker(ID_B, channel, 200, executions, chaos);
    workers.add(a);
    workers.add(b);
    Thread.ofVirtual().start(a);
    Thread.ofVirtual().start(b);

    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    State state = State.STATE_PENDING;
    while (System.nanoTime() < end && state != State.STATE_SUCCESS) {
      sleep(100);
      try {
        state = workflows.withDeadlineAfter(2, TimeUnit.SECONDS).getWorkflow(GetRequest.newBuilder().setId(wf).build()).getState();
      } catch (io.grpc.StatusRuntimeException serverRestarting) {
        // the server is between a kill and its restart
      }
    }
    assertEquals(State.STATE_SUCCESS, state);
    assertEquals(Map.of("os-installation/stream-image", 1, "os-installation/write-config", 1, "verify/check", 1),
        executions, "each action ran exactly once");
    if (crash) {
      assertEquals(List.of("os-installation/write-config", "verify/check"), killedDuring);
    }
    List<String> events = new ArrayList<>();
    workflows.showWorkflowEvents(GetRequest.newBuilder().setId(wf).build()).forEachRemaining(
        (WorkflowActionStatus e) -> events.add(e.getActionName() + ":" + e.getActionStatus()));
    assertEquals(List.of("stream-image:STATE_RUNNING", "stream-image:STATE_SUCCESS",
        "write-config:STATE_RUNNING", "write-config:STATE_SUCCESS",
        "check:STATE_RUNNING", "check:STATE_SUCCESS"), events, "every transition recorded once, in order");
  }

  private Process startServer(String dbUrl, int port) {
    Process p = TinkProcess.start(dbUrl, port, 0);
    synchronized (servers) {
      servers.add(p);
    }
    return p;
  }

  private static void kill9(Process p) {
    try {
      new ProcessBuilder("kill", "-9", Long.toString(p.pid())).inheritIO().start().waitFor();
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
