package io.tinkerjvm.boots.hardware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What Boots needs to know about one network interface of one machine: its reservation, whether it may
 * netboot, and the fields its iPXE script is rendered from. Built from a Tinkerbell hardware record.
 */
public record Machine(
    String hardwareId,
    String mac,
    String ip,
    String netmask,
    String gateway,
    String hostname,
    long leaseTimeSeconds,
    List<String> nameServers,
    List<String> timeServers,
    String arch,
    boolean uefi,
    boolean allowPxe,
    boolean allowWorkflow,
    String ipxeUrl,
    String ipxeContents,
    String osieBaseUrl,
    String osieKernel,
    String osieInitrd,
    String facility,
    String instanceId,
    String state) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One entry per interface that has a MAC; fields the record leaves out are empty strings or zero. */
  public static List<Machine> fromHardware(Hardware hw) {
    JsonNode meta = parseMetadata(hw.getMetadata());
    String instanceHostname = text(meta, "instance", "hostname");
    List<Machine> out = new ArrayList<>();
    for (Hardware.Network.Interface nic : hw.getNetwork().getInterfacesList()) {
      Hardware.DHCP dhcp = nic.getDhcp();
      if (dhcp.getMac().isBlank()) {
        continue;
      }
      Hardware.Netboot nb = nic.getNetboot();
      String hostname = dhcp.getHostname().isBlank() ? instanceHostname : dhcp.getHostname();
      out.add(new Machine(hw.getId(), dhcp.getMac().toLowerCase(Locale.ROOT), dhcp.getIp().getAddress(),
          dhcp.getIp().getNetmask(), dhcp.getIp().getGateway(), hostname, dhcp.getLeaseTime(),
          List.copyOf(dhcp.getNameServersList()), List.copyOf(dhcp.getTimeServersList()), dhcp.getArch(),
          dhcp.getUefi(), nb.getAllowPxe(), nb.getAllowWorkflow(), nb.getIpxe().getUrl(),
          nb.getIpxe().getContents(), nb.getOsie().getBaseUrl(), nb.getOsie().getKernel(),
          nb.getOsie().getInitrd(), text(meta, "facility", "facility_code"), text(meta, "instance", "id"),
          text(meta, "state")));
    }
    return out;
  }

  private static JsonNode parseMetadata(String metadata) {
    if (metadata == null || metadata.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(metadata);
    } catch (Exception e) {
      // tink-server validates metadata as JSON; a file backend may not, and a bad one only loses these extras.
      return JSON.createObjectNode();
    }
  }

  private static String text(JsonNode node, String... path) {
    JsonNode n = node;
    for (String p : path) {
      n = n == null ? null : n.get(p);
    }
    return n == null || !n.isValueNode() ? "" : n.asText();
  }

  /** The OSIE architecture name used in file names: x86_64 or aarch64. */
  public String osieArch() {
    String a = arch.toLowerCase(Locale.ROOT);
    return a.contains("arm") || a.contains("aarch64") ? "aarch64" : "x86_64";
  }

  public boolean hasAddress() {
    return !ip.isBlank();
  }
}
