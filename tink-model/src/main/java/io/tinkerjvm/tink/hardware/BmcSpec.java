package io.tinkerjvm.tink.hardware;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * A machine's BMC, given in its hardware record as {@code metadata.bmc} (Tinkerbell's record has no place
 * for one, pbnj#121). tink-server keeps the password sealed in a table of its own and stores the record
 * with {@code <redacted>} in its place; a push without a password (or with {@code <redacted>}) keeps the
 * stored one. {@code address} is read as {@code host}, and other keys stay in the record untouched, as
 * inventories already carry a {@code bmc} object of their own; a key that looks like a second secret is
 * refused, since it would be stored in clear.
 *
 * <pre>"bmc": {"host": "10.0.0.5", "port": 623, "username": "admin", "password": "...", "vendor": "supermicro",
 *         "efi": false, "netboot_on_workflow": true, "boot_disk_on_success": true}</pre>
 */
public record BmcSpec(String host, int port, String username, String password, String vendor, boolean efi,
    boolean netbootOnWorkflow, boolean bootDiskOnSuccess) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KEYS = Set.of("host", "address", "port", "username", "password", "vendor",
      "efi", "netboot_on_workflow", "boot_disk_on_success");

  /** The BMC in a record's metadata JSON, if it has one; every problem names its key. */
  public static Optional<BmcSpec> fromMetadata(String metadata) {
    return from(parse(metadata));
  }

  /** The same, from metadata already parsed (null for none). */
  public static Optional<BmcSpec> from(JsonNode root) {
    JsonNode bmc = root == null ? null : root.get("bmc");
    if (bmc == null || bmc.isNull()) {
      return Optional.empty();
    }
    if (!bmc.isObject()) {
      throw new InvalidArgumentException("metadata.bmc must be an object with host, username and password");
    }
    for (Iterator<String> it = bmc.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key) && Secrets.isSecretKey(key)) {
        throw new InvalidArgumentException("metadata.bmc." + key + " looks like a secret, and only "
            + "metadata.bmc.password is kept sealed: it would be stored in clear");
      }
    }
    if (bmc.has("host") && bmc.has("address")) {
      throw new InvalidArgumentException("metadata.bmc has both host and address: give one");
    }
    String host = text(bmc, bmc.has("address") ? "address" : "host", true);
    if (!host.matches("[A-Za-z0-9.:_%\\[\\]/-]+")) {
      throw new InvalidArgumentException("metadata.bmc.host '" + host + "' is not a host name, IP address or "
          + "https:// URL");
    }
    int port = 0;
    if (bmc.has("port") && !bmc.get("port").isNull()) {
      JsonNode p = bmc.get("port");
      if (!p.canConvertToInt() || !p.isIntegralNumber() || p.asInt() < 1 || p.asInt() > 65535) {
        throw new InvalidArgumentException("metadata.bmc.port must be a number from 1 to 65535, got " + p);
      }
      port = p.asInt();
    }
    String username = text(bmc, "username", true);
    String password = bmc.has("password") && !bmc.get("password").isNull() ? text(bmc, "password", false) : null;
    if (password != null && (password.isEmpty() || password.equals(Secrets.REDACTED))) {
      password = null;
    }
    String vendor = bmc.has("vendor") ? text(bmc, "vendor", false) : "";
    if (!vendor.matches("[A-Za-z0-9_-]{0,32}")) {
      throw new InvalidArgumentException("metadata.bmc.vendor '" + vendor + "' is not a vendor name");
    }
    return Optional.of(new BmcSpec(host, port, username, password, vendor, bool(bmc, "efi", false),
        bool(bmc, "netboot_on_workflow", true), bool(bmc, "boot_disk_on_success", true)));
  }

  /** The metadata JSON as stored: the same, with {@code <redacted>} for a {@code bmc.password} it carries. */
  public static String withoutPassword(String metadata) {
    JsonNode root = parse(metadata);
    if (root != null && root.get("bmc") instanceof ObjectNode bmc && bmc.has("password")
        && !bmc.get("password").isNull() && !bmc.get("password").asText().isEmpty()) {
      bmc.put("password", Secrets.REDACTED);
      return root.toString();
    }
    return metadata;
  }

  /** The host as PBnJ takes it: with the port when one was given. */
  public String pbnjHost() {
    if (port == 0) {
      return host;
    }
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return "BmcSpec[" + username + "@" + pbnjHost() + ", vendor=" + vendor + "]";
  }

  private static JsonNode parse(String metadata) {
    if (metadata == null || metadata.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(metadata);
    } catch (JsonProcessingException e) {
      throw new InvalidArgumentException("metadata is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static String text(JsonNode bmc, String key, boolean required) {
    JsonNode v = bmc.get(key);
    if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
      if (required) {
        throw new InvalidArgumentException("metadata.bmc." + (key.equals("address") ? "host" : key) + " is required");
      }
      return "";
    }
    if (!v.isTextual()) {
      throw new InvalidArgumentException("metadata.bmc." + key + " must be a string");
    }
    return v.asText().trim();
  }

  private static boolean bool(JsonNode bmc, String key, boolean fallback) {
    JsonNode v = bmc.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new InvalidArgumentException("metadata.bmc." + key + " must be true or false");
    }
    return v.asBoolean();
  }
}
