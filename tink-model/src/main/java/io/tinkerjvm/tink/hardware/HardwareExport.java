package io.tinkerjvm.tink.hardware;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import java.util.Map;
import java.util.Set;

/**
 * A hardware record as Tinkerbell shows it (tink's HardwareWrapper): snake_case proto JSON, empty fields
 * left out, int64s as JSON numbers, and {@code metadata} as the object that was pushed rather than a string.
 */
public final class HardwareExport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();
  /** The int64 fields of Tinkerbell's hardware and workflow messages, which proto JSON writes as strings. */
  private static final Set<String> INT64_FIELDS = Set.of(
      "lease_time", "family", "version", "seconds", "current_action_index", "total_number_of_actions", "timeout");

  private HardwareExport() {}

  /** Metadata that is not valid JSON stays a string (tink-server refuses such pushes, a file might not). */
  public static ObjectNode export(Hardware hw) {
    ObjectNode node;
    try {
      node = (ObjectNode) int64AsNumbers(JSON.readTree(PRINTER.print(hw.toBuilder().clearMetadata().build())));
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("cannot print hardware " + hw.getId() + " as JSON", e);
    }
    if (!hw.getMetadata().isBlank()) {
      try {
        node.set("metadata", JSON.readTree(hw.getMetadata()));
      } catch (JsonProcessingException e) {
        node.put("metadata", hw.getMetadata());
      }
    }
    return node;
  }

  /** Proto JSON writes int64 as strings; Tinkerbell's Go JSON writes numbers. Changes {@code node} in place. */
  public static JsonNode int64AsNumbers(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> f : object.properties()) {
        if (INT64_FIELDS.contains(f.getKey()) && f.getValue().isTextual()
            && f.getValue().asText().matches("-?\\d{1,18}")) {
          f.setValue(object.numberNode(Long.parseLong(f.getValue().asText())));
        } else {
          int64AsNumbers(f.getValue());
        }
      }
    } else if (node != null && node.isArray()) {
      node.forEach(HardwareExport::int64AsNumbers);
    }
    return node;
  }
}
