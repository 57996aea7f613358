package io.tinkerjvm.hegel.metadata;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.hardware.HardwareExport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything Hegel can answer for one machine, made once when its hardware record arrives, so that a
 * request costs two map lookups.
 *
 * @param ips the addresses the machine may ask from: each interface's DHCP address and
 *     metadata.instance.ip_addresses, as tink-server's ByIP matches them
 */
public record MachineMetadata(String hardwareId, List<String> ips, Map<String, Body> legacyEc2,
    Map<String, Body> currentEc2, Map<String, Body> noCloud, Map<String, Body> custom) {

  public static MachineMetadata of(Hardware hw, List<CustomEndpoint> endpoints) {
    HardwareDocument doc = HardwareDocument.validate(hw);
    ObjectNode export = HardwareExport.export(doc.hardware());
    String id = doc.id().toString();
    Map<String, Body> current = Ec2Tree.current(export, id);
    Map<String, Body> custom = new HashMap<>();
    for (CustomEndpoint e : endpoints) {
      custom.put(e.path(), e.apply(export));
    }
    return new MachineMetadata(id, doc.ips(), Ec2Tree.legacy(export, id), current, NoCloud.seed(export, current),
        Map.copyOf(custom));
  }
}
