package io.tinkerjvm.cli;

import io.tinkerjvm.cli.grpc.GrpcException;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.Workflow;
import io.tinkerjvm.proto.tink.workflow.WorkflowAction;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionList;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionsRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.v1.WatchWorkflowEventsRequest;
import io.tinkerjvm.proto.v1.WorkflowEvent;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows a workflow through tink-server's event stream until it ends, printing each event as it commits, and
 * reconnecting (from the last event seen, so nothing is missed or repeated) if the connection drops.
 */
final class WorkflowWatch {
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(60);

  private final Tink tink;
  private final WorkflowCommand workflows;
  private final String id;
  private final boolean stateTables;
  private final Map<String, Integer> positions = new HashMap<>();
  private int total;
  private long after;

  WorkflowWatch(Tink tink, WorkflowCommand workflows, String id, boolean stateTables) {
    this.tink = tink;
    this.workflows = workflows;
    this.id = id.trim();
    this.stateTables = stateTables;
  }

  int run() {
    workflows.get(id); // a clear "not found" before anything else
    WorkflowActionList actions = tink.client().unary(Rpc.WORKFLOW_ACTIONS,
        WorkflowActionsRequest.newBuilder().setWorkflowId(id).build(), WorkflowActionList.parser(), tink.callTimeout());
    List<WorkflowAction> list = actions.getActionListList();
    total = list.size();
    for (int i = 0; i < list.size(); i++) {
      positions.putIfAbsent(list.get(i).getTaskName() + "\u0000" + list.get(i).getName(), i + 1);
    }
    if (stateTables) {
      workflows.printState(workflows.context(id));
    }
    long failingSince = 0;
    while (true) {
      try {
        tink.client().call(Rpc.WORKFLOW_EVENTS_WATCH,
            WatchWorkflowEventsRequest.newBuilder().setWorkflowId(id).setAfterSequence(after).setFollow(true).build(),
            WorkflowEvent.parser(), null, this::show);
        break; // the server ends the stream once the workflow has ended
      } catch (GrpcException e) {
        if (e.code() != GrpcException.UNAVAILABLE) {
          throw e;
        }
        long now = System.nanoTime();
        if (failingSince == 0) {
          failingSince = now;
        } else if (now - failingSince > GIVE_UP_AFTER.toNanos()) {
          throw new CliException("lost tink-server for over " + GIVE_UP_AFTER.toSeconds() + "s while watching "
              + id + ": " + e.description());
        }
        tink.context.err().println("Warning: " + e.description() + "; reconnecting");
        sleep();
      }
    }
    Workflow end = workflows.get(id);
    State state = end.getState();
    PrintStream err = tink.context.err();
    if (!tink.output().structured()) {
      tink.context.out().println("Workflow " + id + " ended: " + state.name());
    } else {
      err.println("Workflow " + id + " ended: " + state.name());
    }
    return switch (state) {
      case STATE_SUCCESS -> ExitCodes.OK;
      case STATE_TIMEOUT -> ExitCodes.WORKFLOW_TIMEOUT;
      case STATE_FAILED -> ExitCodes.WORKFLOW_FAILED;
      default -> throw new CliException("the event stream of " + id + " ended while the workflow is "
          + state.name() + " (was it deleted?)");
    };
  }

  private boolean show(WorkflowEvent event) {
    after = event.getSequence();
    Output out = tink.output();
    if (out.structured()) {
      tink.context.out().println(Protos.json(event).toString());
      return true;
    }
    WorkflowActionStatus s = event.getStatus();
    Integer position = positions.get(s.getTaskName() + "\u0000" + s.getActionName());
    if (stateTables) { // what GetWorkflowContext answers right after this event (no second call mid-stream)
      workflows.printState(WorkflowContext.newBuilder().setWorkflowId(id).setCurrentWorker(s.getWorkerId())
          .setCurrentTask(s.getTaskName()).setCurrentAction(s.getActionName())
          .setCurrentActionIndex(position == null ? 0 : position - 1).setCurrentActionState(s.getActionStatus())
          .setTotalNumberOfActions(total).build());
      return true;
    }
    StringBuilder line = new StringBuilder(120)
        .append(Protos.time(s.getCreatedAt())).append("  ")
        .append(position == null ? "?" : position).append('/').append(total).append("  ")
        .append(s.getTaskName()).append('/').append(s.getActionName()).append("  ")
        .append(s.getActionStatus().name());
    if (s.getActionStatus() != State.STATE_RUNNING) {
      line.append("  ").append(s.getSeconds()).append('s');
    }
    if (event.getAttempt() > 1) {
      line.append("  attempt ").append(event.getAttempt());
    }
    if (!s.getMessage().isEmpty()) {
      line.append("  ").append(s.getMessage().replace('\n', ' '));
    }
    line.append("  (worker ").append(s.getWorkerId()).append(')');
    tink.context.out().println(line);
    return true;
  }

  private static void sleep() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }
}
