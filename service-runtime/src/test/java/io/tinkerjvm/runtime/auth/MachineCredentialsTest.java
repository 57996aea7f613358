package io.tinkerjvm.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineCredentialsTest {
  static final String HW = "0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94";
  @TempDir Path dir;

  @Test
  void eachMintingIsNewAndNamesItsMachine() {
    MachineCredentials c = MachineCredentials.ofKey(new byte[32]);
    String first = c.credentialFor(HW);
    String second = c.credentialFor(HW);
    assertNotEquals(first, second);
    assertEquals(Optional.of(HW), c.hardwareIdOf(first));
    assertEquals(Optional.of(HW), c.hardwareIdOf(second));
    assertTrue(first.matches("[A-Za-z0-9._-]+"), first);
    assertFalse(c.verify("aaaaaaaa-0000-4000-8000-000000000001", first));
  }

  @Test
  void anAlteredCredentialOrAnotherKeysIsRefused() {
    MachineCredentials c = MachineCredentials.ofKey(new byte[32]);
    String good = c.credentialFor(HW);
    String otherMachine = "aaaaaaaa-0000-4000-8000-000000000001" + good.substring(HW.length());
    assertEquals(Optional.empty(), c.hardwareIdOf(otherMachine));
    int at = good.length() - 10;   // inside the MAC, where every bit counts
    String altered = good.substring(0, at) + (good.charAt(at) == 'A' ? 'B' : 'A') + good.substring(at + 1);
    assertEquals(Optional.empty(), c.hardwareIdOf(altered));
    byte[] other = new byte[32];
    other[0] = 1;
    assertEquals(Optional.empty(), MachineCredentials.ofKey(other).hardwareIdOf(good));
    for (String junk : new String[] {"", ".", "...", "a.b.c.d", HW, "x.zz.y.z"}) {
      assertEquals(Optional.empty(), c.hardwareIdOf(junk), junk);
    }
  }

  @Test
  void aCredentialEndsWithItsLifetime() {
    Instant boot = Instant.parse("2026-12-01T10:00:00Z");
    MachineCredentials atBoot = MachineCredentials.ofKey(new byte[32]).with(Duration.ofHours(2),
        Clock.fixed(boot, ZoneOffset.UTC));
    String cred = atBoot.credentialFor(HW);
    MachineCredentials later = atBoot.with(Duration.ofHours(2), Clock.fixed(boot.plusSeconds(7199), ZoneOffset.UTC));
    MachineCredentials tooLate = atBoot.with(Duration.ofHours(2), Clock.fixed(boot.plusSeconds(7201), ZoneOffset.UTC));
    assertEquals(Optional.of(HW), later.hardwareIdOf(cred));
    assertEquals(Optional.empty(), tooLate.hardwareIdOf(cred));
  }

  @Test
  void aMissingKeyFileIsMadeOnceAndPrivate() throws Exception {
    Path file = dir.resolve("data/machine.key");
    MachineCredentials first = MachineCredentials.fromKeyFileOrNew("machine-key-file", file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    MachineCredentials again = MachineCredentials.fromKeyFileOrNew("machine-key-file", file);
    assertEquals(Optional.of(HW), again.hardwareIdOf(first.credentialFor(HW)), "the second start reads the same key");
    assertFalse(first.toString().contains(Files.readString(file).trim()));
  }
}
