package io.tinkerjvm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.tink.hardware.HardwareExport;
import io.tinkerjvm.tink.hardware.Secrets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Messages as people and scripts read them: proto field names, RFC 3339 times, metadata as JSON, no secrets. */
final class Protos {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Protos() {}

  /** Every field, defaults included (a PENDING state is still a state), int64s as JSON numbers. */
  static JsonNode json(MessageOrBuilder message) {
    return HardwareExport.int64AsNumbers(parse(JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence(), message));
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
    return Secrets.redact(HardwareExport.export(hw));
  }

  static String time(Timestamp t) {
    if (t == null || (t.getSeconds() == 0 && t.getNanos() == 0)) {
      return "";
    }
    return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(t.getSeconds()).truncatedTo(ChronoUnit.SECONDS));
  }
}
