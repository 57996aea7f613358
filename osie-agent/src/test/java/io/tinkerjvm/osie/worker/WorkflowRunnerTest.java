package io.tinkerjvm.osie.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.tinkerjvm.osie.AgentConfig;
import io.tinkerjvm.osie.TinkChannel;
import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.tls.CertificateAuthority;
import io.tinkerjvm.osie.action.ActionResult;
import io.tinkerjvm.osie.support.RecordingExecutor;
import io.tinkerjvm.osie.support.WorkflowServiceOnly;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.tink.support.Fixtures;
import io.tinkerjvm.tink.support.RunningTink;
import io.tinkerjvm.tink.support.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker loop against a real tink-server; Docker is stood in for by RecordingExecutor. */
class WorkflowRunnerTest {
  static final String HW = "a9000000-0000-4000-8000-000000000001";
  static final String MAC = "08:00:27:a9:00:01";

  @TempDir Path dir;

  static final String TEMPLATE = """
      version: "0.1"
      name: four
      global_timeout: 600
      tasks:
      - name: os
        worker: "{{.device_1}}"
        actions:
        - name: one
          image: local/a
          timeout: 60
        - name: two
          image: local/a
          timeout: 60
        - name: three
          image: local/a
          timeout: 60
      """;

  /** As Boots sets the agent up: TLS trusting the stack's CA, and a credential minted for this boot. */
  private AgentConfig config(int port) {
    Path ca = CertificateAuthority.openOrCreate(Path.of(Config.defaultDataDir(System.getenv())).resolve("tls"))
        .certFile();
    return AgentConfig.load(Map.of(), "--id=" + HW, "--tinkerbell-grpc-authority=127.0.0.1:" + port,
        "--data-dir=" + dir.resolve("worker"), "--retry-interval=100ms", "--cmdline=" + dir.resolve("none"),
        "--tinkerbell-ca-file=" + ca, "--machine-credential=" + RunningTink.machineCredentials().credentialFor(HW));
  }

  /** For a plaintext Tinkerbell-like server that takes no credential. */
  private AgentConfig plaintextConfig(int port) {
    return AgentConfig.load(Map.of(), "--id=" + HW, "--tinkerbell-grpc-authority=127.0.0.1:" + port,
        "--data-dir=" + dir.resolve("worker"), "--retry-interval=100ms", "--cmdline=" + dir.resolve("none"),
        "--tinkerbell-tls=false");
  }

  private static String createWorkflow(RunningTink tink, String name) {
    String template = tink.templates().createTemplate(WorkflowTemplate.newBuilder().setName(name)
        .setData(TEMPLATE.replace("name: four", "name: " + name)).build()).getId();
    return tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(template)
        .setHardware("{\"device_1\":\"" + MAC + "\"}").build()).getId();
  }

  private static State awaitEnd(RunningTink tink, String workflowId, long ms) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (System.nanoTime() < until) {
      State s = tink.workflows().getWorkflow(GetRequest.newBuilder().setId(workflowId).build()).getState();
      if (s == State.STATE_SUCCESS || s == State.STATE_FAILED || s == State.STATE_TIMEOUT) {
        return s;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("workflow " + workflowId + " did not end in " + ms + " ms");
  }

  /** The agent's own connection: what OsieAgent opens for the config. */
  private static TinkChannel.Pair channel(AgentConfig config) {
    return TinkChannel.open(config);
  }

  @Test
  void runsTheActionsInOrderSendsTheDataBackAndGoesOnAfterAFailure() throws Exception {
    try (RunningTink tink = new RunningTink()) {
      tink.hardware().push(PushRequest.newBuilder().setData(Fixtures.hardware(HW, MAC, "10.8.0.5")).build());
      RecordingExecutor docker = new RecordingExecutor().on("two", RecordingExecutor.writesData("{\"disk\":\"sda\"}"));
      AgentConfig config = config(tink.server.grpcPort());
      TinkChannel.Pair channel = channel(config);
      WorkflowRunner agent = new WorkflowRunner(config, channel.calls(), docker, (w, t, a, l) -> {});
      Thread t = Thread.ofVirtual().start(agent);
      try {
        String first = createWorkflow(tink, "first");
        assertEquals(State.STATE_SUCCESS, awaitEnd(tink, first, 20_000));
        assertEquals(List.of("os/one", "os/two", "os/three"), docker.runs);
        var data = WorkflowServiceGrpc.newBlockingStub(channel.calls()).getWorkflowData(GetWorkflowDataRequest.newBuilder()
            .setWorkflowId(first).build());
        assertEquals("{\"disk\":\"sda\"}", data.getData().toString(StandardCharsets.UTF_8));
        String meta = WorkflowServiceGrpc.newBlockingStub(channel.calls()).getWorkflowMetadata(GetWorkflowDataRequest
            .newBuilder().setWorkflowId(first).build()).getData().toString(StandardCharsets.UTF_8);
        assertTrue(meta.contains(WorkflowData.sha256("{\"disk\":\"sda\"}".getBytes(StandardCharsets.UTF_8))), meta);
        assertTrue(meta.replace(" ", "").contains("\"actionName\":\"two\""), meta);

        // a failed action ends its workflow, not the agent: the next workflow runs
        docker.on("two", spec -> new ActionResult(ActionResult.Outcome.FAILED, 3, "exit status 3", Duration.ZERO));
        docker.runs.clear();
        String failing = createWorkflow(tink, "failing");
        assertEquals(State.STATE_FAILED, awaitEnd(tink, failing, 20_000));
        assertEquals(List.of("os/one", "os/two"), docker.runs);
        docker.on("two", spec -> RecordingExecutor.success());
        String third = createWorkflow(tink, "third");
        assertEquals(State.STATE_SUCCESS, awaitEnd(tink, third, 20_000));
        assertTrue(t.isAlive());
      } finally {
        agent.stop();
        t.join(5000);
        channel.managed().shutdownNow();
      }
    }
  }

  @Test
  void pollsAServerWithoutTheContextStream() throws Exception {
    try (RunningTink tink = new RunningTink();
         WorkflowServiceOnly tinkerbellLike = WorkflowServiceOnly.start(tink.channel)) {
      tink.hardware().push(PushRequest.newBuilder().setData(Fixtures.hardware(HW, MAC, "10.8.0.5")).build());
      RecordingExecutor docker = new RecordingExecutor();
      AgentConfig config = plaintextConfig(tinkerbellLike.port());
      TinkChannel.Pair channel = channel(config);
      WorkflowRunner agent = new WorkflowRunner(config, channel.calls(), docker, (w, t, a, l) -> {});
      Thread t = Thread.ofVirtual().start(agent);
      try {
        String id = createWorkflow(tink, "polled");
        assertEquals(State.STATE_SUCCESS, awaitEnd(tink, id, 20_000));
        assertEquals(List.of("os/one", "os/two", "os/three"), docker.runs);
      } finally {
        agent.stop();
        t.join(5000);
        channel.managed().shutdownNow();
      }
    }
  }

  @Test
  void waitsOutTinkServerAndResumesAtTheRunningActionAfterARestart() throws Exception {
    String db = TestPostgres.freshDatabase();
    int port;
    String workflowId;
    RecordingExecutor docker = new RecordingExecutor();
    CountDownLatch inTwo = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    docker.on("two", spec -> {
      inTwo.countDown();
      try {
        never.await(); // the agent dies in the middle of this action
      } catch (InterruptedException e) {
        throw new RecordingExecutor.BlockedException();
      }
      return RecordingExecutor.success();
    });
    try (RunningTink tink = new RunningTink(db)) {
      port = tink.server.grpcPort();
      tink.hardware().push(PushRequest.newBuilder().setData(Fixtures.hardware(HW, MAC, "10.8.0.5")).build());
      workflowId = createWorkflow(tink, "restart");
      TinkChannel.Pair channel = channel(config(port));
      WorkflowRunner first = new WorkflowRunner(config(port), channel.calls(), docker, (w, t, a, l) -> {});
      Thread t = Thread.ofVirtual().start(first);
      assertTrue(inTwo.await(20, TimeUnit.SECONDS));
      first.stop();
      t.interrupt();
      t.join(5000);
      channel.managed().shutdownNow();
      assertEquals(List.of("os/one", "os/two"), docker.runs);
    }
    // a new agent starts while tink-server is down; it waits, and tink-server comes back on the same database
    docker.on("two", spec -> RecordingExecutor.success());
    RunningTink[] back = new RunningTink[1];
    TinkChannel.Pair channel = channel(config(port));
    WorkflowRunner second = new WorkflowRunner(config(port), channel.calls(), docker, (w, t, a, l) -> {});
    Thread t2 = Thread.ofVirtual().start(second);
    try {
      Thread.sleep(1000);
      assertTrue(t2.isAlive(), "the agent gave up while tink-server was away");
      back[0] = new RunningTink(db, "--grpc-port=" + port);
      assertEquals(State.STATE_SUCCESS, awaitEnd(back[0], workflowId, 30_000));
      assertEquals(List.of("os/one", "os/two", "os/two", "os/three"), docker.runs, "resumed at the running action");
    } finally {
      second.stop();
      t2.join(5000);
      channel.managed().shutdownNow();
      if (back[0] != null) {
        back[0].close();
      }
    }
  }
}
