package io.tinkerjvm.pbnj.ipmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.Secret;
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

  @Test
  void readsAndChangesPower() throws Exception {
    sim.setPower(false);
    try (BmcSession s = ipmi.open(target(IpmiSim.PASSWORD), soon())) {
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
    try (BmcSession s = ipmi.open(target(IpmiSim.PASSWORD), soon())) {
      s.bootDevice(new BootDevice(BootDevice.Device.PXE, false, false));
    }
    IpmiSim.Result r = sim.ipmitool("chassis", "bootparam", "get", "5");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("Force PXE"), r.output());
    assertEquals("pxe", sim.bootDevice());
  }

  @Test
  void wrongPasswordIsUnauthenticated() {
    BmcException e = assertThrows(BmcException.class, () -> ipmi.open(target("wrong"), soon()).close());
    assertEquals(BmcException.Kind.UNAUTHENTICATED, e.kind(), e.getMessage());
  }

  @Test
  void silentPortIsUnreachable() throws Exception {
    BmcTarget nobody = new BmcTarget("127.0.0.1", IpmiSim.freeUdpPort(), "admin", Secret.of("x"));
    long t0 = System.nanoTime();
    BmcException e = assertThrows(BmcException.class, () -> ipmi.open(nobody, Instant.now().plusSeconds(3)).close());
    System.out.println("unreachable after " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + e.getMessage());
    assertEquals(BmcException.Kind.UNREACHABLE, e.kind(), e.getMessage());
  }
}
