package io.tinkerjvm.boots.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHardwareSourceTest {
  @TempDir
  Path dir;

  static String doc(String id, String mac, String ip) {
    return """
        {"id":"%s","metadata":{"instance":{"hostname":"h"}},"network":{"interfaces":[{"dhcp":{"mac":"%s",
          "ip":{"address":"%s"}},"netboot":{"allow_pxe":true}}]}}""".formatted(id, mac, ip);
  }

  @Test
  void readsTinkerbellJsonAndYamlStreams() throws Exception {
    Path json = dir.resolve("hw.json");
    Files.writeString(json, "[" + doc("11111111-0000-4000-8000-000000000001", "02:00:00:00:00:AA", "10.0.0.1") + "]");
    try (FileHardwareSource s = FileHardwareSource.open(json)) {
      assertEquals("10.0.0.1", s.byMac("02:00:00:00:00:aa").orElseThrow().ip());
      assertEquals("02:00:00:00:00:aa", s.byIp("10.0.0.1").orElseThrow().mac());
    }
    Path yaml = dir.resolve("hw.yaml");
    Files.writeString(yaml, """
        id: 11111111-0000-4000-8000-000000000002
        network: {interfaces: [{dhcp: {mac: "02:00:00:00:00:02", ip: {address: 10.0.0.2}}}]}
        ---
        id: 11111111-0000-4000-8000-000000000003
        network: {interfaces: [{dhcp: {mac: "02:00:00:00:00:03", ip: {address: 10.0.0.3}}}]}
        """);
    assertEquals(2, FileHardwareSource.load(yaml).size());
  }

  @Test
  void aBadFileIsRefusedWholeNamingTheDocumentAndABadEditKeepsThePrevious() throws Exception {
    Path f = dir.resolve("hw.json");
    Files.writeString(f, "[" + doc("11111111-0000-4000-8000-000000000001", "02:00:00:00:00:01", "10.0.0.1") + ","
        + doc("11111111-0000-4000-8000-000000000002", "02:00:00:00:00:01", "10.0.0.2") + "]");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileHardwareSource.load(f));
    assertTrue(e.getMessage().contains("document 2") && e.getMessage().contains("02:00:00:00:00:01"), e.getMessage());

    Files.writeString(f, "[" + doc("11111111-0000-4000-8000-000000000001", "02:00:00:00:00:01", "10.0.0.1") + "]");
    try (FileHardwareSource s = FileHardwareSource.open(f)) {
      Files.writeString(f, "[{\"id\":\"not-a-uuid\"}]");
      Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
      long end = System.nanoTime() + 10_000_000_000L;
      while (s.healthProblem() == null && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      assertTrue(String.valueOf(s.healthProblem()).contains("document 1"), String.valueOf(s.healthProblem()));
      assertEquals("10.0.0.1", s.byMac("02:00:00:00:00:01").orElseThrow().ip(), "the previous contents were dropped");
    }
  }
}
