package io.tinkerjvm.pbnj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PbnjConfigTest {
  @Test
  void defaultsArePbnjsPortAndEveryProvider() {
    PbnjConfig c = PbnjConfig.load(Map.of());
    assertEquals(50051, c.grpcPort());
    assertEquals(List.of("ipmi", "ipmitool", "redfish"), c.providers());
    assertEquals(3, c.ipmiCipherSuite());
    assertEquals(Duration.ofSeconds(60), c.taskTimeout());
  }

  @Test
  void environmentAndFlagsSetIt() {
    PbnjConfig c = PbnjConfig.load(Map.of("PBNJ_PROVIDERS", "redfish, ipmi", "PBNJ_MIN_INTERVAL", "2s"),
        "--ipmi-cipher-suite=17");
    assertEquals(List.of("redfish", "ipmi"), c.providers());
    assertEquals(Duration.ofSeconds(2), c.minInterval());
    assertEquals(17, c.ipmiCipherSuite());
  }

  @Test
  void badSettingsAreNamed() {
    assertNamed("unknown provider 'snmp'", "--providers=ipmi,snmp");
    assertNamed("ipmi-cipher-suite must be 3", "--ipmi-cipher-suite=0");
    assertNamed("task-timeout must be longer than zero", "--task-timeout=0s");
    assertNamed("retries must be from 0 to 10", "--retries=50");
    assertNamed("unknown setting --grpc-prot", "--grpc-prot=1");
    assertNamed("redfish-ca-file /nonexistent.pem cannot be read", "--redfish-ca-file=/nonexistent.pem");
  }

  private static void assertNamed(String message, String... args) {
    Config.ConfigException e = assertThrows(Config.ConfigException.class, () -> PbnjConfig.load(Map.of(), args));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
