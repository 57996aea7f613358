package io.tinkerjvm.tink.workflow;

import static io.tinkerjvm.tink.support.Fixtures.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.Empty;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionsRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.runtime.grpc.CallerIdentity;
import io.tinkerjvm.tink.support.Fixtures;
import io.tinkerjvm.tink.support.RunningTink;
import io.tinkerjvm.tink.support.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * tink#218 and tink#507: a machine with its credential reads and reports only its own workflows. Over the
 * real TLS port of a real tink-server, as the agent in the OSIE calls it (no client certificate).
 */
class WorkerAccessTest {
  static final String A = "aaaaaaaa-1111-4000-8000-000000000001";
  static final String B = "bbbbbbbb-2222-4000-8000-000000000002";
  static final String TEMPLATE = """
      version: "0.1"
      name: one
      global_timeout: 600
      tasks:
      - name: t
        worker: "{{.device_1}}"
        actions:
        - name: a
          image: x
          timeout: 60
      """;
  static RunningTink tink;
  static String workflowA;
  static String workflowB;
  static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() {
    tink = new RunningTink();
    tink.hardware().push(PushRequest.newBuilder().setData(Fixtures.hardware(A, "02:00:00:00:00:0a", "10.9.0.10")).build());
    tink.hardware().push(PushRequest.newBuilder().setData(Fixtures.hardware(B, "02:00:00:00:00:0b", "10.9.0.11")).build());
    String template = tink.templates().createTemplate(WorkflowTemplate.newBuilder().setName("one").setData(TEMPLATE)
        .build()).getId();
    workflowA = tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(template)
        .setHardware("{\"device_1\":\"02:00:00:00:00:0a\"}").build()).getId();
    workflowB = tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(template)
        .setHardware("{\"device_1\":\"02:00:00:00:00:0b\"}").build()).getId();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    tink.close();
  }

  /** TLS trusting the stack's CA, no client certificate: the OSIE's agent. */
  static ChannelCredentials machineTls() {
    try {
      return TlsChannelCredentials.newBuilder().trustManager(tink.server.tls().caFile().toFile()).build();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static WorkflowServiceGrpc.WorkflowServiceBlockingStub as(String credential) {
    ManagedChannel ch = Grpc.newChannelBuilder("localhost:" + tink.server.grpcPort(), machineTls()).build();
    channels.add(ch);
    io.grpc.Channel c = ch;
    if (credential != null) {
      Metadata m = new Metadata();
      m.put(CallerIdentity.AUTHORIZATION, "Bearer " + credential);
      c = ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(m));
    }
    return WorkflowServiceGrpc.newBlockingStub(c);
  }

  static String credentialOf(String hardwareId) {
    return RunningTink.machineCredentials().credentialFor(hardwareId);
  }

  @Test
  void aMachineSeesAndReportsItsOwnWorkflow() {
    WorkflowServiceGrpc.WorkflowServiceBlockingStub a = as(credentialOf(A));
    Iterator<WorkflowContext> mine = a.getWorkflowContexts(WorkflowContextRequest.newBuilder().setWorkerId(A).build());
    List<String> ids = new ArrayList<>();
    mine.forEachRemaining(ctx -> ids.add(ctx.getWorkflowId()));
    assertEquals(List.of(workflowA), ids);
    assertEquals(1, a.getWorkflowActions(WorkflowActionsRequest.newBuilder().setWorkflowId(workflowA).build())
        .getActionListCount());
    a.reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(workflowA).setWorkerId(A).setTaskName("t")
        .setActionName("a").setActionStatus(State.STATE_RUNNING).build());
    a.getWorkflowData(GetWorkflowDataRequest.newBuilder().setWorkflowId(workflowA).build());
    assertEquals(workflowA, a.getWorkflowContext(io.tinkerjvm.proto.tink.workflow.GetRequest.newBuilder()
        .setId(workflowA).build()).getWorkflowId());
  }

  @Test
  void aMachineCannotReadOrReportAnothersWorkflowNorCallTheOperatorApi() {
    WorkflowServiceGrpc.WorkflowServiceBlockingStub a = as(credentialOf(A));
    assertStatus(Status.Code.PERMISSION_DENIED, "is for worker " + A,
        () -> a.getWorkflowContexts(WorkflowContextRequest.newBuilder().setWorkerId(B).build()).hasNext());
    assertStatus(Status.Code.PERMISSION_DENIED, "has no action for worker " + A,
        () -> a.getWorkflowActions(WorkflowActionsRequest.newBuilder().setWorkflowId(workflowB).build()));
    assertStatus(Status.Code.PERMISSION_DENIED, "has no action for worker " + A,
        () -> a.getWorkflowData(GetWorkflowDataRequest.newBuilder().setWorkflowId(workflowB).build()));
    assertStatus(Status.Code.PERMISSION_DENIED, "has no action for worker " + A,
        () -> a.getWorkflowContext(io.tinkerjvm.proto.tink.workflow.GetRequest.newBuilder().setId(workflowB).build()));
    // naming itself as the worker does not let it report into another machine's workflow
    assertStatus(Status.Code.PERMISSION_DENIED, "has no action for worker " + A,
        () -> a.reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(workflowB).setWorkerId(A)
            .setTaskName("t").setActionName("a").setActionStatus(State.STATE_RUNNING).build()));
    // nor naming the other machine
    assertStatus(Status.Code.PERMISSION_DENIED, "not " + B,
        () -> a.reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(workflowB).setWorkerId(B)
            .setTaskName("t").setActionName("a").setActionStatus(State.STATE_RUNNING).build()));
    assertStatus(Status.Code.PERMISSION_DENIED, "only the worker calls",
        () -> a.listWorkflows(Empty.getDefaultInstance()).hasNext());
    ManagedChannel ch = Grpc.newChannelBuilder("localhost:" + tink.server.grpcPort(), machineTls()).build();
    channels.add(ch);
    Metadata m = new Metadata();
    m.put(CallerIdentity.AUTHORIZATION, "Bearer " + credentialOf(A));
    assertStatus(Status.Code.PERMISSION_DENIED, "only the worker calls",
        () -> HardwareServiceGrpc.newBlockingStub(ClientInterceptors.intercept(ch,
            MetadataUtils.newAttachHeadersInterceptor(m))).all(io.tinkerjvm.proto.tink.hardware.Empty.getDefaultInstance())
            .hasNext());
    assertEquals(State.STATE_PENDING, tink.workflows().getWorkflowContext(
        io.tinkerjvm.proto.tink.workflow.GetRequest.newBuilder().setId(workflowB).build()).getCurrentActionState(),
        "nothing reached B's workflow");
  }

  @Test
  void workerCallsWithoutACredentialOrWithAForgedOneAreRefused() {
    assertStatus(Status.Code.UNAUTHENTICATED, "worker calls need the machine's credential",
        () -> as(null).getWorkflowContexts(WorkflowContextRequest.newBuilder().setWorkerId(A).build()).hasNext());
    String forged = A + credentialOf(B).substring(B.length());
    assertStatus(Status.Code.UNAUTHENTICATED, "not valid",
        () -> as(forged).getWorkflowContexts(WorkflowContextRequest.newBuilder().setWorkerId(A).build()).hasNext());
    // plaintext to the TLS port gets nowhere
    ManagedChannel plain = Grpc.newChannelBuilder("localhost:" + tink.server.grpcPort(),
        InsecureChannelCredentials.create()).build();
    channels.add(plain);
    assertStatus(Status.Code.UNAVAILABLE, "",
        () -> WorkflowServiceGrpc.newBlockingStub(plain).listWorkflows(Empty.getDefaultInstance()).hasNext());
  }

  @Test
  void theOperatorApiStaysOpenWithoutMutualTlsAndTheCaIsServedAtCert() throws Exception {
    assertTrue(as(null).listWorkflows(Empty.getDefaultInstance()).hasNext());
    HttpResponse<String> cert = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + tink.server.httpPort() + "/cert")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, cert.statusCode());
    assertEquals(Files.readString(tink.server.tls().caFile()), cert.body());
  }

  @Test
  void mutualTlsRefusesOperatorCallsWithoutACertificateButNotTheMachinesOwnCalls() throws Exception {
    try (RunningTink mutual = new RunningTink(TestPostgres.freshDatabase(), "--tls=mutual")) {
      mutual.hardware().push(PushRequest.newBuilder().setData(Fixtures.hardware(A, "02:00:00:00:00:0a", "10.9.0.10"))
          .build());
      ManagedChannel ch = Grpc.newChannelBuilder("localhost:" + mutual.server.grpcPort(), machineTls()).build();
      channels.add(ch);
      assertStatus(Status.Code.UNAUTHENTICATED, "operator calls need a client certificate",
          () -> WorkflowServiceGrpc.newBlockingStub(ch).listWorkflows(Empty.getDefaultInstance()).hasNext());
      Metadata m = new Metadata();
      m.put(CallerIdentity.AUTHORIZATION, "Bearer " + credentialOf(A));
      assertTrue(!WorkflowServiceGrpc.newBlockingStub(ClientInterceptors.intercept(ch,
          MetadataUtils.newAttachHeadersInterceptor(m)))
          .getWorkflowContexts(WorkflowContextRequest.newBuilder().setWorkerId(A).build()).hasNext());
      // the CLI's certificate (DATA/tls/admin.pem) is what an operator on the host presents
      assertTrue(mutual.hardware().all(io.tinkerjvm.proto.tink.hardware.Empty.getDefaultInstance()).hasNext());
    }
  }
}
