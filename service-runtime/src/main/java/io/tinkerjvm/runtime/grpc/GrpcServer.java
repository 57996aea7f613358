package io.tinkerjvm.runtime.grpc;

import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The one way a service starts gRPC: handlers on virtual threads (they block on JDBC and BMCs),
 * domain errors mapped to statuses, per-method metrics, the health and reflection services.
 */
public final class GrpcServer implements AutoCloseable {
  private final Server server;
  private final HealthStatusManager health;
  private final ExecutorService executor;

  private GrpcServer(Server server, HealthStatusManager health, ExecutorService executor) {
    this.server = server;
    this.health = health;
    this.executor = executor;
  }

  /**
   * @param credentials TLS or plaintext (io.tinkerjvm.runtime.tls.Tls.Server#credentials)
   * @param interceptors run on every call of {@code services}, in this order, after metrics and before the
   *     error mapping
   */
  public static GrpcServer start(String host, int port, ServerCredentials credentials, MeterRegistry registry,
      List<BindableService> services, ServerInterceptor... interceptors) {
    return start(Grpc.newServerBuilderForPort(port, credentials), host, registry, services, interceptors);
  }

  /** Starts on a given builder; tests pass an in-process builder. */
  public static GrpcServer start(ServerBuilder<?> builder, String host, MeterRegistry registry,
      List<BindableService> services, ServerInterceptor... interceptors) {
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    HealthStatusManager health = new HealthStatusManager();
    builder.executor(executor)
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance());
    ErrorMappingInterceptor errors = new ErrorMappingInterceptor();
    MetricsInterceptor metrics = new MetricsInterceptor(registry);
    for (BindableService service : services) {
      // Interceptors run last-added first: metrics see the status the error mapping chose.
      List<ServerInterceptor> chain = new java.util.ArrayList<>();
      chain.add(errors);
      chain.addAll(List.of(interceptors).reversed());
      chain.add(metrics);
      ResponseRecorder recorder = ResponseRecorder.fromSystemProperty();
      if (recorder != null) {
        chain.add(recorder);
      }
      builder.addService(ServerInterceptors.intercept(service, chain));
    }
    try {
      Server server = builder.build().start();
      for (BindableService service : services) {
        health.setStatus(service.bindService().getServiceDescriptor().getName(), ServingStatus.SERVING);
      }
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      return new GrpcServer(server, health, executor);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot listen for gRPC on " + host + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
  }
}
