package io.tinkerjvm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.tink.hardware.Secrets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Messages as people and scripts read them: proto field names, RFC 3339 times, metadata as JSON, no secrets. */
final class Protos {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Protos() {}

  private static final java.util.Set<String> INT64_FIELDS = java.util.Set.of(
      "lease_time", "family", "version", "seconds", "current_action_index", "total_number_of_actions", "timeout");

  /** Every field, defaults included (a PENDING state is still a state), int64s as JSON numbers. */
  static JsonNode json(MessageOrBuilder message) {
    return numbers(parse(JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence(), message));
  }

  private static JsonNode parse(JsonFormat.Printer printer, MessageOrBuilder message) {
    try {
      return JSON.readTree(printer.print(message));
    } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hardware JSON with {@code metadata} as an object (as it was pushed) and every secret in it redacted. */
  static JsonNode hardware(Hardware hw) {
    // as Tinkerbell prints hardware: empty fields left out
    ObjectNode node = (ObjectNode) numbers(parse(JsonFormat.printer().preservingProtoFieldNames(),
        hw.toBuilder().clearMetadata().build()));
    if (!hw.getMetadata().isBlank()) {
      try {
        node.set("metadata", JSON.readTree(hw.getMetadata()));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        node.put("metadata", hw.getMetadata());
      }
    }
    return Secrets.redact(node);
  }

  /** Proto JSON writes int64 as strings; Tinkerbell's Go JSON writes numbers. */
  private static JsonNode numbers(JsonNode node) {
    if (node instanceof ObjectNode object) {
      var fields = object.fields();
      while (fields.hasNext()) {
        var f = fields.next();
        if (INT64_FIELDS.contains(f.getKey()) && f.getValue().isTextual() && f.getValue().asText().matches("-?\\d{1,18}")) {
          f.setValue(object.numberNode(Long.parseLong(f.getValue().asText())));
        } else {
          numbers(f.getValue());
        }
      }
    } else if (node != null && node.isArray()) {
      node.forEach(Protos::numbers);
    }
    return node;
  }

  static String time(Timestamp t) {
    if (t == null || (t.getSeconds() == 0 && t.getNanos() == 0)) {
      return "";
    }
    return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(t.getSeconds()).truncatedTo(ChronoUnit.SECONDS));
  }
}
