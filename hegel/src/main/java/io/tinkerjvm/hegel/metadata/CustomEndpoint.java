package io.tinkerjvm.hegel.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.runtime.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of Hegel's custom endpoints ({@code CUSTOM_ENDPOINTS}, default {@code {"/metadata":".metadata.instance"}}):
 * a path answered with part of the exported hardware. Tinkerbell takes any jq program there; every
 * configuration we know uses a plain path, so that is what we take: {@code .} or {@code .a.b} (keys may be
 * quoted: {@code ."a-b"}). Anything else is refused at start with the filter named.
 */
public record CustomEndpoint(String path, String filter, List<String> keys) {
  private static final Pattern STEP = Pattern.compile("\\.(?:([A-Za-z_][A-Za-z0-9_]*)|\"([^\"\\\\]*)\")");

  public static final String DEFAULT = "{\"/metadata\":\".metadata.instance\",\"/hardware\":\".\"}";

  /** The JSON object of path to filter; errors name the setting and what is wrong. */
  public static List<CustomEndpoint> parseAll(String setting, String json) {
    JsonNode node;
    try {
      node = new ObjectMapper().readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new Config.ConfigException(setting + " is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new Config.ConfigException(setting + " must be a JSON object of path to filter, e.g. " + DEFAULT);
    }
    Map<String, CustomEndpoint> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isTextual()) {
        throw new Config.ConfigException(setting + ": the filter for " + e.getKey() + " must be a string");
      }
      out.put(e.getKey(), parse(setting, e.getKey(), e.getValue().asText()));
    }
    return List.copyOf(out.values());
  }

  static CustomEndpoint parse(String setting, String path, String filter) {
    if (!path.startsWith("/") || path.length() < 2 || path.endsWith("/") || path.contains("//")) {
      throw new Config.ConfigException(setting + ": '" + path + "' is not a path like /metadata");
    }
    String f = filter.trim();
    List<String> keys = new ArrayList<>();
    if (!f.equals(".") && !f.isEmpty()) {
      Matcher m = STEP.matcher(f);
      int at = 0;
      while (at < f.length() && m.find(at) && m.start() == at) {
        keys.add(m.group(1) != null ? m.group(1) : m.group(2));
        at = m.end();
      }
      if (at != f.length()) {
        throw new Config.ConfigException(setting + ": the filter '" + filter + "' for " + path
            + " is not supported: use '.' or a path of keys like .metadata.instance");
      }
    }
    return new CustomEndpoint(path, filter, List.copyOf(keys));
  }

  /** Null or missing gives an empty body, as in Tinkerbell. */
  public Body apply(JsonNode hardware) {
    JsonNode v = hardware;
    for (String k : keys) {
      v = v.path(k);
    }
    String text = JsonValues.render(v);
    return v.isContainerNode() ? Body.json(text) : Body.text(text);
  }
}
