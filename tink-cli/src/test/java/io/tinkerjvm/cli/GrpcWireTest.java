package io.tinkerjvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.template.TemplateServiceGrpc;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.proto.v1.WorkflowEventsGrpc;
import org.junit.jupiter.api.Test;

/** The CLI writes method names out by hand to start fast; they must be the generated ones, byte for byte. */
class GrpcWireTest {
  @Test
  void methodNamesMatchTheGeneratedDescriptors() {
    assertEquals(HardwareServiceGrpc.getPushMethod().getFullMethodName(), Rpc.HARDWARE_PUSH);
    assertEquals(HardwareServiceGrpc.getByMACMethod().getFullMethodName(), Rpc.HARDWARE_BY_MAC);
    assertEquals(HardwareServiceGrpc.getByIPMethod().getFullMethodName(), Rpc.HARDWARE_BY_IP);
    assertEquals(HardwareServiceGrpc.getByIDMethod().getFullMethodName(), Rpc.HARDWARE_BY_ID);
    assertEquals(HardwareServiceGrpc.getAllMethod().getFullMethodName(), Rpc.HARDWARE_ALL);
    assertEquals(HardwareServiceGrpc.getDeleteMethod().getFullMethodName(), Rpc.HARDWARE_DELETE);
    assertEquals(TemplateServiceGrpc.getCreateTemplateMethod().getFullMethodName(), Rpc.TEMPLATE_CREATE);
    assertEquals(TemplateServiceGrpc.getGetTemplateMethod().getFullMethodName(), Rpc.TEMPLATE_GET);
    assertEquals(TemplateServiceGrpc.getDeleteTemplateMethod().getFullMethodName(), Rpc.TEMPLATE_DELETE);
    assertEquals(TemplateServiceGrpc.getListTemplatesMethod().getFullMethodName(), Rpc.TEMPLATE_LIST);
    assertEquals(TemplateServiceGrpc.getUpdateTemplateMethod().getFullMethodName(), Rpc.TEMPLATE_UPDATE);
    assertEquals(WorkflowServiceGrpc.getCreateWorkflowMethod().getFullMethodName(), Rpc.WORKFLOW_CREATE);
    assertEquals(WorkflowServiceGrpc.getGetWorkflowMethod().getFullMethodName(), Rpc.WORKFLOW_GET);
    assertEquals(WorkflowServiceGrpc.getDeleteWorkflowMethod().getFullMethodName(), Rpc.WORKFLOW_DELETE);
    assertEquals(WorkflowServiceGrpc.getListWorkflowsMethod().getFullMethodName(), Rpc.WORKFLOW_LIST);
    assertEquals(WorkflowServiceGrpc.getGetWorkflowContextMethod().getFullMethodName(), Rpc.WORKFLOW_CONTEXT);
    assertEquals(WorkflowServiceGrpc.getShowWorkflowEventsMethod().getFullMethodName(), Rpc.WORKFLOW_EVENTS);
    assertEquals(WorkflowServiceGrpc.getGetWorkflowDataMethod().getFullMethodName(), Rpc.WORKFLOW_DATA);
    assertEquals(WorkflowServiceGrpc.getGetWorkflowMetadataMethod().getFullMethodName(), Rpc.WORKFLOW_METADATA);
    assertEquals(WorkflowServiceGrpc.getGetWorkflowDataVersionMethod().getFullMethodName(), Rpc.WORKFLOW_DATA_VERSION);
    assertEquals(WorkflowServiceGrpc.getGetWorkflowActionsMethod().getFullMethodName(), Rpc.WORKFLOW_ACTIONS);
    assertEquals(WorkflowEventsGrpc.getWatchMethod().getFullMethodName(), Rpc.WORKFLOW_EVENTS_WATCH);
  }
}
