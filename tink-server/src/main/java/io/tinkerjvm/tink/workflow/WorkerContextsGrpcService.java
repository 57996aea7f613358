package io.tinkerjvm.tink.workflow;

import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.v1.WorkerContextsGrpc;
import io.tinkerjvm.runtime.grpc.ServerStreams;
import java.util.function.Consumer;

/** Push instead of poll: a worker's stream stays open and gets each workflow the moment it is its turn. */
public final class WorkerContextsGrpcService extends WorkerContextsGrpc.WorkerContextsImplBase {
  private final WorkflowWatchers watchers;

  public WorkerContextsGrpcService(WorkflowWatchers watchers) {
    this.watchers = watchers;
  }

  @Override
  public void watch(WorkflowContextRequest request, StreamObserver<WorkflowContext> response) {
    String worker = WorkflowGrpcService.workerId(request);
    Consumer<WorkflowContext> send = ServerStreams.guardedSink(response);
    Runnable stop = watchers.watchWorker(worker, ctx -> send.accept(WorkflowGrpcService.toProto(ctx)));
    ServerStreams.onCallEnd(stop);
  }
}
