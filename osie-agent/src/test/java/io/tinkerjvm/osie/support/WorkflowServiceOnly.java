package io.tinkerjvm.osie.support;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server on 127.0.0.1 that serves Tinkerbell's WorkflowService, and nothing else, by passing each call
 * through to a tink-server: a server as Tinkerbell's is, without our WorkerContexts stream.
 */
public final class WorkflowServiceOnly implements AutoCloseable {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private final Server server;

  private WorkflowServiceOnly(Server server) {
    this.server = server;
  }

  public static WorkflowServiceOnly start(Channel tink) {
    ServerServiceDefinition.Builder service =
        ServerServiceDefinition.builder(WorkflowServiceGrpc.getServiceDescriptor().getName());
    for (MethodDescriptor<?, ?> m : WorkflowServiceGrpc.getServiceDescriptor().getMethods()) {
      MethodDescriptor<byte[], byte[]> raw = m.toBuilder(BYTES, BYTES).build();
      if (raw.getType() == MethodDescriptor.MethodType.UNARY) {
        service.addMethod(raw, ServerCalls.asyncUnaryCall((request, response) ->
            ClientCalls.asyncUnaryCall(tink.newCall(raw, CallOptions.DEFAULT), request, response)));
      } else {
        service.addMethod(raw, ServerCalls.asyncServerStreamingCall((request, response) ->
            ClientCalls.asyncServerStreamingCall(tink.newCall(raw, CallOptions.DEFAULT), request, response)));
      }
    }
    try {
      return new WorkflowServiceOnly(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
          .addService(service.build()).build().start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
