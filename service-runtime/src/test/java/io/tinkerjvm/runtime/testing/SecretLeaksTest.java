package io.tinkerjvm.runtime.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leak check itself finds what it is for, or the modules' checks could pass for nothing. */
class SecretLeaksTest {
  @TempDir Path dir;

  @Test
  void keyMaterialAndNamedSecretsAreFoundInALogAndInAnswers() throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home.resolve("tls"));
    Files.writeString(home.resolve("machine.key"), "c2VjcmV0LW1hY2hpbmUta2V5LWJ5dGVzLTMyLWxvbmc=\n");
    Files.writeString(home.resolve("tls/ca-key.pem"), "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n"
        + "-----END PRIVATE KEY-----\n");
    Set<String> secrets = SecretLeaks.configured(home, List.of("hunter22", "pw"));
    assertEquals(Set.of("hunter22", "c2VjcmV0LW1hY2hpbmUta2V5LWJ5dGVzLTMyLWxvbmc=", "MIGHAgEAMBMGByqGSM49"), secrets,
        "short ones are dropped, PEM armour is not a secret");
    Path log = dir.resolve("suite.log");
    Files.writeString(log, "fine\nconnecting with password hunter22\nkey MIGHAgEAMBMGByqGSM49 loaded\n");
    List<String> found = SecretLeaks.find(secrets, List.of(log), List.of("{\"password\":\"<redacted>\"}",
        "machine key c2VjcmV0LW1hY2hpbmUta2V5LWJ5dGVzLTMyLWxvbmc="));
    assertEquals(3, found.size(), found.toString());
    assertTrue(found.get(0).startsWith("suite.log:2 holds the secret hun..."), found.toString());
    assertTrue(found.stream().noneMatch(f -> f.contains("hunter22")), "the report does not repeat the secret");
  }
}
