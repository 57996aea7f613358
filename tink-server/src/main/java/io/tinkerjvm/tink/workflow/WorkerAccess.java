package io.tinkerjvm.tink.workflow;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.proto.v1.WorkerContextsGrpc;
import io.tinkerjvm.runtime.grpc.CallerIdentity;
import io.tinkerjvm.runtime.grpc.CallerIdentity.Caller;
import java.util.Set;
import java.util.UUID;

/**
 * Who may make which call (docs/security.md). Three kinds of caller:
 * <ul>
 *   <li>a client with a certificate from the stack's CA (the CLI on the provisioner host, Boots, Hegel):
 *       everything;</li>
 *   <li>a machine with its per-boot credential: only the worker calls, and only for itself: its own
 *       contexts, and the actions, reports and data of workflows it takes part in (tink#218, tink#507);</li>
 *   <li>anyone else: the operator API, unless TLS is mutual; the worker calls only when
 *       {@code --worker-credential=optional} (a stock tink-worker, which sends no credential).</li>
 * </ul>
 * The interceptor sorts calls by method; the handlers check the worker id or workflow a call names.
 */
public final class WorkerAccess implements ServerInterceptor {
  /** The calls a worker makes; every other call of tink-server's services is an operator call. */
  static final Set<String> WORKER_METHODS = Set.of(
      WorkflowServiceGrpc.getGetWorkflowContextsMethod().getFullMethodName(),
      // an agent reads a workflow's context afresh before running it (and after a restart)
      WorkflowServiceGrpc.getGetWorkflowContextMethod().getFullMethodName(),
      WorkflowServiceGrpc.getGetWorkflowContextListMethod().getFullMethodName(),
      WorkflowServiceGrpc.getGetWorkflowActionsMethod().getFullMethodName(),
      WorkflowServiceGrpc.getReportActionStatusMethod().getFullMethodName(),
      WorkflowServiceGrpc.getGetWorkflowDataMethod().getFullMethodName(),
      WorkflowServiceGrpc.getGetWorkflowMetadataMethod().getFullMethodName(),
      WorkflowServiceGrpc.getGetWorkflowDataVersionMethod().getFullMethodName(),
      WorkflowServiceGrpc.getUpdateWorkflowDataMethod().getFullMethodName(),
      WorkerContextsGrpc.getWatchMethod().getFullMethodName());

  /** Workflow/worker pairs seen to be allowed: a workflow's workers never change, so a yes stays a yes. */
  private final Set<String> allowed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final int ALLOWED_CAP = 200_000;
  private final WorkflowRepository workflows;
  private final boolean credentialRequired;
  private final boolean operatorCertificateRequired;

  public WorkerAccess(WorkflowRepository workflows, boolean credentialRequired, boolean operatorCertificateRequired) {
    this.workflows = workflows;
    this.credentialRequired = credentialRequired;
    this.operatorCertificateRequired = operatorCertificateRequired;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Caller caller = CallerIdentity.current();
    String method = call.getMethodDescriptor().getFullMethodName();
    Status refused = null;
    if (!caller.certified()) {
      if (WORKER_METHODS.contains(method)) {
        if (!caller.isMachine() && credentialRequired) {
          refused = Status.UNAUTHENTICATED.withDescription("worker calls need the machine's credential "
              + "(authorization: Bearer <machine_credential> from its kernel command line) or a client certificate"
              + " from the stack's CA; tink-server --worker-credential=optional lets workers in without one");
        }
      } else if (caller.isMachine()) {
        refused = Status.PERMISSION_DENIED.withDescription("a machine credential allows only the worker calls, not "
            + call.getMethodDescriptor().getBareMethodName());
      } else if (operatorCertificateRequired) {
        refused = Status.UNAUTHENTICATED.withDescription("tls=mutual: operator calls need a client certificate "
            + "from the stack's CA (the tink CLI uses DATA/tls/admin.pem, or --tls-cert-file/--tls-key-file)");
      }
    }
    if (refused != null) {
      call.close(refused, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  /** A call that names a worker: a machine may name only itself. */
  static void checkWorker(String workerId) {
    Caller caller = CallerIdentity.current();
    if (caller.isMachine() && !caller.certified() && !caller.machine().equals(workerId)) {
      throw denied("this machine's credential is for worker " + caller.machine() + ", not " + workerId);
    }
  }

  /** A call that names a workflow: a machine may name only one it has an action in. */
  void checkWorkflow(UUID workflowId) {
    Caller caller = CallerIdentity.current();
    if (!caller.isMachine() || caller.certified()) {
      return;
    }
    String pair = workflowId + "/" + caller.machine();
    if (allowed.contains(pair)) {
      return;
    }
    if (!workflows.hasWorker(workflowId, caller.machine())) {
      throw denied("workflow " + workflowId + " has no action for worker " + caller.machine());
    }
    if (allowed.size() >= ALLOWED_CAP) {
      allowed.clear();
    }
    allowed.add(pair);
  }

  private static StatusRuntimeException denied(String message) {
    return Status.PERMISSION_DENIED.withDescription(message).asRuntimeException();
  }
}
