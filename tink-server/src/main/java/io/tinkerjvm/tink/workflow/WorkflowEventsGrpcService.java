package io.tinkerjvm.tink.workflow;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.v1.WatchWorkflowEventsRequest;
import io.tinkerjvm.proto.v1.WorkflowEvent;
import io.tinkerjvm.proto.v1.WorkflowEventsGrpc;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.runtime.grpc.ServerStreams;
import io.tinkerjvm.tink.workflow.WorkflowRepository.Event;
import java.util.List;
import java.util.UUID;

/** A workflow's events in order, with sequence numbers; with follow, live until the workflow ends. */
public final class WorkflowEventsGrpcService extends WorkflowEventsGrpc.WorkflowEventsImplBase {
  private static final int PAGE = 1000;

  private final WorkflowRepository workflows;
  private final WorkflowWatchers watchers;

  public WorkflowEventsGrpcService(WorkflowRepository workflows, WorkflowWatchers watchers) {
    this.workflows = workflows;
    this.watchers = watchers;
  }

  @Override
  public void watch(WatchWorkflowEventsRequest request, StreamObserver<WorkflowEvent> response) {
    UUID id = WorkflowGrpcService.id(request.getWorkflowId());
    if (request.getAfterSequence() < 0) {
      throw new InvalidArgumentException("after_sequence must not be negative");
    }
    ServerCallStreamObserver<WorkflowEvent> call = (ServerCallStreamObserver<WorkflowEvent>) response;
    Follower follower = new Follower(id, request.getAfterSequence(), call);
    if (!request.getFollow()) {
      follower.sendNew();
      call.onCompleted();
      return;
    }
    Runnable stop = watchers.follow(id, follower::wake);
    follower.stop = stop;
    ServerStreams.onCallEnd(stop);
    follower.wake();
  }

  private final class Follower {
    private final UUID id;
    private final ServerCallStreamObserver<WorkflowEvent> call;
    private long last;
    private boolean done;
    private volatile Runnable stop;

    Follower(UUID id, long after, ServerCallStreamObserver<WorkflowEvent> call) {
      this.id = id;
      this.last = after;
      this.call = call;
    }

    /** Sends what is new; ends the stream once the workflow has ended and everything is sent. */
    synchronized void wake() {
      if (done || call.isCancelled()) {
        return;
      }
      ActionState state = workflows.state(id);
      sendNew();
      if (state.terminal()) {
        done = true;
        if (stop != null) {
          stop.run();
        }
        call.onCompleted();
      }
    }

    synchronized void sendNew() {
      List<Event> page;
      while (!(page = workflows.events(id, last, PAGE)).isEmpty()) {
        for (Event e : page) {
          call.onNext(WorkflowEvent.newBuilder().setSequence(e.sequence())
              .setStatus(WorkflowGrpcService.toProto(e)).setAttempt(e.attempt())
              .setWorkflowState(WorkflowGrpcService.toProto(e.workflowState())).build());
        }
        last = page.getLast().sequence();
      }
    }
  }
}
