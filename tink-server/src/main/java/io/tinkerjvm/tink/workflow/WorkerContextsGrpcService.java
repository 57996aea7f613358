package io.tinkerjvm.tink.workflow;

import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.v1.WorkerContextsGrpc;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;

/** Push instead of poll: a worker's stream stays open and gets each workflow the moment it is its turn. */
public final class WorkerContextsGrpcService extends WorkerContextsGrpc.WorkerContextsImplBase {
  private final WorkflowWatchers watchers;

  public WorkerContextsGrpcService(WorkflowWatchers watchers) {
    this.watchers = watchers;
  }

  @Override
  public void watch(WorkflowContextRequest request, StreamObserver<WorkflowContext> response) {
    if (request.getWorkerId().isBlank()) {
      throw new InvalidArgumentException("worker_id is required");
    }
    ServerCallStreamObserver<WorkflowContext> call = (ServerCallStreamObserver<WorkflowContext>) response;
    Object lock = new Object();
    Runnable stop = watchers.watchWorker(request.getWorkerId(), ctx -> {
      synchronized (lock) {
        if (!call.isCancelled()) {
          call.onNext(WorkflowGrpcService.toProto(ctx));
        }
      }
    });
    Context.current().addListener(ctx -> stop.run(), Runnable::run);
  }
}
