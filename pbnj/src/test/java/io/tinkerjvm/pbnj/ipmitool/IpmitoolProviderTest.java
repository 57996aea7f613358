package io.tinkerjvm.pbnj.ipmitool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.Secret;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import io.tinkerjvm.pbnj.support.IpmiSim;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpmitoolProviderTest {
  @TempDir static Path dir;
  static IpmiSim sim;
  static IpmitoolProvider ipmitool = new IpmitoolProvider("ipmitool", 3, Duration.ofSeconds(5));

  @BeforeAll
  static void start() {
    sim = IpmiSim.start(dir);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static BmcTarget target(String user, String password) {
    return new BmcTarget("127.0.0.1", sim.port(), user, Secret.of(password));
  }

  private static BmcTarget admin() {
    return target(IpmiSim.USER, IpmiSim.PASSWORD);
  }

  private static Instant soon() {
    return Instant.now().plusSeconds(20);
  }

  @Test
  void readsAndChangesPower() throws Exception {
    sim.setPower(false);
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      assertEquals(PowerState.OFF, s.powerState());
      s.power(PowerCommand.ON);
      assertEquals(PowerState.ON, s.powerState());
      assertTrue(sim.poweredOn());
      s.power(PowerCommand.HARD_OFF);
      assertEquals(PowerState.OFF, s.powerState());
      assertFalse(sim.poweredOn());
    }
  }

  @Test
  void softOffReachesTheChassisAsAShutdownRequest() throws Exception {
    sim.setPower(true);
    sim.clearCalls();
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      s.power(PowerCommand.SOFT_OFF);
      assertEquals(PowerState.OFF, s.powerState());
    }
    assertTrue(sim.calls().contains("0x20 set shutdown 1"), sim.calls().toString());
  }

  @Test
  void cycleAndResetReachTheChassis() throws Exception {
    sim.setPower(true);
    sim.clearCalls();
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      s.power(PowerCommand.RESET);
      s.power(PowerCommand.CYCLE);
    }
    // ipmi_sim turns the power off for a cycle and never back on, so only the calls can be checked
    assertTrue(sim.calls().contains("0x20 set reset 1"), sim.calls().toString());
    assertTrue(sim.calls().contains("0x20 set power 0"), sim.calls().toString());
  }

  @Test
  void setsPxeBootCheckedByBootParameterFive() throws Exception {
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      s.bootDevice(new BootDevice(BootDevice.Device.PXE, true, true));
    }
    IpmiSim.Result r = sim.ipmitool("chassis", "bootparam", "get", "5");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("Force PXE"), r.output());
    assertEquals("pxe", sim.bootDevice());
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      s.bootDevice(new BootDevice(BootDevice.Device.NONE, false, false));
    }
    assertEquals("none", sim.bootDevice());
  }

  @Test
  void wrongPasswordFailsAtOpenAsUnauthenticated() {
    BmcException e = assertThrows(BmcException.class,
        () -> ipmitool.open(target(IpmiSim.USER, "wrong"), soon(), soon()).close());
    assertEquals(BmcException.Kind.UNAUTHENTICATED, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("RAKP 2 HMAC is invalid"), e.getMessage());
    assertFalse(e.getMessage().contains("wrong"), e.getMessage());
  }

  @Test
  void unknownUserIsUnauthenticated() {
    BmcException e = assertThrows(BmcException.class,
        () -> ipmitool.open(target("nobody", IpmiSim.PASSWORD), soon(), soon()).close());
    assertEquals(BmcException.Kind.UNAUTHENTICATED, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("unauthorized name"), e.getMessage());
  }

  @Test
  void silentPortIsUnreachableBeforeTheLoginTimeThoughTheDeadlineIsLater() throws Exception {
    BmcTarget nobody = new BmcTarget("127.0.0.1", IpmiSim.freeUdpPort(), "admin", Secret.of("x"));
    Instant loginBy = Instant.now().plusSeconds(3);
    long t0 = System.nanoTime();
    BmcException e = assertThrows(BmcException.class,
        () -> ipmitool.open(nobody, loginBy, loginBy.plusSeconds(30)).close());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("ipmitool: unreachable after " + ms + " ms: " + e.getMessage());
    assertEquals(BmcException.Kind.UNREACHABLE, e.kind(), e.getMessage());
    assertTrue(Instant.now().isBefore(loginBy), "gave up only after the login time: " + ms + " ms");
    assertTrue(e.getMessage().contains("Get Auth Capabilities error"), e.getMessage());
  }

  @Test
  void createsUpdatesAndDeletesAUserWhoCanLogIn() throws Exception {
    String first = "s3 cr'et";
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      s.createUser(new UserAccount("alice", Secret.of(first), UserAccount.Role.ADMIN));
    }
    IpmiSim.Result list = sim.ipmitool("user", "list", "1");
    assertTrue(list.output().lines().anyMatch(l -> l.matches("\\d+\\s+alice\\s+.*ADMINISTRATOR")), list.output());
    try (BmcSession s = ipmitool.open(target("alice", first), soon(), soon())) {
      s.power(PowerCommand.ON);
      assertEquals(PowerState.ON, s.powerState());
    }

    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      BmcException twice = assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("alice", Secret.of("other"), UserAccount.Role.USER)));
      assertEquals(BmcException.Kind.PRECONDITION, twice.kind(), twice.getMessage());
      s.updateUser(new UserAccount("alice", Secret.of("n3w\"pass"), UserAccount.Role.USER));
    }
    assertEquals(BmcException.Kind.UNAUTHENTICATED, assertThrows(BmcException.class,
        () -> ipmitool.open(target("alice", first), soon(), soon()).close()).kind());
    try (BmcSession s = ipmitool.open(target("alice", "n3w\"pass"), soon(), soon())) {
      assertEquals(PowerState.ON, s.powerState());
    }
    list = sim.ipmitool("user", "list", "1");
    assertTrue(list.output().lines().anyMatch(l -> l.matches("\\d+\\s+alice\\s+.*USER")), list.output());

    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      s.deleteUser("alice");
      BmcException gone = assertThrows(BmcException.class, () -> s.deleteUser("alice"));
      assertEquals(BmcException.Kind.PRECONDITION, gone.kind(), gone.getMessage());
    }
    list = sim.ipmitool("user", "list", "1");
    assertFalse(list.output().contains("alice"), list.output());
    assertEquals(BmcException.Kind.UNAUTHENTICATED, assertThrows(BmcException.class,
        () -> ipmitool.open(target("alice", "n3w\"pass"), soon(), soon()).close()).kind());
  }

  @Test
  void passwordsAnExecFileCannotCarryAreRefusedBeforeAnythingChanges() throws Exception {
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      BmcException hash = assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("carol", Secret.of("a#b"), UserAccount.Role.USER)));
      assertEquals(BmcException.Kind.UNSUPPORTED, hash.kind(), hash.getMessage());
      assertFalse(hash.getMessage().contains("a#b"), hash.getMessage());
      BmcException longName = assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("a-name-of-17-char", Secret.of("x"), UserAccount.Role.USER)));
      assertEquals(BmcException.Kind.INVALID, longName.kind(), longName.getMessage());
    }
    assertFalse(sim.ipmitool("user", "list", "1").output().contains("carol"));
  }

  @Test
  void warmBmcResetIsUnsupportedOnIpmiSim() throws Exception {
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      BmcException e = assertThrows(BmcException.class, () -> s.resetBmc(false));
      assertEquals(BmcException.Kind.UNSUPPORTED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("MC reset command failed: Invalid command"), e.getMessage());
    }
  }

  @Test
  void missingBinaryIsUnsupported() {
    IpmitoolProvider none = new IpmitoolProvider(dir.resolve("no-such-ipmitool").toString(), 3, Duration.ofSeconds(5));
    BmcException e = assertThrows(BmcException.class, () -> none.open(admin(), soon(), soon()).close());
    assertEquals(BmcException.Kind.UNSUPPORTED, e.kind(), e.getMessage());
    assertTrue(e.getMessage().startsWith("ipmitool is not installed (--ipmitool-path"), e.getMessage());
  }

  @Test
  void oneCallTakesTensOfMilliseconds() throws Exception {
    int calls = 20;
    try (BmcSession s = ipmitool.open(admin(), soon(), soon())) {
      long t0 = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        s.powerState();
      }
      double ms = (System.nanoTime() - t0) / 1e6 / calls;
      System.out.printf("ipmitool: %.1f ms per call (chassis power status, %d calls)%n", ms, calls);
      assertTrue(ms < 1000, ms + " ms per call");
    }
  }
}
