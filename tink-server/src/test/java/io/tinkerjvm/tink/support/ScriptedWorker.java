package io.tinkerjvm.tink.support;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowAction;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionsRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.tink.workflow.StartIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A worker written against the generated stubs alone, following tink-worker v0.7's loop: poll
 * GetWorkflowContexts, fetch the action list, run each consecutive action of its own (report
 * RUNNING, "execute", report SUCCESS). Unlike tink-worker it retries a call that fails because the
 * server is down, and never exits on its own. Execution is simulated: it counts runs per action.
 */
public final class ScriptedWorker implements Runnable {
  private final String workerId;
  private final Channel channel;
  private final long actionMillis;
  private final Consumer<String> beforeExecute;
  private final Map<String, Integer> executions;
  private final List<String> log = new ArrayList<>();
  private volatile boolean running = true;

  public ScriptedWorker(String workerId, Channel channel, long actionMillis, Map<String, Integer> executions,
      Consumer<String> beforeExecute) {
    this.workerId = workerId;
    this.channel = channel;
    this.actionMillis = actionMillis;
    this.executions = executions;
    this.beforeExecute = beforeExecute;
  }

  public static Map<String, Integer> newExecutionLog() {
    return new ConcurrentHashMap<>();
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Override
  public void run() {
    while (running) {
      List<WorkflowContext> contexts = retrying(() -> {
        List<WorkflowContext> out = new ArrayList<>();
        stub().getWorkflowContexts(WorkflowContextRequest.newBuilder().setWorkerId(workerId).build())
            .forEachRemaining(out::add);
        return out;
      });
      for (WorkflowContext ctx : contexts) {
        runMine(ctx);
      }
      sleep(100);
    }
  }

  private void runMine(WorkflowContext ctx) {
    List<WorkflowAction> actions = retrying(() -> stub().getWorkflowActions(
        WorkflowActionsRequest.newBuilder().setWorkflowId(ctx.getWorkflowId()).build()).getActionListList());
    int start = StartIndex.of(ctx);
    if (start == StartIndex.ENDED) {
      return;
    }
    for (int i = start; i < actions.size() && actions.get(i).getWorkerId().equals(workerId) && running; i++) {
      WorkflowAction action = actions.get(i);
      boolean alreadyRunning = StartIndex.wasRunning(ctx, i);
      if (!alreadyRunning) {
        report(ctx.getWorkflowId(), action, State.STATE_RUNNING, "Started execution");
      }
      String key = action.getTaskName() + "/" + action.getName();
      beforeExecute.accept(key);
      executions.merge(key, 1, Integer::sum);
      synchronized (log) {
        log.add(workerId + " ran " + key);
      }
      sleep(actionMillis);
      report(ctx.getWorkflowId(), action, State.STATE_SUCCESS, "finished execution successfully");
    }
  }

  private void report(String workflowId, WorkflowAction action, State state, String message) {
    retrying(() -> stub().reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(workflowId)
        .setTaskName(action.getTaskName()).setActionName(action.getName()).setActionStatus(state)
        .setWorkerId(workerId).setSeconds(1).setMessage(message).build()));
  }

  /** Retries while the server is unreachable; any other error is a test failure. */
  private <T> T retrying(Supplier<T> call) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        boolean transientFailure = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
        if (!transientFailure || System.nanoTime() > giveUp) {
          throw e;
        }
        sleep(100);
      }
    }
  }

  public void stop() {
    running = false;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
