package io.tinkerjvm.hegel.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.Map;

/**
 * cloud-init's NoCloud-net seed: {@code meta-data} (YAML), {@code user-data} and {@code vendor-data}. Each
 * answers 200, empty where there is nothing, because cloud-init retries anything else ten times and then
 * gives up on the whole seed.
 */
public final class NoCloud {
  public static final String META_DATA = "meta-data";
  public static final String USER_DATA = "user-data";
  public static final String VENDOR_DATA = "vendor-data";

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .build());

  private NoCloud() {}

  public static Map<String, Body> seed(JsonNode hardware, Map<String, Body> ec2) {
    ObjectNode meta = YAML.createObjectNode();
    meta.put("instance-id", ec2.get("meta-data/instance-id").string());
    String hostname = ec2.get("meta-data/local-hostname").string();
    if (!hostname.isEmpty()) {
      meta.put("local-hostname", hostname);
    }
    JsonNode keys = hardware.path("metadata").path("instance").path("ssh_keys");
    if (keys.isArray() && !keys.isEmpty()) {
      ArrayNode list = meta.putArray("public-keys");
      keys.forEach(k -> list.add(JsonValues.render(k)));
    }
    String yaml;
    try {
      yaml = YAML.writeValueAsString(meta);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a YAML tree always prints", e);
    }
    return Map.of(
        META_DATA, new Body(Body.text(yaml).bytes(), "text/yaml; charset=utf-8"),
        USER_DATA, ec2.get("user-data"),
        VENDOR_DATA, Body.text(JsonValues.render(hardware.path("metadata").path("vendordata"))));
  }
}
