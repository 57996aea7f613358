package io.tinkerjvm.cli;

import static io.tinkerjvm.cli.CliRun.assertGolden;
import static io.tinkerjvm.cli.CliRun.read;
import static io.tinkerjvm.cli.CliRun.resource;
import static io.tinkerjvm.cli.CliRun.tink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.tink.support.RunningTink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardwareCliTest {
  static final String S1 = "0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94";
  static final String S2 = "9f1b3a52-57b4-4d8e-8f42-2b1e5c7d0a11";

  RunningTink server;
  @TempDir Path dir;

  @BeforeEach
  void start() {
    server = new RunningTink();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  void pushBoth() {
    tink(server, "hardware", "push", "--file", resource("tinkerbell/hardware-s1.json").toString()).ok();
    tink(server, "hardware", "push", resource("tinkerbell/hardware-s2.json").toString()).ok();
  }

  @Test
  void pushesTinkerbellJsonUnchangedWithMetadataAsObjectOrString() {
    var r = tink(server, "hardware", "push", "--file", resource("tinkerbell/hardware-s1.json").toString()).ok();
    assertTrue(r.out().startsWith("Hardware data pushed successfully: " + S1), r.out());
    tink(server, "hardware", "push", resource("tinkerbell/hardware-s2.json").toString()).ok();
    assertEquals(2, server.count("SELECT count(*) FROM hardware WHERE deleted_at IS NULL"));
    assertGolden("hardware-list.txt", tink(server, "hardware", "list").ok().out());
  }

  @Test
  void pushReadsStandardInput() {
    tink(server, read("tinkerbell/hardware-s1.json"), Map.of(), "hardware", "push").ok();
    assertEquals(S1 + "\n", tink(server, "hardware", "list", "-q").ok().out());
  }

  @Test
  void pushTakesAFolderAndStoresNothingWhenOneRecordIsBad() throws Exception {
    Files.copy(resource("tinkerbell/hardware-s1.json"), dir.resolve("a.json"));
    Files.copy(resource("tinkerbell/hardware-s2.json"), dir.resolve("b.json"));
    Files.writeString(dir.resolve("c.json"), read("tinkerbell/hardware-s2.json")
        .replace(S2, "2c5e0b7e-7a57-4b37-9a55-3f0c1d1e2f30").replace("192.168.1.6", "192.168.1.7"));
    Files.writeString(dir.resolve("notes.txt"), "not hardware");
    var r = tink(server, "hardware", "push", dir.toString());
    assertEquals(1, r.code());
    assertEquals("Error: " + dir.resolve("c.json") + ": MAC 08:00:27:00:00:02 is also used by hardware " + S2
        + " in " + dir.resolve("b.json") + "\n", r.err());
    assertEquals(0, server.count("SELECT count(*) FROM hardware"));

    Files.delete(dir.resolve("c.json"));
    r = tink(server, "hardware", "push", dir.toString()).ok();
    assertEquals(2, r.out().lines().count(), r.out());
    assertEquals(2, server.count("SELECT count(*) FROM hardware"));
  }

  @Test
  void aBadBmcInOneRecordStoresNoneOfThem() throws Exception {
    Files.copy(resource("tinkerbell/hardware-s1.json"), dir.resolve("a.json"));
    Files.writeString(dir.resolve("b.json"), read("tinkerbell/hardware-s2.json")
        .replace("\\\"password\\\"", "\\\"ipmi_password\\\""));
    var r = tink(server, "hardware", "push", dir.toString());
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("metadata.bmc.ipmi_password looks like a secret"), r.err());
    assertTrue(!r.err().contains("calvin-secret-9"), r.err());
    assertEquals(0, server.count("SELECT count(*) FROM hardware"));
  }

  @Test
  void pushTakesAJsonArray() throws Exception {
    Path both = dir.resolve("both.json");
    Files.writeString(both, "[" + read("tinkerbell/hardware-s1.json") + "," + read("tinkerbell/hardware-s2.json") + "]");
    tink(server, "hardware", "push", both.toString()).ok();
    assertEquals(2, server.count("SELECT count(*) FROM hardware"));
  }

  @Test
  void dryRunChecksEverythingIncludingServerConflictsAndStoresNothing() throws Exception {
    var r = tink(server, "hardware", "push", "--dry-run", resource("tinkerbell/hardware-s1.json").toString()).ok();
    assertEquals("Valid: hardware " + S1 + " from " + resource("tinkerbell/hardware-s1.json") + " (1 MAC)\n"
        + "Dry run: nothing stored.\n", r.out());
    assertEquals(0, server.count("SELECT count(*) FROM hardware"));

    tink(server, "hardware", "push", resource("tinkerbell/hardware-s1.json").toString()).ok();
    Path thief = dir.resolve("thief.json");
    Files.writeString(thief, read("tinkerbell/hardware-s2.json").replace("08:00:27:00:00:02", "08:00:27:00:00:01"));
    r = tink(server, "hardware", "push", "--dry-run", thief.toString());
    assertEquals(1, r.code());
    assertEquals("Error: " + thief + ": MAC 08:00:27:00:00:01 already belongs to hardware " + S1 + "\n", r.err());
    assertEquals(1, server.count("SELECT count(*) FROM hardware"));
  }

  @Test
  void getShowsJsonYamlCsvAndNeverTheBmcPassword() {
    pushBoth();
    String json = tink(server, "hardware", "get", "--format", "json", S2).ok().out();
    assertGolden("hardware-get-s2.json", json);
    String yaml = tink(server, "hardware", "get", "-o", "yaml").ok().out();
    String csv = tink(server, "hardware", "get", "--format", "csv").ok().out();
    String details = tink(server, "hardware", "mac", "-d", "08:00:27:00:00:02").ok().out();
    String byId = tink(server, "hardware", "id", S2).ok().out();
    for (String out : new String[] {json, yaml, csv, details, byId}) {
      assertFalse(out.contains("calvin-secret-9"), out);
    }
    assertTrue(yaml.contains("password: <redacted>"), yaml);
    assertTrue(byId.contains("\"password\" : \"<redacted>\""), byId);
    assertGolden("hardware-get.csv", csv);
    assertEquals(String.join("\n", "+--------------------------------------+-------------------+-------------+----+",
        "| " + S2 + " | 08:00:27:00:00:02 | 192.168.1.6 | s2 |",
        "+--------------------------------------+-------------------+-------------+----+", ""),
        tink(server, "hardware", "get", "--no-headers", "192.168.1.6").ok().out());
  }

  @Test
  void findsByMacAndIp() {
    pushBoth();
    assertGolden("hardware-mac.txt", tink(server, "hardware", "mac", "08:00:27:00:00:01").ok().out());
    var byIp = tink(server, "hardware", "ip", "192.168.1.6").ok().out();
    assertTrue(byIp.contains("| ID          | " + S2 + " |"), byIp);
    var missing = tink(server, "hardware", "mac", "08:00:27:00:00:99");
    assertEquals(1, missing.code());
    assertEquals("Error: no hardware has MAC 08:00:27:00:00:99\n", missing.err());
  }

  @Test
  void deleteReportsEachIdAndFailsForMissingOnes() {
    pushBoth();
    var r = tink(server, "hardware", "delete", S1, "5d2b7c7e-0000-4000-8000-000000000000");
    assertEquals(1, r.code());
    assertEquals("Deleted\t" + S1 + "\n", r.out());
    assertEquals("Error\t5d2b7c7e-0000-4000-8000-000000000000\tnot found\n", r.err());
    assertEquals(S2 + "\n", tink(server, "hardware", "list", "--quiet").ok().out());
  }
}
