package io.tinkerjvm.pbnj.ipmi;

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

class NativeIpmiProviderTest {
  @TempDir static Path dir;
  static IpmiSim sim;
  static NativeIpmiProvider ipmi = new NativeIpmiProvider(3, Duration.ofSeconds(2));

  @BeforeAll
  static void start() {
    sim = IpmiSim.start(dir);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static BmcTarget target(String password) {
    return new BmcTarget("127.0.0.1", sim.port(), IpmiSim.USER, Secret.of(password));
  }

  private static Instant soon() {
    return Instant.now().plusSeconds(10);
  }

  private static Instant in(int seconds) {
    return Instant.now().plusSeconds(seconds);
  }

  @Test
  void readsAndChangesPower() throws Exception {
    sim.setPower(false);
    try (BmcSession s = ipmi.open(target(IpmiSim.PASSWORD), soon(), soon())) {
      assertEquals(PowerState.OFF, s.powerState());
      s.power(PowerCommand.ON);
      assertEquals(PowerState.ON, s.powerState());
      assertTrue(sim.poweredOn());
      s.power(PowerCommand.HARD_OFF);
      assertEquals(PowerState.OFF, s.powerState());
    }
  }

  @Test
  void setsPxeBootCheckedByIpmitool() throws Exception {
    try (BmcSession s = ipmi.open(target(IpmiSim.PASSWORD), soon(), soon())) {
      s.bootDevice(new BootDevice(BootDevice.Device.PXE, false, false));
    }
    IpmiSim.Result r = sim.ipmitool("chassis", "bootparam", "get", "5");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("Force PXE"), r.output());
    assertEquals("pxe", sim.bootDevice());
  }

  @Test
  void wrongPasswordIsUnauthenticated() {
    BmcException e = assertThrows(BmcException.class,
        () -> ipmi.open(target("wrong"), soon(), soon()).close());
    assertEquals(BmcException.Kind.UNAUTHENTICATED, e.kind(), e.getMessage());
  }

  @Test
  void silentPortIsUnreachableByTheLoginTimeThoughTheDeadlineIsLater() throws Exception {
    BmcTarget nobody = new BmcTarget("127.0.0.1", IpmiSim.freeUdpPort(), "admin", Secret.of("x"));
    Instant loginBy = in(2);
    long t0 = System.nanoTime();
    BmcException e = assertThrows(BmcException.class, () -> ipmi.open(nobody, loginBy, in(30)).close());
    System.out.println("unreachable after " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + e.getMessage());
    assertEquals(BmcException.Kind.UNREACHABLE, e.kind(), e.getMessage());
    assertTrue(Instant.now().isBefore(loginBy.plusSeconds(1)), "overran the login time: " + e.getMessage());
  }

  @Test
  void createsUpdatesAndDeletesAUserInAFreeSlotOnly() throws Exception {
    try (BmcSession s = ipmi.open(target(IpmiSim.PASSWORD), soon(), soon())) {
      s.createUser(new UserAccount("carol", Secret.of("first-pass1"), UserAccount.Role.ADMIN));
      BmcException twice = assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("carol", Secret.of("other-pass1"), UserAccount.Role.USER)));
      assertEquals(BmcException.Kind.PRECONDITION, twice.kind(), twice.getMessage());
    }
    IpmiSim.Result list = sim.ipmitool("user", "list", "1");
    assertTrue(list.output().lines().anyMatch(l -> l.matches("3\\s+carol\\s+.*ADMINISTRATOR")), list.output());
    assertTrue(list.output().lines().anyMatch(l -> l.matches("2\\s+" + IpmiSim.USER + "\\s+.*")), list.output());
    try (BmcSession s = ipmi.open(new BmcTarget("127.0.0.1", sim.port(), "carol", Secret.of("first-pass1")),
        soon(), soon())) {
      s.powerState();
    }
    try (BmcSession s = ipmi.open(target(IpmiSim.PASSWORD), soon(), soon())) {
      s.updateUser(new UserAccount("carol", Secret.of("second-pass2"), UserAccount.Role.USER));
      s.deleteUser("carol");
      BmcException gone = assertThrows(BmcException.class, () -> s.deleteUser("carol"));
      assertEquals(BmcException.Kind.PRECONDITION, gone.kind(), gone.getMessage());
    }
    assertFalse(sim.ipmitool("user", "list", "1").output().contains("carol"));
  }
}
