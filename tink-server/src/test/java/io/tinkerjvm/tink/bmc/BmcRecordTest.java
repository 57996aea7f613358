package io.tinkerjvm.tink.bmc;

import static io.tinkerjvm.tink.support.Fixtures.assertStatus;
import static io.tinkerjvm.tink.support.Fixtures.hardware;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.tinkerjvm.proto.tink.hardware.GetRequest;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.tink.support.Fixtures;
import io.tinkerjvm.tink.support.RunningTink;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** metadata.bmc: stored apart with the password sealed, never returned, kept across pushes without it. */
class BmcRecordTest {
  static RunningTink tink;
  static final String PASSWORD = "Sup3r-Secret-BMC";

  @BeforeAll
  static void start() {
    tink = new RunningTink();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    tink.close();
  }

  static Hardware withBmc(String id, String mac, String bmcJson) {
    Hardware base = hardware(id, mac, "10.9.0." + (mac.charAt(mac.length() - 1) - '0' + 10));
    String metadata = base.getMetadata();
    return base.toBuilder().setMetadata(metadata.substring(0, metadata.length() - 1) + ",\"bmc\":" + bmcJson + "}")
        .build();
  }

  private static Hardware get(String id) {
    return tink.hardware().byID(GetRequest.newBuilder().setId(id).build());
  }

  private static byte[] sealed(String id) throws Exception {
    try (Connection c = DriverManager.getConnection(tink.dbUrl, "postgres", "");
         PreparedStatement ps = c.prepareStatement("SELECT password_sealed FROM hardware_bmc WHERE hardware_id = ?")) {
      ps.setObject(1, UUID.fromString(id));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBytes(1) : null;
      }
    }
  }

  @Test
  void passwordIsSealedAtRestAndNeverReturned() throws Exception {
    String id = "b0000000-0000-4000-8000-000000000001";
    tink.hardware().push(PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:01",
        "{\"host\":\"10.1.0.5\",\"port\":623,\"username\":\"admin\",\"password\":\"" + PASSWORD
            + "\",\"vendor\":\"supermicro\"}")).build());

    Hardware back = get(id);
    assertFalse(back.toString().contains(PASSWORD), back.getMetadata());
    assertTrue(back.getMetadata().contains("\"username\":\"admin\""), back.getMetadata());
    assertTrue(back.getMetadata().contains("\"password\":\"<redacted>\""), "a password is held: " + back.getMetadata());
    assertEquals(0, tink.count("SELECT count(*) FROM hardware WHERE data::text LIKE '%" + PASSWORD + "%'"));

    byte[] stored = sealed(id);
    assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains(PASSWORD), "stored in clear");
    BmcVault vault = new BmcVault(Base64.getDecoder().decode(RunningTink.BMC_KEY));
    assertEquals(PASSWORD, vault.open(UUID.fromString(id), stored));
    // bound to its record: the same bytes do not open for another hardware id
    assertThrows(IllegalStateException.class, () -> vault.open(UUID.randomUUID(), stored));
  }

  @Test
  void pushWithoutThePasswordKeepsTheStoredOne() throws Exception {
    String id = "b0000000-0000-4000-8000-000000000002";
    tink.hardware().push(PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:02",
        "{\"host\":\"10.1.0.6\",\"username\":\"admin\",\"password\":\"" + PASSWORD + "\"}")).build());
    byte[] first = sealed(id);

    // what `tink hardware get` prints, pushed back: no password, or the CLI's <redacted>
    tink.hardware().push(PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:02",
        "{\"host\":\"10.1.0.6\",\"username\":\"admin\",\"vendor\":\"dell\"}")).build());
    tink.hardware().push(PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:02",
        "{\"host\":\"10.1.0.6\",\"username\":\"admin\",\"password\":\"<redacted>\",\"vendor\":\"dell\"}"))
        .build());
    assertEquals(java.util.HexFormat.of().formatHex(first), java.util.HexFormat.of().formatHex(sealed(id)));
    assertEquals(1, tink.count("SELECT count(*) FROM hardware_bmc WHERE vendor = 'dell'"));

    // the stored password goes only where it was given for: another host (or user) needs it again
    assertStatus(Status.Code.INVALID_ARGUMENT, "metadata.bmc.password is required when metadata.bmc.host",
        () -> tink.hardware().push(PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:02",
            "{\"host\":\"203.0.113.9\",\"username\":\"admin\"}")).build()));
    assertEquals(1, tink.count("SELECT count(*) FROM hardware_bmc WHERE host = '10.1.0.6'"));
    assertTrue(get(id).getMetadata().contains("10.1.0.6"), "the refused push changed nothing");

    // a record pushed without metadata.bmc has no BMC any more
    tink.hardware().push(PushRequest.newBuilder().setData(hardware(id, "08:00:27:b0:00:02", "10.9.0.12")).build());
    assertEquals(0, tink.count("SELECT count(*) FROM hardware_bmc WHERE hardware_id = '" + id + "'"));
  }

  @Test
  void badBmcRecordsAreRefusedAndNothingIsStored() {
    String id = "b0000000-0000-4000-8000-000000000003";
    assertStatus(Status.Code.INVALID_ARGUMENT, "metadata.bmc.password is required", () -> tink.hardware().push(
        PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:03",
            "{\"host\":\"10.1.0.8\",\"username\":\"admin\"}")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "metadata.bmc.passwd looks like a secret", () -> tink.hardware().push(
        PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:03",
            "{\"host\":\"10.1.0.8\",\"username\":\"admin\",\"passwd\":\"x\"}")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "metadata.bmc.host is required", () -> tink.hardware().push(
        PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:03",
            "{\"username\":\"admin\",\"password\":\"x\"}")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "metadata.bmc.port must be a number", () -> tink.hardware().push(
        PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:03",
            "{\"host\":\"h\",\"port\":70000,\"username\":\"admin\",\"password\":\"x\"}")).build()));
    assertEquals(0, tink.count("SELECT count(*) FROM hardware WHERE id = '" + id + "'"));
    assertEquals(0, tink.count("SELECT count(*) FROM hardware_bmc WHERE hardware_id = '" + id + "'"));
  }

  @Test
  void deletedHardwareTakesItsSealedPasswordWithIt() {
    String id = "b0000000-0000-4000-8000-000000000005";
    tink.hardware().push(PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:05",
        "{\"host\":\"10.1.0.10\",\"username\":\"admin\",\"password\":\"x\"}")).build());
    tink.hardware().delete(io.tinkerjvm.proto.tink.hardware.DeleteRequest.newBuilder().setId(id).build());
    assertEquals(0, tink.count("SELECT count(*) FROM hardware_bmc WHERE hardware_id = '" + id + "'"));
  }

  @Test
  void withoutPbnjWorkflowsQueueNoBmcOperations() {
    String id = "b0000000-0000-4000-8000-000000000004";
    tink.hardware().push(PushRequest.newBuilder().setData(withBmc(id, "08:00:27:b0:00:04",
        "{\"host\":\"10.1.0.9\",\"username\":\"admin\",\"password\":\"x\"}")).build());
    Fixtures.oneActionWorkflow(tink, "bmc-none", "08:00:27:b0:00:04");
    assertEquals(0, tink.count("SELECT count(*) FROM bmc_operation"));
  }
}
