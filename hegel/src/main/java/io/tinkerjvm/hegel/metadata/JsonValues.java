package io.tinkerjvm.hegel.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;

/**
 * Values written the way Tinkerbell's Hegel writes a jq result: a string as its raw text, null or missing
 * as nothing, anything else as compact JSON with its keys sorted (Go's encoding/json), one value per line.
 */
final class JsonValues {
  private static final ObjectMapper SORTED = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private JsonValues() {}

  static String render(JsonNode value) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return "";
    }
    if (value.isTextual()) {
      return value.asText();
    }
    return compactSorted(value);
  }

  /** {@code .x[]?}: each element on its own line; nothing when x is not an array. */
  static String lines(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null && array.isArray()) {
      for (JsonNode item : array) {
        if (!item.isNull()) {
          out.add(render(item));
        }
      }
    }
    return String.join("\n", out);
  }

  static String compactSorted(JsonNode value) {
    try {
      return SORTED.writeValueAsString(SORTED.treeToValue(value, Object.class));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always prints", e);
    }
  }

  static String prettySorted(JsonNode value) {
    try {
      return SORTED.writerWithDefaultPrettyPrinter().writeValueAsString(SORTED.treeToValue(value, Object.class));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always prints", e);
    }
  }
}
