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
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tink-worker's loop (reference §1.3) with its defects fixed: it follows tink-server's stream of this
 * worker's contexts (WorkerContexts.Watch) where the server has one and polls GetWorkflowContexts where it
 * has not; it never exits on a failed action or a lost connection; a report is retried until it lands;
 * and before each workflow it reads the workflow's context afresh, so that after a restart it resumes at
 * the action tink-server has as current (a RUNNING one is run again: its container went with the agent).
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
    this.persistently = new Persistently(config.retryInterval(), () -> stopping);
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub tink() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void run() {
    WorkflowContextRequest me = WorkflowContextRequest.newBuilder().setWorkerId(config.workerId()).build();
    Duration wait = config.retryInterval();
    while (!stopping) {
      try {
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
    if (start == StartIndex.ENDED) {
      return;
    }
    for (int i = start; i < actions.size() && actions.get(i).getWorkerId().equals(config.workerId()) && !stopping;
        i++) {
      if (!runAction(workflowId, actions.get(i), StartIndex.wasRunning(ctx, i))) {
        return;
      }
    }
  }

  /** Runs one action and reports it; false when the workflow goes no further here. */
  private boolean runAction(String workflowId, WorkflowAction action, boolean wasRunning) {
    if (!SAFE_ID.matcher(workflowId).matches()) {
      log.error("workflow id '{}' is not usable as a folder name; skipping it", workflowId);
      return false;
    }
    Path dir = config.dataDir().resolve(workflowId);
    byte[] before = readData(workflowId);
    if (before == null) {
      return false;
    }
    writeFile(dir, before);
    String what = "workflow " + workflowId + " action " + action.getTaskName() + "/" + action.getName();
    log.info("{}: {} {}", what, wasRunning ? "running again after a restart" : "starting", action.getImage());
    if (!report(workflowId, action, State.STATE_RUNNING, 0, wasRunning ? "Started execution again after the agent "
        + "restarted" : "Started execution")) {
      return false;
    }
    Deque<String> tail = new ArrayDeque<>();
    ActionResult result;
    awaitEngine(what);
    try {
      result = executor.run(new ActionSpec(workflowId, action.getTaskName(), action.getName(), action.getImage(),
          Duration.ofSeconds(action.getTimeout()), action.getCommandList(), action.getEnvironmentList(),
          action.getVolumesList(), action.getPid(), action.getOnTimeoutList(), action.getOnFailureList(), dir),
          line -> {
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
          });
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
    return report(workflowId, action, state, result.elapsed().toSeconds(), message) && state == State.STATE_SUCCESS;
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
