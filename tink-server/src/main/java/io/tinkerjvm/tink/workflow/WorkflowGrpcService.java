package io.tinkerjvm.tink.workflow;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.CreateResponse;
import io.tinkerjvm.proto.tink.workflow.Empty;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataResponse;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.UpdateWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.Workflow;
import io.tinkerjvm.proto.tink.workflow.WorkflowAction;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionList;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionsRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextList;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.template.TemplateGrpcService;
import io.tinkerjvm.tink.workflow.WorkflowPlan.PlannedAction;
import io.tinkerjvm.tink.workflow.WorkflowRepository.Context;
import io.tinkerjvm.tink.workflow.WorkflowRepository.Event;
import io.tinkerjvm.tink.workflow.WorkflowRepository.StoredWorkflow;
import java.util.List;
import java.util.UUID;

/** Tinkerbell's WorkflowService: the admin calls and the worker calls a tink-worker makes. */
public final class WorkflowGrpcService extends WorkflowServiceGrpc.WorkflowServiceImplBase {
  private static final int EVENT_PAGE = 1000;

  private final WorkflowCreator creator;
  private final WorkflowRepository workflows;
  private final ReportBatcher reports;
  private final WorkflowDataRepository data;
  private final WorkerAccess access;

  public WorkflowGrpcService(WorkflowCreator creator, WorkflowRepository workflows, ReportBatcher reports,
      WorkflowDataRepository data, WorkerAccess access) {
    this.access = access;
    this.creator = creator;
    this.workflows = workflows;
    this.reports = reports;
    this.data = data;
  }

  @Override
  public void createWorkflow(CreateRequest request, StreamObserver<CreateResponse> response) {
    UUID id = creator.create(request.getTemplate(), request.getHardware());
    response.onNext(CreateResponse.newBuilder().setId(id.toString()).build());
    response.onCompleted();
  }

  @Override
  public void getWorkflow(GetRequest request, StreamObserver<Workflow> response) {
    response.onNext(toProto(workflows.get(id(request.getId()))));
    response.onCompleted();
  }

  @Override
  public void deleteWorkflow(GetRequest request, StreamObserver<Empty> response) {
    workflows.delete(id(request.getId()));
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void listWorkflows(Empty request, StreamObserver<Workflow> response) {
    workflows.forEach(w -> response.onNext(toProto(w)));
    response.onCompleted();
  }

  @Override
  public void getWorkflowContext(GetRequest request, StreamObserver<WorkflowContext> response) {
    response.onNext(toProto(workflows.context(workerReadable(request.getId()))));
    response.onCompleted();
  }

  @Override
  public void showWorkflowEvents(GetRequest request, StreamObserver<WorkflowActionStatus> response) {
    UUID id = id(request.getId());
    long after = 0;
    List<Event> page;
    while (!(page = workflows.events(id, after, EVENT_PAGE)).isEmpty()) {
      for (Event e : page) {
        response.onNext(toProto(e));
      }
      after = page.getLast().sequence();
    }
    response.onCompleted();
  }

  @Override
  public void getWorkflowContextList(WorkflowContextRequest request, StreamObserver<WorkflowContextList> response) {
    WorkflowContextList.Builder b = WorkflowContextList.newBuilder();
    for (Context c : workflows.contextsFor(workerId(request))) {
      b.addWorkflowContexts(toProto(c));
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void getWorkflowContexts(WorkflowContextRequest request, StreamObserver<WorkflowContext> response) {
    for (Context c : workflows.contextsFor(workerId(request))) {
      response.onNext(toProto(c));
    }
    response.onCompleted();
  }

  @Override
  public void getWorkflowActions(WorkflowActionsRequest request, StreamObserver<WorkflowActionList> response) {
    WorkflowActionList.Builder b = WorkflowActionList.newBuilder();
    UUID id = id(request.getWorkflowId());
    access.checkWorkflow(id);
    for (WorkflowRepository.StoredAction a : workflows.actions(id)) {
      b.addActionList(toProto(a.action()));
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void reportActionStatus(WorkflowActionStatus request, StreamObserver<Empty> response) {
    UUID id = id(request.getWorkflowId());
    WorkerAccess.checkWorker(request.getWorkerId());
    access.checkWorkflow(id);
    reports.report(id, new WorkflowStateMachine.Report(request.getTaskName(), request.getActionName(),
        state(request.getActionStatus()), request.getWorkerId(), request.getSeconds(), request.getMessage()));
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void getWorkflowData(GetWorkflowDataRequest request, StreamObserver<GetWorkflowDataResponse> response) {
    WorkflowDataRepository.Version v = data.get(workerReadable(request.getWorkflowId()), request.getVersion());
    response.onNext(GetWorkflowDataResponse.newBuilder().setData(ByteString.copyFrom(v.data()))
        .setVersion(v.version()).build());
    response.onCompleted();
  }

  @Override
  public void getWorkflowMetadata(GetWorkflowDataRequest request, StreamObserver<GetWorkflowDataResponse> response) {
    WorkflowDataRepository.Version v = data.get(workerReadable(request.getWorkflowId()), request.getVersion());
    response.onNext(GetWorkflowDataResponse.newBuilder().setData(ByteString.copyFrom(v.metadata()))
        .setVersion(v.version()).build());
    response.onCompleted();
  }

  @Override
  public void getWorkflowDataVersion(GetWorkflowDataRequest request, StreamObserver<GetWorkflowDataResponse> response) {
    WorkflowDataRepository.Version v = data.get(workerReadable(request.getWorkflowId()), 0);
    response.onNext(GetWorkflowDataResponse.newBuilder().setVersion(v.version()).build());
    response.onCompleted();
  }

  @Override
  public void updateWorkflowData(UpdateWorkflowDataRequest request, StreamObserver<Empty> response) {
    data.update(workerReadable(request.getWorkflowId()), request.getMetadata().toByteArray(), request.getData().toByteArray());
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  // ---- conversions ----

  static UUID id(String value) {
    return HardwareDocument.parseId(value, "workflow id");
  }

  private UUID workerReadable(String workflowId) {
    UUID id = id(workflowId);
    access.checkWorkflow(id);
    return id;
  }

  static String workerId(WorkflowContextRequest request) {
    if (request.getWorkerId().isBlank()) {
      throw new InvalidArgumentException("worker_id is required");
    }
    WorkerAccess.checkWorker(request.getWorkerId());
    return request.getWorkerId();
  }

  static ActionState state(State s) {
    return switch (s) {
      case STATE_PENDING -> ActionState.PENDING;
      case STATE_RUNNING -> ActionState.RUNNING;
      case STATE_FAILED -> ActionState.FAILED;
      case STATE_TIMEOUT -> ActionState.TIMEOUT;
      case STATE_SUCCESS -> ActionState.SUCCESS;
      case UNRECOGNIZED -> throw new InvalidArgumentException("action_status has an unknown value");
    };
  }

  public static State toProto(ActionState s) {
    return State.forNumber(s.code());
  }

  static Workflow toProto(StoredWorkflow w) {
    Workflow.Builder b = Workflow.newBuilder().setId(w.id().toString()).setTemplate(w.templateId().toString())
        .setHardware(w.hardware()).setState(toProto(w.state())).setData(w.data());
    if (w.createdAt() != null) {
      b.setCreatedAt(TemplateGrpcService.timestamp(w.createdAt()));
    }
    if (w.updatedAt() != null) {
      b.setUpdatedAt(TemplateGrpcService.timestamp(w.updatedAt()));
    }
    return b.build();
  }

  public static WorkflowContext toProto(Context c) {
    return WorkflowContext.newBuilder().setWorkflowId(c.workflowId().toString()).setCurrentWorker(c.currentWorker())
        .setCurrentTask(c.currentTask()).setCurrentAction(c.currentAction()).setCurrentActionIndex(c.currentIndex())
        .setCurrentActionState(toProto(c.currentState())).setTotalNumberOfActions(c.totalActions()).build();
  }

  public static WorkflowActionStatus toProto(Event e) {
    return WorkflowActionStatus.newBuilder().setWorkflowId(e.workflowId().toString()).setTaskName(e.taskName())
        .setActionName(e.actionName()).setActionStatus(toProto(e.status())).setSeconds(e.seconds())
        .setMessage(e.message()).setCreatedAt(TemplateGrpcService.timestamp(e.createdAt()))
        .setWorkerId(e.workerId()).build();
  }

  static WorkflowAction toProto(PlannedAction a) {
    return WorkflowAction.newBuilder().setTaskName(a.taskName()).setName(a.name()).setImage(a.image())
        .setTimeout(a.timeoutSeconds()).addAllCommand(a.command()).addAllOnTimeout(a.onTimeout())
        .addAllOnFailure(a.onFailure()).setWorkerId(a.workerId()).addAllVolumes(a.volumes())
        .addAllEnvironment(a.environment()).setPid(a.pid()).build();
  }
}
