package io.tinkerjvm.tink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.tink.template.ListRequest;
import io.tinkerjvm.tink.support.RunningTink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StatusEndpointsTest {
  static RunningTink tink;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    tink = new RunningTink();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    tink.close();
  }

  static HttpResponse<String> get(String path, String method) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tink.server.httpPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthzVersionAndMetricsAnswerOverHttp() throws Exception {
    assertEquals(200, get("/healthz", "GET").statusCode());
    assertEquals("{\"status\":\"ok\"}\n", get("/healthz", "GET").body());
    assertTrue(get("/version", "GET").body().contains("\"name\":\"tink-server\""));
    tink.templates().listTemplates(ListRequest.getDefaultInstance()).forEachRemaining(t -> { });
    String metrics = get("/metrics", "GET").body();
    assertTrue(metrics.contains("grpc_server_calls_seconds_count{code=\"OK\",method=\"github.com.tinkerbell.tink.protos.template.TemplateService/ListTemplates\"}"), metrics);
    assertTrue(metrics.contains("jvm_memory_used_bytes"));
    assertEquals(405, get("/healthz", "POST").statusCode());
    assertEquals(404, get("/healthz/x", "GET").statusCode());
  }

  @Test
  void grpcHealthAndReflectionAreServed() throws Exception {
    HealthCheckResponse all = HealthGrpc.newBlockingStub(tink.channel).check(HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, all.getStatus());
    HealthCheckResponse workflow = HealthGrpc.newBlockingStub(tink.channel).check(HealthCheckRequest.newBuilder()
        .setService("github.com.tinkerbell.tink.protos.workflow.WorkflowService").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, workflow.getStatus());

    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(tink.channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            services.complete(r.getListServicesResponse().getServiceList().stream().map(s -> s.getName()).toList());
          }

          @Override
          public void onError(Throwable t) {
            services.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names = services.get(10, TimeUnit.SECONDS);
    req.onCompleted();
    for (String expected : List.of("github.com.tinkerbell.tink.protos.hardware.HardwareService",
        "github.com.tinkerbell.tink.protos.template.TemplateService",
        "github.com.tinkerbell.tink.protos.workflow.WorkflowService", "tinkerjvm.v1.HardwareChanges")) {
      assertTrue(names.contains(expected), names.toString());
    }
  }

  @Test
  void unknownSettingsAndBadValuesAreRefusedByName() {
    var e = org.junit.jupiter.api.Assertions.assertThrows(io.tinkerjvm.runtime.Config.ConfigException.class,
        () -> TinkServerConfig.load(Map.of(), "--grpc-prot=1"));
    assertTrue(e.getMessage().contains("--grpc-prot"), e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(io.tinkerjvm.runtime.Config.ConfigException.class,
        () -> TinkServerConfig.load(Map.of("TINK_GRPC_PORT", "abc")));
    assertTrue(e.getMessage().contains("grpc-port"), e.getMessage());
    TinkServerConfig legacy = TinkServerConfig.load(Map.of("PGHOST", "db.example", "PGDATABASE", "tink",
        "PGUSER", "tinkerbell", "MAX_WORKFLOW_DATA_VERSIONS", "5"));
    assertEquals("jdbc:postgresql://db.example:5432/tink?sslmode=disable", legacy.dbUrl());
    assertEquals("tinkerbell", legacy.dbUser());
    assertEquals(5, legacy.workflowDataVersions());
    assertEquals("jdbc:postgresql://h/db?user=u&password=***",
        TinkServerConfig.redact("jdbc:postgresql://h/db?user=u&password=s3cret"));
  }
}
