package io.tinkerjvm.hegel.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The EC2-style metadata tree of one machine, as path (below the version, no leading or trailing slash)
 * to body. Two shapes:
 * <ul>
 *   <li>{@link #legacy}: {@code /2009-04-04} exactly as Tinkerbell's Hegel serves it: listings without a
 *       slash on directories, {@code spot} only when the instance has one, a missing value as an empty 200;
 *   <li>{@link #current}: the versions cloud-init crawls today ({@code latest}, {@code 2021-03-23}, ...):
 *       the same values, EC2's listing style (directories end in {@code /}), plus {@code instance-type},
 *       {@code placement/} and {@code dynamic/instance-identity/document}.
 * </ul>
 * Every name a listing shows resolves, because cloud-init drops all of meta-data when one entry fails.
 */
public final class Ec2Tree {
  private Ec2Tree() {}

  /** The values both shapes share, from Tinkerbell's jq filters over the exported hardware. */
  private static Map<String, String> leaves(JsonNode hardware, String hardwareId) {
    JsonNode instance = hardware.path("metadata").path("instance");
    JsonNode os = instance.path("operating_system");
    Map<String, String> m = new HashMap<>();
    String id = JsonValues.render(instance.path("id"));
    // cloud-init needs a non-empty instance-id; the hardware id is the stable stand-in
    m.put("meta-data/instance-id", id.isEmpty() ? hardwareId : id);
    m.put("meta-data/hostname", JsonValues.render(instance.path("hostname")));
    m.put("meta-data/local-hostname", JsonValues.render(instance.path("hostname")));
    m.put("meta-data/iqn", JsonValues.render(instance.path("iqn")));
    m.put("meta-data/plan", JsonValues.render(instance.path("plan")));
    m.put("meta-data/facility", JsonValues.render(instance.path("facility")));
    m.put("meta-data/tags", JsonValues.lines(instance.path("tags")));
    m.put("meta-data/operating-system/slug", JsonValues.render(os.path("slug")));
    m.put("meta-data/operating-system/distro", JsonValues.render(os.path("distro")));
    m.put("meta-data/operating-system/version", JsonValues.render(os.path("version")));
    m.put("meta-data/operating-system/image_tag", JsonValues.render(os.path("image_tag")));
    m.put("meta-data/operating-system/license_activation/state",
        JsonValues.render(os.path("license_activation").path("state")));
    m.put("meta-data/public-keys", JsonValues.lines(instance.path("ssh_keys")));
    m.put("meta-data/spot/termination-time", JsonValues.render(instance.path("spot").path("termination_time")));
    m.put("meta-data/public-ipv4", addresses(instance, 4, true));
    m.put("meta-data/public-ipv6", addresses(instance, 6, true));
    m.put("meta-data/local-ipv4", addresses(instance, 4, false));
    m.put("user-data", JsonValues.render(hardware.path("metadata").path("userdata")));
    return m;
  }

  /** {@code .metadata.instance.network.addresses[]? | select(.address_family == F and .public == P) | .address} */
  private static String addresses(JsonNode instance, int family, boolean isPublic) {
    List<String> out = new ArrayList<>();
    for (JsonNode a : instance.path("network").path("addresses")) {
      JsonNode f = a.path("address_family");
      JsonNode p = a.path("public");
      if (f.isNumber() && f.asDouble() == family && p.isBoolean() && p.booleanValue() == isPublic
          && !a.path("address").isNull() && !a.path("address").isMissingNode()) {
        out.add(JsonValues.render(a.path("address")));
      }
    }
    return String.join("\n", out);
  }

  private static boolean hasSpot(JsonNode hardware) {
    JsonNode spot = hardware.path("metadata").path("instance").path("spot");
    return !spot.isMissingNode() && !spot.isNull();
  }

  public static Map<String, Body> legacy(JsonNode hardware, String hardwareId) {
    Map<String, Body> tree = new HashMap<>();
    leaves(hardware, hardwareId).forEach((k, v) -> tree.put(k, Body.text(v)));
    tree.put("", Body.text("meta-data\nuser-data"));
    List<String> metaData = new ArrayList<>(List.of("instance-id", "hostname", "local-hostname", "iqn", "plan",
        "facility", "tags", "operating-system", "public-keys", "public-ipv4", "public-ipv6", "local-ipv4"));
    if (hasSpot(hardware)) {
      metaData.add("spot");
    }
    tree.put("meta-data", listing(metaData));
    tree.put("meta-data/operating-system", listing(List.of("slug", "distro", "version", "license_activation",
        "image_tag")));
    tree.put("meta-data/operating-system/license_activation", Body.text("state"));
    tree.put("meta-data/spot", Body.text("termination-time"));
    return Map.copyOf(tree);
  }

  public static Map<String, Body> current(JsonNode hardware, String hardwareId) {
    Map<String, String> leaves = leaves(hardware, hardwareId);
    JsonNode instance = hardware.path("metadata").path("instance");
    // newer records keep these in metadata.facility; the 2009-04-04 shape stays as Tinkerbell had it
    JsonNode facilityObject = hardware.path("metadata").path("facility");
    if (leaves.get("meta-data/facility").isEmpty()) {
      leaves.put("meta-data/facility", JsonValues.render(facilityObject.path("facility_code")));
    }
    if (leaves.get("meta-data/plan").isEmpty()) {
      leaves.put("meta-data/plan", JsonValues.render(facilityObject.path("plan_slug")));
    }
    String facility = leaves.get("meta-data/facility");
    leaves.put("meta-data/instance-type", leaves.get("meta-data/plan"));
    leaves.put("meta-data/placement/availability-zone", facility);
    leaves.put("meta-data/placement/region", facility);
    if (!hasSpot(hardware)) {
      leaves.remove("meta-data/spot/termination-time");
    }
    ObjectNode identity = JsonNodeFactory.instance.objectNode();
    identity.put("instanceId", leaves.get("meta-data/instance-id"));
    identity.put("instanceType", leaves.get("meta-data/plan"));
    identity.put("availabilityZone", facility);
    identity.put("region", facility);
    identity.put("privateIp", firstLine(leaves.get("meta-data/local-ipv4")));
    identity.put("imageId", JsonValues.render(instance.path("operating_system").path("slug")));
    identity.put("architecture", architecture(hardware));
    identity.put("version", "2017-09-30");

    Map<String, Body> tree = new HashMap<>();
    leaves.forEach((k, v) -> tree.put(k, Body.text(v)));
    tree.put("dynamic/instance-identity/document", Body.json(JsonValues.prettySorted(identity)));
    // every directory lists its children, a child directory with a trailing slash
    Map<String, TreeMap<String, Boolean>> dirs = new HashMap<>();
    for (String path : tree.keySet()) {
      String child = path;
      int slash;
      while ((slash = child.lastIndexOf('/')) >= 0 || !child.isEmpty()) {
        String parent = slash < 0 ? "" : child.substring(0, slash);
        String name = slash < 0 ? child : child.substring(slash + 1);
        boolean isDir = !child.equals(path);
        dirs.computeIfAbsent(parent, p -> new TreeMap<>()).merge(name, isDir, Boolean::logicalOr);
        if (parent.isEmpty()) {
          break;
        }
        child = parent;
      }
    }
    dirs.forEach((dir, children) -> {
      StringBuilder b = new StringBuilder();
      children.forEach((name, isDir) -> b.append(b.isEmpty() ? "" : "\n").append(name).append(isDir ? "/" : ""));
      tree.put(dir, Body.text(b.toString()));
    });
    return Map.copyOf(tree);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** EC2's names (x86_64, arm64, i386) for the first interface's DHCP arch, when it has one. */
  private static String architecture(JsonNode hardware) {
    for (JsonNode iface : hardware.path("network").path("interfaces")) {
      String arch = iface.path("dhcp").path("arch").asText("");
      if (!arch.isEmpty()) {
        return switch (arch) {
          case "aarch64", "arm64" -> "arm64";
          case "x86", "i386", "i686" -> "i386";
          default -> arch;
        };
      }
    }
    return "";
  }

  private static Body listing(List<String> names) {
    return Body.text(String.join("\n", names.stream().sorted().toList()));
  }
}
