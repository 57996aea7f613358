package io.tinkerjvm.hegel.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataTest {
  static Hardware hw(String id, String ip, String metadata) {
    return HardwareDocument.parsePushed("""
        {"id":"%s","metadata":%s,"network":{"interfaces":[{"dhcp":{"mac":"02:00:00:00:00:%s",
          "ip":{"address":"%s"}}}]}}""".formatted(id, metadata, id.substring(0, 2), ip), "test");
  }

  @Test
  void spotAppearsInTheLegacyListingOnlyWhenTheInstanceHasOne() {
    String none = Ec2Tree.legacy(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), "x")
        .get("meta-data").string();
    assertTrue(!none.contains("spot"), none);
    MachineMetadata m = MachineMetadata.of(hw("aa000000-0000-4000-8000-000000000001", "10.0.0.1",
        "{\"instance\":{\"spot\":{\"termination_time\":\"2026-11-26T12:00:00Z\"}}}"), List.of());
    assertEquals("facility\nhostname\ninstance-id\niqn\nlocal-hostname\nlocal-ipv4\noperating-system\nplan\n"
        + "public-ipv4\npublic-ipv6\npublic-keys\nspot\ntags", m.legacyEc2().get("meta-data").string());
    assertEquals("2026-11-26T12:00:00Z", m.legacyEc2().get("meta-data/spot/termination-time").string());
    assertTrue(m.currentEc2().get("meta-data").string().contains("spot/"));
  }

  @Test
  void valuesAreWrittenAsHegelsJqOutput() {
    MachineMetadata m = MachineMetadata.of(hw("aa000000-0000-4000-8000-000000000001", "10.0.0.1", """
        {"instance":{"id":7,"tags":["a",{"z":1,"b":[true]},null,2.5],"plan":null,
          "network":{"addresses":[{"address_family":"4","address":"10.9.9.9","public":false},
            {"address_family":4,"address":"10.0.0.1","public":"false"},{"address_family":4,"address":"10.0.0.2","public":false}]}}}
        """), List.of());
    // numbers and objects as compact JSON with sorted keys, nulls skipped, one per line
    assertEquals("7", m.legacyEc2().get("meta-data/instance-id").string());
    assertEquals("a\n{\"b\":[true],\"z\":1}\n2.5", m.legacyEc2().get("meta-data/tags").string());
    assertEquals("", m.legacyEc2().get("meta-data/plan").string());
    // jq's == is typed: "4" is not 4 and "false" is not false
    assertEquals("10.0.0.2", m.legacyEc2().get("meta-data/local-ipv4").string());
  }

  @Test
  void customEndpointsTakePathsOfKeysAndRefuseTheRest() {
    List<CustomEndpoint> e = CustomEndpoint.parseAll("x", "{\"/userdata\":\".metadata.userdata\",\"/all\":\".\","
        + "\"/q\":\".metadata.\\\"odd-key\\\"\"}");
    assertEquals(List.of("metadata", "userdata"), e.get(0).keys());
    assertEquals(List.of(), e.get(1).keys());
    assertEquals(List.of("metadata", "odd-key"), e.get(2).keys());
    MachineMetadata m = MachineMetadata.of(hw("aa000000-0000-4000-8000-000000000001", "10.0.0.1",
        "{\"userdata\":\"#!/bin/sh\",\"odd-key\":{\"k\":1}}"), e);
    assertEquals("#!/bin/sh", m.custom().get("/userdata").string());
    assertEquals("{\"k\":1}", m.custom().get("/q").string());
    assertTrue(m.custom().get("/all").string().startsWith("{\"id\":\"aa000000"), m.custom().get("/all").string());

    Config.ConfigException bad = assertThrows(Config.ConfigException.class,
        () -> CustomEndpoint.parseAll("CUSTOM_ENDPOINTS", "{\"/m\":\".metadata | keys\"}"));
    assertEquals("CUSTOM_ENDPOINTS: the filter '.metadata | keys' for /m is not supported: use '.' or a path of "
        + "keys like .metadata.instance", bad.getMessage());
    assertThrows(Config.ConfigException.class, () -> CustomEndpoint.parseAll("x", "{\"metadata\":\".\"}"));
    assertThrows(Config.ConfigException.class, () -> CustomEndpoint.parseAll("x", "[1]"));
    assertThrows(Config.ConfigException.class, () -> CustomEndpoint.parseAll("x", "{\"/m\":1}"));
    assertThrows(Config.ConfigException.class, () -> CustomEndpoint.parseAll("x", "{oops"));
  }

  @Test
  void anAddressTwoRecordsClaimAnswersNobodyUntilOneLetsGo() {
    MetadataIndex index = new MetadataIndex();
    MachineMetadata a = MachineMetadata.of(hw("aa000000-0000-4000-8000-000000000001", "10.0.0.1", "{}"), List.of());
    MachineMetadata b = MachineMetadata.of(hw("bb000000-0000-4000-8000-000000000002", "10.0.0.1", "{}"), List.of());
    index.put(a);
    assertEquals(List.of(a), index.byIp("10.0.0.1"));
    index.put(b);
    assertEquals(2, index.byIp("10.0.0.1").size());
    MachineMetadata bMoved = MachineMetadata.of(hw("bb000000-0000-4000-8000-000000000002", "10.0.0.2", "{}"),
        List.of());
    index.put(bMoved);
    assertEquals(List.of(a), index.byIp("10.0.0.1"));
    assertEquals(List.of(bMoved), index.byIp("10.0.0.2"));
    index.remove(a.hardwareId());
    assertEquals(List.of(), index.byIp("10.0.0.1"));
    assertEquals(1, index.size());
  }
}
