package io.tinkerjvm.boots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootsConfigTest {
  @TempDir
  Path dir;

  @Test
  void tinkerbellsEnvironmentWorksUnchanged() {
    BootsConfig c = BootsConfig.load(Map.of("PUBLIC_IP", "10.1.1.1", "PUBLIC_FQDN", "boots.lab",
        "TINKERBELL_GRPC_AUTHORITY", "tink.lab:42113", "TINKERBELL_TLS", "true", "FACILITY_CODE", "ewr1",
        "DOCKER_REGISTRY", "reg.lab", "REGISTRY_USERNAME", "u", "REGISTRY_PASSWORD", "p4ss",
        "DHCP_LEASE_TIME", "3600", "MIRROR_BASE_URL", "http://mirror.lab"));
    assertEquals("10.1.1.1", c.publicIp().getHostAddress());
    assertEquals("boots.lab", c.publicFqdn());
    assertEquals("tink.lab:42113", c.grpcAuthority());
    assertTrue(c.tinkerbellTls());
    assertEquals("ewr1", c.facility());
    assertEquals(Duration.ofHours(1), c.leaseTime());
    assertEquals("http://mirror.lab/misc/osie/current", c.osieUrl());
    assertEquals(BootsConfig.DhcpMode.RESERVATION, c.dhcpMode());
    assertNull(c.hardwareFile(), "Tink is the default backend");
    assertFalse(c.toString().contains("p4ss"), c.toString());
  }

  @Test
  void badSettingsAreNamed() throws Exception {
    assertMessage("dhcp-mode must be reservation, proxy or off, got 'relay'", "--public-ip=10.0.0.1", "--dhcp-mode=relay");
    assertMessage("public-ip must be an IPv4 address, got 'boots.lab'", "--public-ip=boots.lab");
    assertMessage("dhcp-port must be a port number from 0 to 65535, got 70000", "--public-ip=10.0.0.1", "--dhcp-port=70000");
    assertMessage("backend=file needs --hardware-file", "--public-ip=10.0.0.1", "--backend=file");
    assertMessage("registry-username is set but registry-password is not", "--public-ip=10.0.0.1",
        "--registry-username=u");
    assertMessage("unknown setting --dhcp-mod", "--public-ip=10.0.0.1", "--dhcp-mod=proxy");
    Path file = dir.resolve("hw.json");
    Files.writeString(file, "[]");
    assertEquals(file, BootsConfig.load(Map.of(), "--public-ip=10.0.0.1", "--hardware-file=" + file).hardwareFile());
  }

  private static void assertMessage(String expected, String... args) {
    Config.ConfigException e = assertThrows(Config.ConfigException.class, () -> BootsConfig.load(Map.of(), args));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }
}
