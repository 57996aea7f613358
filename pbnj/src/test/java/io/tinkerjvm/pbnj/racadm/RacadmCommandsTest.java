package io.tinkerjvm.pbnj.racadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.BootDevice.Device;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.Secret;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import io.tinkerjvm.pbnj.bmc.UserAccount.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RacadmCommandsTest {
  static final BmcTarget IDRAC = new BmcTarget("10.0.0.5", 0, "root", Secret.of("calvin"));

  @TempDir Path dir;

  private static Instant in(int seconds) {
    return Instant.now().plusSeconds(seconds);
  }

  @Test
  void remoteCommandNamesHostUserAndPasswordThenTheSubcommand() {
    assertEquals(List.of("racadm", "-r", "10.0.0.5", "-u", "root", "-p", "calvin", "serveraction", "powerstatus"),
        RacadmCommands.remote("racadm", IDRAC, RacadmCommands.powerStatus()));
    assertEquals(List.of("/opt/dell/racadm", "-r", "10.0.0.5:8443", "-u", "root", "-p", "calvin", "racreset", "soft"),
        RacadmCommands.remote("/opt/dell/racadm", new BmcTarget("10.0.0.5", 8443, "root", Secret.of("calvin")),
            RacadmCommands.resetBmc(false)));
    assertEquals(List.of("racadm", "-r", "[fd00::5]:443", "-u", "root", "-p", "calvin", "racreset", "hard"),
        RacadmCommands.remote("racadm", new BmcTarget("fd00::5", 443, "root", Secret.of("calvin")),
            RacadmCommands.resetBmc(true)));
  }

  @Test
  void powerCommandsAreServerActions() {
    assertEquals(List.of("serveraction", "powerup"), RacadmCommands.power(PowerCommand.ON));
    assertEquals(List.of("serveraction", "powerdown"), RacadmCommands.power(PowerCommand.HARD_OFF));
    assertEquals(List.of("serveraction", "graceshutdown"), RacadmCommands.power(PowerCommand.SOFT_OFF));
    assertEquals(List.of("serveraction", "powercycle"), RacadmCommands.power(PowerCommand.CYCLE));
    assertEquals(List.of("serveraction", "hardreset"), RacadmCommands.power(PowerCommand.RESET));
  }

  @Test
  void bootDeviceSetsFirstBootDeviceThenBootOnce() {
    assertEquals(List.of(List.of("set", "iDRAC.ServerBoot.FirstBootDevice", "PXE"),
            List.of("set", "iDRAC.ServerBoot.BootOnce", "Enabled")),
        RacadmCommands.bootDevice(new BootDevice(Device.PXE, false, true)));
    assertEquals(List.of(List.of("set", "iDRAC.ServerBoot.FirstBootDevice", "HDD"),
            List.of("set", "iDRAC.ServerBoot.BootOnce", "Disabled")),
        RacadmCommands.bootDevice(new BootDevice(Device.DISK, true, false)));
    assertEquals(List.of(List.of("set", "iDRAC.ServerBoot.FirstBootDevice", "VCD-DVD"),
            List.of("set", "iDRAC.ServerBoot.BootOnce", "Enabled")),
        RacadmCommands.bootDevice(new BootDevice(Device.CDROM, false, false)));
    assertEquals(List.of(List.of("set", "iDRAC.ServerBoot.FirstBootDevice", "BIOS"),
            List.of("set", "iDRAC.ServerBoot.BootOnce", "Disabled")),
        RacadmCommands.bootDevice(new BootDevice(Device.BIOS, true, false)));
    assertEquals(List.of(List.of("set", "iDRAC.ServerBoot.FirstBootDevice", "Normal"),
            List.of("set", "iDRAC.ServerBoot.BootOnce", "Disabled")),
        RacadmCommands.bootDevice(new BootDevice(Device.NONE, false, false)));
  }

  @Test
  void usersAreSetThroughTheirSlotsAttributes() {
    assertEquals(List.of("get", "iDRAC.Users.3.UserName"), RacadmCommands.getUserName(3));
    assertEquals(List.of(
            List.of("set", "iDRAC.Users.3.UserName", "alice"),
            List.of("set", "iDRAC.Users.3.Password", "s3cret"),
            List.of("set", "iDRAC.Users.3.Privilege", "0x1ff"),
            List.of("set", "iDRAC.Users.3.Enable", "Enabled")),
        RacadmCommands.createUser(3, new UserAccount("alice", Secret.of("s3cret"), Role.ADMIN)));
    assertEquals(List.of(
            List.of("set", "iDRAC.Users.4.Password", "pw"),
            List.of("set", "iDRAC.Users.4.Privilege", "0x1"),
            List.of("set", "iDRAC.Users.4.Enable", "Enabled")),
        RacadmCommands.updateUser(4, new UserAccount("bob", Secret.of("pw"), Role.USER)));
    assertEquals(List.of(
            List.of("set", "iDRAC.Users.4.Password", "pw"),
            List.of("set", "iDRAC.Users.4.Enable", "Enabled")),
        RacadmCommands.updateUser(4, new UserAccount("bob", Secret.of("pw"), null)));
    assertEquals(List.of(
            List.of("set", "iDRAC.Users.5.Enable", "Disabled"),
            List.of("set", "iDRAC.Users.5.Privilege", "0x0"),
            List.of("set", "iDRAC.Users.5.UserName", "")),
        RacadmCommands.deleteUser(5));
  }

  @Test
  void missingBinaryIsUnsupported() {
    RacadmProvider racadm = new RacadmProvider(dir.resolve("racadm").toString(), Duration.ofSeconds(5));
    BmcException e = assertThrows(BmcException.class, () -> racadm.open(IDRAC, in(5), in(5)));
    assertEquals(BmcException.Kind.UNSUPPORTED, e.kind(), e.getMessage());
    assertTrue(e.getMessage().startsWith("racadm is not installed"), e.getMessage());
    assertFalse(e.getMessage().contains("calvin"), e.getMessage());
  }

  /** A stand-in racadm answering as an iDRAC does, refusing any password but calvin; 10.8.8.8 never answers. */
  private RacadmProvider standIn(String unreachableHost) throws Exception {
    Path racadm = dir.resolve("fake-racadm");
    Files.writeString(racadm, """
        #!/bin/sh
        # argv: -r host -u user -p password subcommand...
        [ "$2" = "%s" ] && { echo "ERROR: Unable to connect to RAC at specified IP address."; exit 2; }
        [ "$2" = 10.8.8.8 ] && exec sleep 60
        [ "$6" = calvin ] || { echo "ERROR: Login failed - invalid username or password"; exit 3; }
        echo "Security Alert: Certificate is invalid - self signed certificate"
        echo "Continuing execution. Use -S option for racadm to stop execution on certificate-related errors."
        case "$7 $8" in
          "serveraction powerstatus") echo "Server power status: ON";;
          "get iDRAC.Users.2.UserName") echo "[Key=iDRAC.Embedded.1#Users.2]"; echo "UserName=root";;
          "get iDRAC.Users."*) echo "UserName=";;
          "racreset soft") echo "ERROR: Invalid subcommand specified."; exit 0;;
          *) echo "Object value modified successfully";;
        esac
        """.formatted(unreachableHost));
    Files.setPosixFilePermissions(racadm, PosixFilePermissions.fromString("rwx------"));
    return new RacadmProvider(racadm.toString(), Duration.ofSeconds(5));
  }

  @Test
  void providerReadsPowerAndTurnsRacadmErrorsIntoKinds() throws Exception {
    RacadmProvider racadm = standIn("10.9.9.9");
    Instant deadline = Instant.now().plusSeconds(30);
    try (BmcSession s = racadm.open(IDRAC, deadline, deadline)) {
      assertEquals(PowerState.ON, s.powerState());
      s.createUser(new UserAccount("alice", Secret.of("pw"), Role.ADMIN));
      BmcException exists = assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("root", Secret.of("pw"), Role.ADMIN)));
      assertEquals(BmcException.Kind.PRECONDITION, exists.kind(), exists.getMessage());
      BmcException soft = assertThrows(BmcException.class, () -> s.resetBmc(false));
      assertEquals(BmcException.Kind.UNSUPPORTED, soft.kind(), soft.getMessage());
    }
    BmcException wrong = assertThrows(BmcException.class,
        () -> racadm.open(new BmcTarget("10.0.0.5", 0, "root", Secret.of("wrong")), deadline, deadline));
    assertEquals(BmcException.Kind.UNAUTHENTICATED, wrong.kind(), wrong.getMessage());
    assertTrue(wrong.getMessage().contains("ERROR: Login failed - invalid username or password"), wrong.getMessage());
    BmcException away = assertThrows(BmcException.class,
        () -> racadm.open(new BmcTarget("10.9.9.9", 0, "root", Secret.of("calvin")), deadline, deadline));
    assertEquals(BmcException.Kind.UNREACHABLE, away.kind(), away.getMessage());
  }

  @Test
  void loginCheckEndsByTheLoginTimeThoughTheDeadlineIsLater() throws Exception {
    RacadmProvider racadm = standIn("10.9.9.9");
    Instant loginBy = Instant.now().plusSeconds(1);
    BmcException silent = assertThrows(BmcException.class,
        () -> racadm.open(new BmcTarget("10.8.8.8", 0, "root", Secret.of("calvin")), loginBy, in(30)));
    assertEquals(BmcException.Kind.UNREACHABLE, silent.kind(), silent.getMessage());
    assertTrue(silent.getMessage().contains("(racadm stopped)"), silent.getMessage());
    assertTrue(Instant.now().isBefore(loginBy.plusSeconds(2)), "overran the login time: " + silent.getMessage());
  }
}
