package io.tinkerjvm.tink.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;

/**
 * Hardware JSON as `tink hardware push` sends it, through what tink-server does before it stores a record. The
 * contract: a record is stored or refused with an {@link InvalidArgumentException} (INVALID_ARGUMENT, naming the
 * field); anything else is an internal error. Seeds: src/test/resources/.../HardwareFuzzTestInputs/.
 */
class HardwareFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @FuzzTest
  @Timeout(10)
  void pushedHardware(byte[] input) throws Exception {
    String json = new String(input, StandardCharsets.UTF_8);
    RecordingResolverProvider.takeLastLookup();
    HardwareDocument doc;
    try {
      doc = HardwareDocument.validate(HardwareDocument.parsePushed(json, "hardware.json"));
    } catch (InvalidArgumentException e) {
      assertClear(e);
      assertNull(RecordingResolverProvider.takeLastLookup(), "an address in a record was looked up in DNS");
      return;
    }
    assertNull(RecordingResolverProvider.takeLastLookup(), "an address in a record was looked up in DNS");

    // The stored form reads back as the same record.
    Hardware stored = doc.hardware();
    assertEquals(stored.toBuilder().setVersion(7).build(), HardwareDocument.fromJson(doc.toJson(), 7));
    // Validating is idempotent: what was stored passes again, unchanged (canonical MACs and addresses).
    assertEquals(doc, HardwareDocument.validate(stored));
    for (String mac : doc.macs()) {
      assertTrue(HardwareDocument.looksLikeMac(mac), mac);
    }

    // What the CLI and the server show of it, with the BMC password stored as <redacted>.
    String shown = Secrets.redact(HardwareExport.export(stored)).toString();
    String metadata = stored.getMetadata();
    if (!metadata.isBlank()) {
      String withoutPassword = BmcSpec.withoutPassword(metadata);
      Optional<BmcSpec> bmc = BmcSpec.fromMetadata(withoutPassword);
      assertEquals(doc.bmc().map(b -> b.host() + b.port() + b.username()), bmc.map(b -> b.host() + b.port() + b.username()));
      bmc.ifPresent(b -> assertNull(b.password(), "the stored metadata still holds the BMC password"));
      JsonNode password = JSON.readTree(shown).path("metadata").path("bmc").path("password");
      if (doc.bmc().isPresent() && doc.bmc().get().password() != null) {
        assertEquals(Secrets.REDACTED, password.asText(), "the BMC password is shown");
      }
    }
    assertFalse(shown.isEmpty());
  }

  static void assertClear(InvalidArgumentException e) {
    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a refusal without a reason");
    assertFalse(e.getMessage().endsWith(": null"), "a refusal without a reason: " + e.getMessage());
  }
}
