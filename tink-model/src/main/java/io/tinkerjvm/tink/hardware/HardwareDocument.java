package io.tinkerjvm.tink.hardware;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A hardware record checked and normalised for storage: a UUID id, lowercased unique MACs, valid
 * IP addresses, and metadata that is a JSON document. Knows nothing of gRPC or SQL.
 */
public record HardwareDocument(UUID id, Hardware hardware, List<String> macs, List<String> ips,
    Optional<BmcSpec> bmc) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern MAC = Pattern.compile("^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$");
  private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  /** Validates what a client pushed; every failure names the field. */
  /**
   * Reads hardware JSON as operators write it (reference §1.6): proto field names, {@code metadata} as an object or
   * as a string holding JSON. Unknown keys are ignored, as Tinkerbell's CLI does. {@code source} names the file in
   * errors.
   */
  public static Hardware parsePushed(String json, String source) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidArgumentException(source + ": not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
    if (node == null || !node.isObject()) {
      throw new InvalidArgumentException(source + ": hardware data must be a JSON object");
    }
    JsonNode metadata = node.get("metadata");
    if (metadata != null && metadata.isObject()) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) node).put("metadata", metadata.toString());
    } else if (metadata != null && !metadata.isTextual() && !metadata.isNull()) {
      throw new InvalidArgumentException(source + ": metadata must be a JSON object or a string holding one");
    }
    Hardware.Builder b = Hardware.newBuilder();
    try {
      PARSER.merge(node.toString(), b);
    } catch (InvalidProtocolBufferException e) {
      // JsonFormat gives no message for some wrong types, e.g. a list where a string belongs
      String why = e.getMessage() == null ? "a field holds a list or object where a value belongs" : e.getMessage();
      throw new InvalidArgumentException(source + ": " + why);
    }
    return b.build();
  }

  public static HardwareDocument validate(Hardware pushed) {
    if (pushed == null || pushed.equals(Hardware.getDefaultInstance())) {
      throw new InvalidArgumentException("hardware data is empty: a record needs at least an id");
    }
    UUID id = parseId(pushed.getId(), "hardware id");
    Hardware.Builder b = pushed.toBuilder();
    Set<String> macs = new LinkedHashSet<>();
    Set<String> ips = new LinkedHashSet<>();
    for (int i = 0; i < b.getNetwork().getInterfacesCount(); i++) {
      Hardware.Network.Interface.Builder iface = b.getNetworkBuilder().getInterfacesBuilder(i);
      String field = "network.interfaces[" + i + "].dhcp";
      if (!iface.hasDhcp()) {
        continue;
      }
      Hardware.DHCP.Builder dhcp = iface.getDhcpBuilder();
      if (!dhcp.getMac().isEmpty()) {
        String mac = normalizeMac(dhcp.getMac(), field + ".mac");
        if (!macs.add(mac)) {
          throw new InvalidArgumentException(field + ".mac " + mac + " appears twice in this record");
        }
        dhcp.setMac(mac);
      }
      if (dhcp.hasIp() && !dhcp.getIp().getAddress().isEmpty()) {
        ips.add(normalizeIp(dhcp.getIp().getAddress(), field + ".ip.address"));
      }
    }
    String metadata = b.getMetadata();
    Optional<BmcSpec> bmc = Optional.empty();
    if (!metadata.isBlank()) {
      JsonNode node = parseMetadata(metadata);
      // read here, so that the CLI refuses a bad metadata.bmc before it pushes any record
      bmc = BmcSpec.from(node);
      JsonNode addresses = node.path("instance").path("ip_addresses");
      if (!addresses.isMissingNode() && !addresses.isNull() && !addresses.isArray()) {
        // size() of an object counts its keys, and get(i) of an object is null
        throw new InvalidArgumentException("metadata.instance.ip_addresses must be a list of {\"address\": ...}");
      }
      for (int i = 0; i < addresses.size(); i++) {
        String address = addresses.get(i).path("address").asText("");
        if (!address.isEmpty()) {
          ips.add(normalizeIp(address, "metadata.instance.ip_addresses[" + i + "].address"));
        }
      }
    }
    b.setId(id.toString());
    return new HardwareDocument(id, b.build(), List.copyOf(macs), List.copyOf(new ArrayList<>(ips)), bmc);
  }

  public static UUID parseId(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new InvalidArgumentException(what + " is required");
    }
    try {
      UUID id = UUID.fromString(value.trim());
      if (!id.toString().equalsIgnoreCase(value.trim())) {
        throw new IllegalArgumentException();
      }
      return id;
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException(what + " '" + value + "' is not a UUID");
    }
  }

  /** 08:00:27:00:00:01, also accepted with dashes or upper case. */
  public static String normalizeMac(String value, String field) {
    String mac = value.trim().toLowerCase();
    if (!MAC.matcher(mac).matches()) {
      throw new InvalidArgumentException(field + " '" + value + "' is not a MAC address (like 08:00:27:00:00:01)");
    }
    return mac.replace('-', ':');
  }

  public static boolean looksLikeMac(String value) {
    return value != null && MAC.matcher(value.trim().toLowerCase()).matches();
  }

  /** A literal IPv4 or IPv6 address in canonical form; host names are refused, never resolved. */
  public static String normalizeIp(String value, String field) {
    String v = value.trim();
    try {
      if (IPV4.matcher(v).matches()) {
        byte[] octets = ipv4Octets(v);
        if (octets != null) {
          return InetAddress.getByAddress(octets).getHostAddress();
        }
      } else if (v.indexOf(':') >= 0 && v.matches("^[0-9a-fA-F:.]+$")) {
        // In brackets the JDK parses an IPv6 literal or fails; bare, a string it cannot parse (".::1") is
        // looked up in DNS.
        return InetAddress.getByName("[" + v + "]").getHostAddress();
      }
    } catch (UnknownHostException e) {
      // fall through to the error below
    }
    throw new InvalidArgumentException(field + " '" + value + "' is not an IP address");
  }

  /**
   * The four octets of a dotted quad, or null when one is over 255 or has a leading zero (which some parsers read as
   * octal). InetAddress.getByName sends "256.1.1.1" to DNS as a host name, so the quad is read here.
   */
  private static byte[] ipv4Octets(String quad) {
    String[] parts = quad.split("\\.");
    byte[] octets = new byte[4];
    for (int i = 0; i < 4; i++) {
      int n = Integer.parseInt(parts[i]); // 1 to 3 ASCII digits: the pattern checked that
      if (n > 255 || (parts[i].length() > 1 && parts[i].charAt(0) == '0')) {
        return null;
      }
      octets[i] = (byte) n;
    }
    return octets;
  }

  private static JsonNode parseMetadata(String metadata) {
    try {
      JsonNode node = JSON.readTree(metadata);
      if (node == null || !node.isObject()) {
        throw new InvalidArgumentException("metadata must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidArgumentException("metadata is not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
  }

  /** The stored form: Tinkerbell's proto JSON with snake_case names. */
  public String toJson() {
    return toJson(hardware);
  }

  public static String toJson(Hardware hardware) {
    try {
      return PRINTER.print(hardware);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Hardware fromJson(String json, long revision) {
    Hardware.Builder b = Hardware.newBuilder();
    try {
      PARSER.merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored hardware is not readable: " + e.getMessage(), e);
    }
    return b.setVersion(revision).build();
  }
}
