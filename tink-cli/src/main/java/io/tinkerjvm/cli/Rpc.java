package io.tinkerjvm.cli;

/**
 * Full gRPC method names, written out so that a call costs no grpc-java class loading. A test checks each against
 * the generated service descriptors.
 */
final class Rpc {
  private static final String HW = "github.com.tinkerbell.tink.protos.hardware.HardwareService/";
  private static final String TPL = "github.com.tinkerbell.tink.protos.template.TemplateService/";
  private static final String WF = "github.com.tinkerbell.tink.protos.workflow.WorkflowService/";

  static final String HARDWARE_PUSH = HW + "Push";
  static final String HARDWARE_BY_MAC = HW + "ByMAC";
  static final String HARDWARE_BY_IP = HW + "ByIP";
  static final String HARDWARE_BY_ID = HW + "ByID";
  static final String HARDWARE_ALL = HW + "All";
  static final String HARDWARE_DELETE = HW + "Delete";

  static final String TEMPLATE_CREATE = TPL + "CreateTemplate";
  static final String TEMPLATE_GET = TPL + "GetTemplate";
  static final String TEMPLATE_DELETE = TPL + "DeleteTemplate";
  static final String TEMPLATE_LIST = TPL + "ListTemplates";
  static final String TEMPLATE_UPDATE = TPL + "UpdateTemplate";

  static final String WORKFLOW_CREATE = WF + "CreateWorkflow";
  static final String WORKFLOW_GET = WF + "GetWorkflow";
  static final String WORKFLOW_DELETE = WF + "DeleteWorkflow";
  static final String WORKFLOW_LIST = WF + "ListWorkflows";
  static final String WORKFLOW_CONTEXT = WF + "GetWorkflowContext";
  static final String WORKFLOW_EVENTS = WF + "ShowWorkflowEvents";
  static final String WORKFLOW_DATA = WF + "GetWorkflowData";
  static final String WORKFLOW_METADATA = WF + "GetWorkflowMetadata";
  static final String WORKFLOW_DATA_VERSION = WF + "GetWorkflowDataVersion";
  static final String WORKFLOW_ACTIONS = WF + "GetWorkflowActions";

  static final String WORKFLOW_EVENTS_WATCH = "tinkerjvm.v1.WorkflowEvents/Watch";

  private Rpc() {}
}
