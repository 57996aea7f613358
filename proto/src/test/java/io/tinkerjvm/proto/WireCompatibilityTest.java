package io.tinkerjvm.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.tinkerjvm.proto.pbnj.v1.MachineProto;
import io.tinkerjvm.proto.pbnj.v1.TaskProto;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.HardwareProto;
import io.tinkerjvm.proto.tink.template.TemplateProto;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.WorkflowAction;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowProto;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Pins the names and numbers a real tink-worker, tink CLI or PBnJ client depends on (reference §1.1
 * and §4), so that an edit to a .proto that would break them fails the build.
 */
class WireCompatibilityTest {
  private static Map<String, Integer> fields(Descriptor d) {
    Map<String, Integer> out = new TreeMap<>();
    for (FieldDescriptor f : d.getFields()) {
      out.put(f.getName(), f.getNumber());
    }
    return out;
  }

  private static Map<String, Integer> values(EnumDescriptor e) {
    Map<String, Integer> out = new TreeMap<>();
    e.getValues().forEach(v -> out.put(v.getName(), v.getNumber()));
    return out;
  }

  private static List<String> methods(ServiceDescriptor s) {
    return s.getMethods().stream().map(m -> m.getName() + "(" + m.getInputType().getName() + ")"
        + (m.isServerStreaming() ? "→stream " : "→") + m.getOutputType().getName()).toList();
  }

  @Test
  void hardwareServiceMatchesTinkV07() {
    ServiceDescriptor s = HardwareProto.getDescriptor().findServiceByName("HardwareService");
    assertEquals("github.com.tinkerbell.tink.protos.hardware.HardwareService", s.getFullName());
    assertEquals(List.of("Push(PushRequest)→Empty", "ByMAC(GetRequest)→Hardware", "ByIP(GetRequest)→Hardware",
        "ByID(GetRequest)→Hardware", "All(Empty)→stream Hardware", "DeprecatedWatch(GetRequest)→stream Hardware",
        "Delete(DeleteRequest)→Empty"), methods(s));
    assertEquals(Map.of("network", 6, "id", 7, "version", 8, "metadata", 9), fields(Hardware.getDescriptor()));
    assertEquals(Map.of("mac", 1, "hostname", 3, "lease_time", 4, "name_servers", 5, "time_servers", 6, "arch", 8,
        "uefi", 9, "iface_name", 10, "ip", 11), fields(Hardware.DHCP.getDescriptor()));
    assertEquals(Map.of("address", 1, "netmask", 2, "gateway", 3, "family", 4), fields(Hardware.DHCP.IP.getDescriptor()));
    assertEquals(Map.of("allow_pxe", 1, "allow_workflow", 2, "ipxe", 3, "osie", 5), fields(Hardware.Netboot.getDescriptor()));
    assertEquals(Map.of("interfaces", 3), fields(Hardware.Network.getDescriptor()));
    assertEquals(Map.of("mac", 1, "ip", 2, "id", 3),
        fields(HardwareProto.getDescriptor().findMessageTypeByName("GetRequest")));
  }

  @Test
  void templateServiceMatchesTinkV07() {
    ServiceDescriptor s = TemplateProto.getDescriptor().findServiceByName("TemplateService");
    assertEquals("github.com.tinkerbell.tink.protos.template.TemplateService", s.getFullName());
    assertEquals(Map.of("id", 1, "name", 2, "created_at", 4, "updated_at", 5, "deleted_at", 6, "data", 7),
        fields(WorkflowTemplate.getDescriptor()));
    assertEquals(Map.of("id", 1, "name", 2), fields(TemplateProto.getDescriptor().findMessageTypeByName("GetRequest")));
  }

  @Test
  void workflowServiceMatchesTinkV07() {
    ServiceDescriptor s = WorkflowProto.getDescriptor().findServiceByName("WorkflowService");
    assertEquals("github.com.tinkerbell.tink.protos.workflow.WorkflowService", s.getFullName());
    assertEquals(14, s.getMethods().size());
    assertEquals(Map.of("STATE_PENDING", 0, "STATE_RUNNING", 1, "STATE_FAILED", 2, "STATE_TIMEOUT", 3, "STATE_SUCCESS", 4),
        values(WorkflowProto.getDescriptor().findEnumTypeByName("State")));
    assertEquals(Map.of("workflow_id", 1, "current_worker", 2, "current_task", 3, "current_action", 4,
        "current_action_index", 5, "current_action_state", 6, "total_number_of_actions", 7),
        fields(WorkflowContext.getDescriptor()));
    assertEquals(Map.of("workflow_id", 1, "task_name", 2, "action_name", 3, "action_status", 4, "seconds", 5,
        "message", 6, "created_at", 7, "worker_id", 8), fields(WorkflowActionStatus.getDescriptor()));
    Map<String, Integer> action = new TreeMap<>(Map.of("task_name", 1, "name", 2, "image", 3, "timeout", 4,
        "command", 5, "on_timeout", 6, "on_failure", 7, "worker_id", 8, "volumes", 9, "environment", 10));
    action.put("pid", 11);
    assertEquals(action, fields(WorkflowAction.getDescriptor()));
  }

  @Test
  void pbnjMatchesApiV1() {
    assertEquals("github.com.tinkerbell.pbnj.api.v1.Machine",
        MachineProto.getDescriptor().findServiceByName("Machine").getFullName());
    assertEquals(Map.of("POWER_ACTION_UNSPECIFIED", 0, "POWER_ACTION_ON", 1, "POWER_ACTION_OFF", 2,
        "POWER_ACTION_HARDOFF", 3, "POWER_ACTION_CYCLE", 4, "POWER_ACTION_RESET", 5, "POWER_ACTION_STATUS", 6),
        values(MachineProto.getDescriptor().findEnumTypeByName("PowerAction")));
    assertEquals(Map.of("BOOT_DEVICE_UNSPECIFIED", 0, "BOOT_DEVICE_NONE", 1, "BOOT_DEVICE_BIOS", 2,
        "BOOT_DEVICE_CDROM", 4, "BOOT_DEVICE_DISK", 5, "BOOT_DEVICE_PXE", 6),
        values(MachineProto.getDescriptor().findEnumTypeByName("BootDevice")));
    assertEquals(Map.of("authn", 1, "vendor", 2, "boot_device", 3, "persistent", 4, "efi_boot", 5),
        fields(MachineProto.getDescriptor().findMessageTypeByName("DeviceRequest")));
    assertEquals(Map.of("id", 1, "description", 2, "error", 3, "state", 4, "result", 5, "complete", 6, "messages", 7),
        fields(TaskProto.getDescriptor().findMessageTypeByName("StatusResponse")));
  }
}
