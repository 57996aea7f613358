package io.tinkerjvm.pbnj.task;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.pbnj.v1.Error;
import io.tinkerjvm.proto.pbnj.v1.StatusRequest;
import io.tinkerjvm.proto.pbnj.v1.StatusResponse;
import io.tinkerjvm.proto.pbnj.v1.TaskGrpc;

/**
 * PBnJ's Task service. As in PBnJ, a task that failed answers with a gRPC error carrying its code and
 * message (UNAUTHENTICATED, DEADLINE_EXCEEDED...); a running or successful one answers with its record.
 */
public final class TaskGrpcService extends TaskGrpc.TaskImplBase {
  private final TaskRunner tasks;

  public TaskGrpcService(TaskRunner tasks) {
    this.tasks = tasks;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> response) {
    TaskRecord t = tasks.status(request.getTaskId()).orElse(null);
    if (t == null) {
      response.onError(Status.NOT_FOUND.withDescription("task '" + request.getTaskId()
          + "' not found (unknown, or finished more than --task-retention ago)").asRuntimeException());
      return;
    }
    if (t.complete() && t.errorCode() != Status.Code.OK) {
      response.onError(Status.fromCode(t.errorCode()).withDescription(t.errorMessage()).asRuntimeException());
      return;
    }
    response.onNext(StatusResponse.newBuilder()
        .setId(t.id())
        .setDescription(t.description())
        .setError(Error.newBuilder().setCode(t.errorCode().value()).setMessage(t.errorMessage()))
        .setState(t.state())
        .setResult(t.result())
        .setComplete(t.complete())
        .addAllMessages(t.messages())
        .build());
    response.onCompleted();
  }
}
