package io.tinkerjvm.pbnj.support;

import io.grpc.Channel;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A workflow's events as `tink workflow events` reads them (ShowWorkflowEvents), polled until a condition holds. */
public final class TinkEvents {
  private TinkEvents() {}

  public static List<WorkflowActionStatus> await(Channel tink, String workflowId,
      Predicate<List<WorkflowActionStatus>> until, long timeoutMs) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    List<WorkflowActionStatus> events = List.of();
    while (System.nanoTime() < end) {
      List<WorkflowActionStatus> now = new ArrayList<>();
      WorkflowServiceGrpc.newBlockingStub(tink).showWorkflowEvents(GetRequest.newBuilder().setId(workflowId)
          .build()).forEachRemaining(now::add);
      events = now;
      if (until.test(now)) {
        return now;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("events of " + workflowId + " after " + timeoutMs + " ms: " + events);
  }

  /** Until an event of this action name is there. */
  public static Predicate<List<WorkflowActionStatus>> has(String action) {
    return events -> events.stream().anyMatch(e -> e.getActionName().equals(action));
  }
}
