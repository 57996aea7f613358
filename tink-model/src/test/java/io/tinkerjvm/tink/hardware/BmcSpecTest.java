package io.tinkerjvm.tink.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class BmcSpecTest {
  @Test
  void readsTheBmcWithItsDefaults() {
    BmcSpec b = BmcSpec.fromMetadata("{\"bmc\":{\"host\":\"10.0.0.5\",\"username\":\"admin\",\"password\":\"pw\"}}")
        .orElseThrow();
    assertEquals("10.0.0.5", b.pbnjHost());
    assertEquals("", b.vendor());
    assertTrue(b.netbootOnWorkflow());
    assertTrue(b.bootDiskOnSuccess());
    assertFalse(b.efi());
    assertFalse(b.toString().contains("pw"));
  }

  @Test
  void portsJoinTheHostAsPbnjTakesIt() {
    assertEquals("10.0.0.5:6230", spec("\"host\":\"10.0.0.5\",\"port\":6230").pbnjHost());
    assertEquals("[fd00::5]:623", spec("\"host\":\"fd00::5\",\"port\":623").pbnjHost());
  }

  @Test
  void noPasswordOrTheRedactedMarkerMeansKeepTheStoredOne() {
    assertNull(spec("\"host\":\"h\"").password());
    assertNull(spec("\"host\":\"h\",\"password\":\"<redacted>\"").password());
  }

  @Test
  void noBmcIsNotAnError() {
    assertTrue(BmcSpec.fromMetadata("{\"instance\":{}}").isEmpty());
    assertTrue(BmcSpec.fromMetadata("").isEmpty());
  }

  @Test
  void storedMetadataLosesOnlyThePassword() {
    String stored = BmcSpec.withoutPassword("{\"a\":1,\"bmc\":{\"host\":\"h\",\"username\":\"u\",\"password\":\"pw\"}}");
    assertEquals("{\"a\":1,\"bmc\":{\"host\":\"h\",\"username\":\"u\",\"password\":\"<redacted>\"}}", stored);
  }

  @Test
  void anInventorysOwnBmcObjectIsReadAsItIs() {
    // address for host, and keys of its own that stay in the record
    BmcSpec b = BmcSpec.fromMetadata("{\"bmc\":{\"address\":\"10.0.0.12\",\"username\":\"root\","
        + "\"password\":\"calvin\",\"type\":\"idrac9\",\"mac\":\"aa:bb:cc:dd:ee:ff\"}}").orElseThrow();
    assertEquals("10.0.0.12", b.pbnjHost());
    assertEquals("calvin", b.password());
  }

  @Test
  void mistakesNameTheKey() {
    assertBad("metadata.bmc.passwd looks like a secret", "\"host\":\"h\",\"passwd\":\"x\"");
    assertBad("metadata.bmc has both host and address", "\"host\":\"h\",\"address\":\"h\"");
    assertBad("metadata.bmc.host is required", "\"port\":623");
    assertBad("metadata.bmc.efi must be true or false", "\"host\":\"h\",\"efi\":\"yes\"");
    assertBad("metadata.bmc.username must be a string", "\"host\":\"h\",\"username\":5");
    assertBad("metadata.bmc.host 'a b' is not", "\"host\":\"a b\"");
    assertBad("metadata.bmc.vendor", "\"host\":\"h\",\"vendor\":\"dell idrac!\"");
  }

  private static BmcSpec spec(String fields) {
    return BmcSpec.fromMetadata("{\"bmc\":{" + fields + (fields.contains("username") ? "" : ",\"username\":\"u\"")
        + "}}").orElseThrow();
  }

  private static void assertBad(String message, String fields) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> BmcSpec.fromMetadata("{\"bmc\":{" + fields + (fields.contains("username") ? "" : ",\"username\":\"u\"")
            + "}}"));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
