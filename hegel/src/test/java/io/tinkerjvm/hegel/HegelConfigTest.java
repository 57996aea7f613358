package io.tinkerjvm.hegel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HegelConfigTest {
  static String error(Map<String, String> env, String... args) {
    return assertThrows(Config.ConfigException.class, () -> HegelConfig.load(env, args)).getMessage();
  }

  @Test
  void readsTinkerbellsVariables() {
    HegelConfig c = HegelConfig.load(Map.of("TINKERBELL_GRPC_AUTHORITY", "tink:42113", "TRUSTED_PROXIES",
        "10.0.0.0/8", "CUSTOM_ENDPOINTS", "{\"/metadata\":\".metadata.instance\"}", "DATA_MODEL_VERSION", "1",
        "HEGEL_HTTP_PORT", "8081"));
    assertEquals("tink:42113", c.grpcAuthority());
    assertEquals(8081, c.httpPort());
    assertEquals(1, c.customEndpoints().size());
    assertTrue(c.trustedProxies().trusts(Config.ipAddress("t", "10.1.2.3")));
    assertFalse(c.requireCredential());
    assertEquals(50061, HegelConfig.load(Map.of()).httpPort());
    assertEquals(2, HegelConfig.load(Map.of()).customEndpoints().size(), "/metadata and /hardware by default");
  }

  @Test
  void namesWhatIsWrong(@TempDir Path dir) throws Exception {
    assertEquals("unknown setting --htp-port; see --help", error(Map.of(), "--htp-port=1"));
    assertEquals("http-port must be a port number from 0 to 65535, got 70000", error(Map.of(), "--http-port=70000"));
    assertEquals("http-address must be an IP address, got 'localhost'", error(Map.of(), "--http-address=localhost"));
    assertEquals("data-model-version: only Tinkerbell's hardware model (1) is served, got '2'",
        error(Map.of("DATA_MODEL_VERSION", "2")));
    assertEquals("imds-token must be optional or required, got 'always'", error(Map.of(), "--imds-token=always"));
    assertEquals("trusted-proxies: '10.0.0.0/33' has a bad prefix length", error(Map.of("TRUSTED_PROXIES", "10.0.0.0/33")));

    Path shortKey = dir.resolve("short.key");
    Files.writeString(shortKey, "c2hvcnQ=");
    String e = assertThrows(Config.ConfigException.class,
        () -> MachineCredentials.fromKeyFile("machine-key-file", shortKey)).getMessage();
    assertTrue(e.startsWith("machine-key-file: " + shortKey + " holds a key of 5 bytes; it needs at least 32"), e);
    String missing = assertThrows(Config.ConfigException.class,
        () -> MachineCredentials.fromKeyFile("machine-key-file", dir.resolve("nope"))).getMessage();
    assertTrue(missing.startsWith("machine-key-file: cannot read "), missing);
  }
}
