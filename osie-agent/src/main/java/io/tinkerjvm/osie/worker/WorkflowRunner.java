package io.tinkerjvm.osie.worker;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.osie.AgentConfig;
import io.tinkerjvm.osie.action.ActionExecutor;
import io.tinkerjvm.osie.action.ActionResult;
import io.tinkerjvm.osie.action.ActionSpec;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.UpdateWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowAction;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionsRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.proto.v1.WorkerContextsGrpc;
import io.tinkerjvm.tink.workflow.StartIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tink-worker's loop (reference §1.3) with its defects fixed: it follows tink-server's stream of this
 * worker's contexts (WorkerContexts.Watch) where the server has one and polls GetWorkflowContexts where it
 * has not; it never exits on a failed action or a lost connection; a report is retried until it lands;
 * and before each workflow it reads the workflow's context afresh, so that after a restart it resumes at
 * the action tink-server has as current. A RUNNING one is taken over, not run again: its container (named for
 * the worker, workflow and action) outlived the agent, so the agent waits for it or reads how it ended, and
 * starts the action only when nothing of it is there. What a run leaves goes only once its result is reported.
 */
public final class WorkflowRunner implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WorkflowRunner.class);
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  private static final int TAIL_LINES = 20;
  private static final int TAIL_LINE_MAX = 160;
  private static final Duration CALL = Duration.ofSeconds(30);

  private final AgentConfig config;
  private final Channel channel;
  private final ActionExecutor executor;
  private final LogShipper logs;
  private final Persistently persistently;
  private volatile boolean stopping;
  private volatile Context.CancellableContext watching;
  private boolean streaming = true;

  public WorkflowRunner(AgentConfig config, Channel channel, ActionExecutor executor, LogShipper logs) {
    this.config = config;
    this.channel = channel;
    this.executor = executor;
    this.logs = logs;
    this.persistently = new Persistently(config.retryInterval(), () -> stopping, this::reconnectNow);
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub tink() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void run() {
    WorkflowContextRequest me = WorkflowContextRequest.newBuilder().setWorkerId(config.workerId()).build();
    Duration wait = config.retryInterval();
    boolean swept = false;
    while (!stopping) {
      try {
        if (!swept) {
          sweepReportedRuns();
          swept = true;
        }
        if (streaming) {
          Context.CancellableContext call = Context.current().withCancellation();
          watching = call;
          try {
            Context previous = call.attach();
            try {
              Iterator<WorkflowContext> contexts = WorkerContextsGrpc.newBlockingStub(channel).watch(me);
              while (!stopping && contexts.hasNext()) {
                WorkflowContext next = contexts.next();
                wait = config.retryInterval(); // connected: a later loss starts its backoff afresh
                // the action runs outside the stream's context, so stopping the stream cannot cut its reports
                Context.ROOT.run(() -> work(next));
              }
            } finally {
              call.detach(previous);
            }
          } finally {
            call.cancel(null);
          }
          // the server ended the stream (a restart, a rollout): come back after a pause, not at once
          persistently.sleep(config.retryInterval());
        } else {
          List<WorkflowContext> contexts = persistently.call("GetWorkflowContexts", () -> {
            List<WorkflowContext> out = new ArrayList<>();
            tink().getWorkflowContexts(me).forEachRemaining(out::add);
            return out;
          });
          for (WorkflowContext ctx : contexts) {
            work(ctx);
          }
          persistently.sleep(config.retryInterval());
        }
      } catch (StatusRuntimeException e) {
        if (streaming && e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
          log.info("tink-server has no WorkerContexts stream; polling GetWorkflowContexts every {}",
              config.retryInterval());
          streaming = false;
          continue;
        }
        if (stopping) {
          return;
        }
        log.warn("lost tink-server at {} ({}); reconnecting in {} ms", config.grpcAuthority(),
            e.getStatus().getCode(), wait.toMillis());
        try {
          persistently.sleep(wait);
        } catch (Persistently.StoppedException stopped) {
          return;
        }
        wait = Persistently.next(wait);
        reconnectNow();
      } catch (Persistently.StoppedException e) {
        return;
      } catch (RuntimeException e) {
        // one bad workflow must not stop the agent: log it, wait, go on
        log.error("workflow loop failed; going on in {}", config.retryInterval(), e);
        try {
          persistently.sleep(config.retryInterval());
        } catch (Persistently.StoppedException stopped) {
          return;
        }
      }
    }
  }

  /** Runs this worker's next actions of one workflow, from its current context as tink-server has it now. */
  private void work(WorkflowContext hint) {
    String workflowId = hint.getWorkflowId();
    WorkflowContext ctx;
    List<WorkflowAction> actions;
    try {
      ctx = persistently.call("GetWorkflowContext", () -> tink().getWorkflowContext(
          GetRequest.newBuilder().setId(workflowId).build()));
      actions = persistently.call("GetWorkflowActions", () -> tink().getWorkflowActions(
          WorkflowActionsRequest.newBuilder().setWorkflowId(workflowId).build()).getActionListList());
    } catch (StatusRuntimeException gone) {
      log.info("workflow {}: {}", workflowId, gone.getStatus());
      return;
    }
    int start = StartIndex.of(ctx);
    awaitEngine("workflow " + workflowId);
    // what runs already reported left (the agent died before removing it) goes; the running action's stays
    executor.sweep(workflowId, config.workerId(), start != StartIndex.ENDED && StartIndex.wasRunning(ctx, start)
        ? start : -1);
    if (start == StartIndex.ENDED) {
      return;
    }
    for (int i = start; i < actions.size() && actions.get(i).getWorkerId().equals(config.workerId()) && !stopping;
        i++) {
      if (!runAction(workflowId, i, actions.get(i), StartIndex.wasRunning(ctx, i))) {
        return;
      }
    }
  }

  /**
   * At start: for each workflow this worker's runs left containers in (an earlier agent was killed), removes
   * those tink-server already has the result of, and keeps the one of a RUNNING action for its take-over.
   */
  private void sweepReportedRuns() {
    Set<String> workflows;
    try {
      workflows = executor.workflowsWithRuns(config.workerId());
    } catch (RuntimeException engineNotUp) {
      // dockerd may start after the agent; then there is nothing of ours in it either
      log.debug("no look for earlier runs: {}", engineNotUp.getMessage());
      return;
    }
    for (String workflowId : workflows) {
      int keep = -1;
      try {
        WorkflowContext ctx = persistently.call("GetWorkflowContext", () -> tink().getWorkflowContext(
            GetRequest.newBuilder().setId(workflowId).build()));
        int start = StartIndex.of(ctx);
        keep = start != StartIndex.ENDED && StartIndex.wasRunning(ctx, start) ? start : -1;
      } catch (StatusRuntimeException gone) {
        log.info("workflow {} ({}): removing what its runs left", workflowId, gone.getStatus().getCode());
      }
      executor.sweep(workflowId, config.workerId(), keep);
    }
  }

  /** Runs one action and reports it; false when the workflow goes no further here. */
  private boolean runAction(String workflowId, int index, WorkflowAction action, boolean wasRunning) {
    if (!SAFE_ID.matcher(workflowId).matches()) {
      log.error("workflow id '{}' is not usable as a folder name; skipping it", workflowId);
      return false;
    }
    Path dir = config.dataDir().resolve(workflowId);
    byte[] before = readData(workflowId);
    if (before == null) {
      return false;
    }
    ActionSpec spec = new ActionSpec(workflowId, action.getTaskName(), action.getName(), action.getImage(),
        Duration.ofSeconds(action.getTimeout()), action.getCommandList(), action.getEnvironmentList(),
        action.getVolumesList(), action.getPid(), action.getOnTimeoutList(), action.getOnFailureList(), dir, index,
        config.workerId());
    String what = "workflow " + workflowId + " action " + action.getTaskName() + "/" + action.getName();
    ActionExecutor.Trace left = ActionExecutor.Trace.NONE;
    if (wasRunning) {
      awaitEngine(what);
      left = executor.trace(spec);
    }
    // a container that has started has read (and may be writing) /workflow/data: it is not written under it
    if (left != ActionExecutor.Trace.RUNNING && left != ActionExecutor.Trace.EXITED) {
      writeFile(dir, before);
    }
    log.info("{}: {} {}", what, !wasRunning ? "starting" : left == ActionExecutor.Trace.NONE
        ? "starting again after a restart (it had not started)" : "taking over its " + left + " container after a "
        + "restart", action.getImage());
    if (!report(workflowId, action, State.STATE_RUNNING, 0, wasRunning ? "Started execution again after the agent "
        + "restarted" : "Started execution")) {
      return false;
    }
    Deque<String> tail = new ArrayDeque<>();
    ActionResult result;
    awaitEngine(what);
    Consumer<String> onLine = line -> {
      if (config.captureActionLogs()) {
        logs.line(workflowId, action.getTaskName(), action.getName(), line);
      }
      // called from docker-java's threads while this one waits
      synchronized (tail) {
        if (tail.size() == TAIL_LINES) {
          tail.removeFirst();
        }
        tail.addLast(line.length() > TAIL_LINE_MAX ? line.substring(0, TAIL_LINE_MAX) + "…" : line);
      }
    };
    try {
      result = wasRunning ? executor.resume(spec, onLine) : executor.run(spec, onLine);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
      return false;
    } catch (RuntimeException e) {
      log.warn("{}: the agent could not run it", what, e);
      result = new ActionResult(ActionResult.Outcome.FAILED, -1, "the agent could not run the action: " + e,
          Duration.ZERO);
    }
    State state = switch (result.outcome()) {
      case SUCCESS -> State.STATE_SUCCESS;
      case FAILED -> State.STATE_FAILED;
      case TIMEOUT -> State.STATE_TIMEOUT;
    };
    String lastOutput;
    synchronized (tail) {
      lastOutput = String.join("\n", tail);
    }
    String message = result.message() + (lastOutput.isEmpty() || state == State.STATE_SUCCESS ? ""
        : "\nlast output:\n" + lastOutput);
    log.info("{}: {} in {} ms: {}", what, result.outcome(), result.elapsed().toMillis(), result.message());
    if (state == State.STATE_SUCCESS) {
      // before the SUCCESS report: the next action, maybe on another machine, starts on the new data
      sendData(workflowId, action, before, dir.resolve("data"));
    }
    boolean reported = report(workflowId, action, state, result.elapsed().toSeconds(), message);
    // reported (or refused for good): the run's container has done its part; a crash before this line leaves
    // it to the next agent's sweep
    try {
      executor.release(spec);
    } catch (RuntimeException e) {
      log.warn("{}: could not remove its container yet: {}", what, e.getMessage());
    }
    return reported && state == State.STATE_SUCCESS;
  }

  private boolean report(String workflowId, WorkflowAction action, State state, long seconds, String message) {
    WorkflowActionStatus status = WorkflowActionStatus.newBuilder().setWorkflowId(workflowId)
        .setTaskName(action.getTaskName()).setActionName(action.getName()).setActionStatus(state)
        .setSeconds(seconds).setMessage(message).setWorkerId(config.workerId()).build();
    try {
      persistently.call("ReportActionStatus " + state, () -> tink().reportActionStatus(status));
      return true;
    } catch (StatusRuntimeException refused) {
      // the server said no (the workflow was deleted, timed out, or moved on): nothing to repeat
      log.warn("workflow {}: tink-server refused the {} report: {}", workflowId, state, refused.getStatus());
      return false;
    }
  }

  /**
   * The agent keeps its own backoff (retry interval doubling to 30 s); the channel's reconnect backoff (grpc's
   * 1 s growing by 1.6 to 2 min) comes on top of it and, after tink-server was down for a while, kept a
   * restarted server waiting for the agent's next real try. So each retry of ours asks the channel to
   * connect now.
   */
  private void reconnectNow() {
    if (channel instanceof io.grpc.ManagedChannel managed) {
      managed.resetConnectBackoff();
    }
  }

  /** Waits, with backoff and for as long as it takes, for the container engine (dockerd may start after us). */
  private void awaitEngine(String what) {
    Duration wait = config.retryInterval();
    for (int attempt = 1; ; attempt++) {
      String problem = executor.notReady();
      if (problem == null) {
        return;
      }
      if (attempt == 1 || attempt % 10 == 0) {
        log.warn("{}: waiting for the container engine: {}", what, problem);
      }
      persistently.sleep(wait);
      wait = Persistently.next(wait);
    }
  }

  /** The workflow's data ({@code {}} when it has none), or null when tink-server refused it: then no action runs. */
  private byte[] readData(String workflowId) {
    try {
      byte[] data = persistently.call("GetWorkflowData", () -> tink().getWorkflowData(
          GetWorkflowDataRequest.newBuilder().setWorkflowId(workflowId).build()).getData().toByteArray());
      return data.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : data;
    } catch (StatusRuntimeException e) {
      // running on {} would let the action's writes replace the real data
      log.warn("workflow {}: tink-server refused its data ({}); not running its actions", workflowId, e.getStatus());
      return null;
    }
  }

  private void sendData(String workflowId, WorkflowAction action, byte[] before, Path file) {
    byte[] after;
    try {
      after = Files.exists(file) ? Files.readAllBytes(file) : before;
    } catch (IOException e) {
      log.warn("workflow {}: cannot read {} after {}: {}", workflowId, file, action.getName(), e.getMessage());
      return;
    }
    String why = WorkflowData.whyNotSent(before, after, config.maxFileSize());
    if (why != null) {
      if (!why.equals("unchanged")) {
        log.warn("workflow {}: data after {} not sent: {}", workflowId, action.getName(), why);
      }
      return;
    }
    UpdateWorkflowDataRequest update = UpdateWorkflowDataRequest.newBuilder().setWorkflowId(workflowId)
        .setData(ByteString.copyFrom(after))
        .setMetadata(ByteString.copyFrom(WorkflowData.metadata(config.workerId(), action.getTaskName(),
            action.getName(), after))).build();
    try {
      persistently.call("UpdateWorkflowData", () -> tink().updateWorkflowData(update));
    } catch (StatusRuntimeException refused) {
      log.warn("workflow {}: tink-server refused the data after {}: {}", workflowId, action.getName(),
          refused.getStatus());
    }
  }

  private static void writeFile(Path dir, byte[] data) {
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve("data"), data);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the workflow data into " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Ends the loop: a wait for contexts ends at once, a running action's container is removed. */
  public void stop() {
    stopping = true;
    Context.CancellableContext w = watching;
    if (w != null) {
      w.cancel(null);
    }
  }
}
