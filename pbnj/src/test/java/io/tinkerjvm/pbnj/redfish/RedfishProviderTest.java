package io.tinkerjvm.pbnj.redfish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcException.Kind;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.Secret;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import io.tinkerjvm.pbnj.support.RedfishSimulator;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedfishProviderTest {
  @TempDir static Path dir;
  static RedfishSimulator sim;
  static RedfishProvider redfish;

  @BeforeAll
  static void start() {
    sim = RedfishSimulator.start(dir.resolve("bmc"));
    redfish = new RedfishProvider(Duration.ofSeconds(5), null);
  }

  @AfterAll
  static void stop() {
    redfish.close();
    sim.close();
  }

  @BeforeEach
  void clearLog() {
    sim.clearRequests();
  }

  private static BmcTarget target(String password) {
    return new BmcTarget("127.0.0.1", sim.port(), RedfishSimulator.USER, Secret.of(password));
  }

  private static Instant in(int seconds) {
    return Instant.now().plusSeconds(seconds);
  }

  private static BmcSession open() throws BmcException {
    return redfish.open(target(RedfishSimulator.PASSWORD), in(20), in(20));
  }

  @Test
  void nameIsRedfish() {
    assertEquals("redfish", redfish.name());
  }

  @Test
  void readsPowerStatusAndLogsOutOnClose() throws Exception {
    sim.setPowerState("On");
    try (BmcSession s = open()) {
      assertEquals(PowerState.ON, s.powerState());
      // a transition reads as the state it is going to
      sim.setPowerState("PoweringOff");
      assertEquals(PowerState.OFF, s.powerState());
      sim.setPowerState("PoweringOn");
      assertEquals(PowerState.ON, s.powerState());
      sim.setPowerState("Off");
      assertEquals(PowerState.OFF, s.powerState());
      assertEquals(1, sim.openSessions());
    }
    assertEquals(0, sim.openSessions());
    assertTrue(sim.requests().stream().filter(r -> !r.path().equals("/redfish/v1/SessionService/Sessions"))
        .allMatch(r -> r.auth().equals("token")), sim.requests().toString());
  }

  @Test
  void loginWithoutATokenIsLoggedOutAtItsLocationWithBasicAuth() throws Exception {
    sim.setLoginSendsToken(false);
    try {
      BmcException e = assertThrows(BmcException.class, () -> open().close());
      assertEquals(Kind.FAILED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("sent no X-Auth-Token"), e.getMessage());
    } finally {
      sim.setLoginSendsToken(true);
    }
    assertEquals(0, sim.openSessions());
    assertTrue(sim.requests().stream().anyMatch(r -> r.method().equals("DELETE")
        && r.path().startsWith(RedfishProvider.SESSIONS + "/") && r.auth().equals("basic") && r.status() == 204),
        sim.requests().toString());
  }

  @Test
  void powersOnAndHardOff() throws Exception {
    sim.setPowerState("Off");
    try (BmcSession s = open()) {
      s.power(PowerCommand.ON);
      assertEquals("On", sim.powerState());
      assertEquals(PowerState.ON, s.powerState());
      s.power(PowerCommand.HARD_OFF);
      assertEquals("Off", sim.powerState());
    }
    assertEquals(List.of("On", "ForceOff"), sim.systemResets().subList(sim.systemResets().size() - 2,
        sim.systemResets().size()));
  }

  @Test
  void softOffIsAGracefulShutdown() throws Exception {
    sim.setPowerState("On");
    try (BmcSession s = open()) {
      s.power(PowerCommand.SOFT_OFF);
    }
    assertEquals("GracefulShutdown", sim.systemResets().getLast());
    assertEquals("Off", sim.powerState());
  }

  @Test
  void cycleIsPowerCycleAndResetIsForceRestart() throws Exception {
    sim.setPowerState("On");
    try (BmcSession s = open()) {
      s.power(PowerCommand.CYCLE);
      assertEquals("PowerCycle", sim.systemResets().getLast());
      s.power(PowerCommand.RESET);
      assertEquals("ForceRestart", sim.systemResets().getLast());
    }
  }

  @Test
  void cycleFallsBackToForceRestartWhenPowerCycleIsNotAllowed() throws Exception {
    sim.setAllowedResetTypes(List.of("On", "ForceOff", "GracefulShutdown", "ForceRestart"));
    try (BmcSession s = open()) {
      s.power(PowerCommand.CYCLE);
      assertEquals("ForceRestart", sim.systemResets().getLast());
    } finally {
      sim.setAllowedResetTypes(RedfishSimulator.ALL_RESET_TYPES);
    }
  }

  @Test
  void resetTypeTheBmcDoesNotAllowIsUnsupported() throws Exception {
    sim.setAllowedResetTypes(List.of("On", "ForceOff"));
    int before = sim.systemResets().size();
    try (BmcSession s = open()) {
      BmcException e = assertThrows(BmcException.class, () -> s.power(PowerCommand.SOFT_OFF));
      assertEquals(Kind.UNSUPPORTED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("GracefulShutdown"), e.getMessage());
    } finally {
      sim.setAllowedResetTypes(RedfishSimulator.ALL_RESET_TYPES);
    }
    assertEquals(before, sim.systemResets().size());
  }

  @Test
  void resetGoesToTheActionTargetTheSystemNames() throws Exception {
    String moved = RedfishSimulator.SYSTEM + "/Actions/Oem/Reset";
    sim.setResetTarget(moved);
    try (BmcSession s = open()) {
      s.power(PowerCommand.ON);
    } finally {
      sim.setResetTarget(RedfishSimulator.DEFAULT_RESET_TARGET);
    }
    assertTrue(sim.requests().stream().anyMatch(r -> r.method().equals("POST") && r.path().equals(moved)
        && r.status() == 204), sim.requests().toString());
  }

  @Test
  void bootsOncePxeEfiThenPersistentDiskLegacyWithTheETag() throws Exception {
    try (BmcSession s = open()) {
      s.bootDevice(new BootDevice(BootDevice.Device.PXE, false, true));
      assertEquals("Once Pxe UEFI", sim.bootOverride());
      s.bootDevice(new BootDevice(BootDevice.Device.DISK, true, false));
      assertEquals("Continuous Hdd Legacy", sim.bootOverride());
      s.bootDevice(new BootDevice(BootDevice.Device.NONE, false, true));
      assertEquals("Disabled None Legacy", sim.bootOverride());
    }
    List<RedfishSimulator.Request> patches = sim.requests().stream().filter(r -> r.method().equals("PATCH")).toList();
    assertEquals(3, patches.size(), patches.toString());
    assertTrue(patches.stream().allMatch(r -> r.ifMatch() != null && r.status() == 200), patches.toString());
  }

  @Test
  void createsUpdatesAndDeletesUsers() throws Exception {
    try (BmcSession s = open()) {
      s.createUser(new UserAccount("tink", Secret.of("first-pass-1"), UserAccount.Role.USER));
      RedfishSimulator.Account created = sim.accounts().get("tink");
      assertEquals("ReadOnly", created.roleId());
      assertEquals("first-pass-1", created.password());
      assertTrue(created.enabled());

      BmcException again = assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("tink", Secret.of("other-pass-1"), UserAccount.Role.ADMIN)));
      assertEquals(Kind.PRECONDITION, again.kind(), again.getMessage());

      s.updateUser(new UserAccount("tink", Secret.of("second-pass-2"), UserAccount.Role.ADMIN));
      assertEquals("second-pass-2", sim.accounts().get("tink").password());
      assertEquals("Administrator", sim.accounts().get("tink").roleId());
      s.updateUser(new UserAccount("tink", Secret.of("third-pass-3"), null));
      assertEquals("Administrator", sim.accounts().get("tink").roleId());

      s.deleteUser("tink");
      assertFalse(sim.accounts().containsKey("tink"));

      BmcException unknown = assertThrows(BmcException.class, () -> s.deleteUser("tink"));
      assertEquals(Kind.PRECONDITION, unknown.kind());
      assertEquals("no user 'tink' on BMC " + target("").key(), unknown.getMessage());
      BmcException unknownUpdate = assertThrows(BmcException.class,
          () -> s.updateUser(new UserAccount("nobody", Secret.of("whatever-1"), null)));
      assertEquals(Kind.PRECONDITION, unknownUpdate.kind());
    }
  }

  @Test
  void resetsTheBmcColdOrWarm() throws Exception {
    try (BmcSession s = open()) {
      s.resetBmc(true);
      s.resetBmc(false);
    }
    assertEquals(List.of("ForceRestart", "GracefulRestart"), sim.managerResets());
  }

  @Test
  void wrongPasswordIsUnauthenticatedAndNamesUserAndHost() {
    BmcException e = assertThrows(BmcException.class,
        () -> redfish.open(target("wrong-password-7"), in(10), in(10)).close());
    assertEquals(Kind.UNAUTHENTICATED, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("'" + RedfishSimulator.USER + "'"), e.getMessage());
    assertTrue(e.getMessage().contains(target("").key()), e.getMessage());
    assertFalse(e.getMessage().contains("wrong-password-7"), e.getMessage());
  }

  @Test
  void closedPortIsUnreachableBeforeTheDeadline() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    BmcTarget nobody = new BmcTarget("127.0.0.1", port, "admin", Secret.of("x"));
    Instant deadline = Instant.now().plusSeconds(3);
    BmcException e = assertThrows(BmcException.class, () -> redfish.open(nobody, deadline, deadline).close());
    assertEquals(Kind.UNREACHABLE, e.kind(), e.getMessage());
    assertTrue(Instant.now().isBefore(deadline), "gave up after the deadline");
  }

  @Test
  void silentServerIsUnreachableByTheLoginTimeThoughTheDeadlineIsLater() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> accepted = new ArrayList<>();
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (Exception e) {
          // closed at the end of the test
        }
      });
      BmcTarget mute = new BmcTarget("127.0.0.1", silent.getLocalPort(), "admin", Secret.of("x"));
      Instant loginBy = Instant.now().plusSeconds(2);
      BmcException e = assertThrows(BmcException.class,
          () -> redfish.open(mute, loginBy, loginBy.plusSeconds(30)).close());
      assertEquals(Kind.UNREACHABLE, e.kind(), e.getMessage());
      assertTrue(Instant.now().isBefore(loginBy.plusMillis(500)), "overran the login time: " + e.getMessage());
      silent.close();
      acceptor.join(1000);
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void verifiesTheCertificateAgainstTheGivenCaFile() throws Exception {
    Path own = Files.writeString(dir.resolve("bmc.pem"), sim.certificatePem());
    try (RedfishProvider verifying = new RedfishProvider(Duration.ofSeconds(5), own)) {
      try (BmcSession s = verifying.open(target(RedfishSimulator.PASSWORD), in(10), in(10))) {
        s.powerState();
      }
      // host-name checks stay on: the certificate names 127.0.0.1, not localhost
      BmcTarget byName = new BmcTarget("localhost", sim.port(), RedfishSimulator.USER,
          Secret.of(RedfishSimulator.PASSWORD));
      BmcException e = assertThrows(BmcException.class,
          () -> verifying.open(byName, in(10), in(10)).close());
      assertEquals(Kind.FAILED, e.kind(), e.getMessage());
    }
    Path other = Files.writeString(dir.resolve("other.pem"), RedfishSimulator.unrelatedCaPem(dir.resolve("ca")));
    try (RedfishProvider verifying = new RedfishProvider(Duration.ofSeconds(5), other)) {
      BmcException e = assertThrows(BmcException.class,
          () -> verifying.open(target(RedfishSimulator.PASSWORD), in(10), in(10)).close());
      assertEquals(Kind.FAILED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("TLS"), e.getMessage());
    }
  }

  @Test
  void unverifiedModeAcceptsAnyNameForTheSelfSignedCertificate() throws Exception {
    BmcTarget byName = new BmcTarget("localhost", sim.port(), RedfishSimulator.USER,
        Secret.of(RedfishSimulator.PASSWORD));
    try (BmcSession s = redfish.open(byName, in(10), in(10))) {
      s.powerState();
    }
  }

  @Test
  void noExceptionMessageHoldsAPassword() throws Exception {
    List<BmcException> failures = new ArrayList<>();
    failures.add(assertThrows(BmcException.class,
        () -> redfish.open(target("login-secret-9"), in(10), in(10)).close()));
    try (BmcSession s = open()) {
      // the simulator, like real BMCs, echoes a refused password value in its error message
      failures.add(assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("shorty", Secret.of("tiny1"), UserAccount.Role.USER))));
      s.createUser(new UserAccount("shorty", Secret.of("long-enough-1"), UserAccount.Role.USER));
      failures.add(assertThrows(BmcException.class,
          () -> s.updateUser(new UserAccount("shorty", Secret.of("tiny2"), null))));
      failures.add(assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("shorty", Secret.of("long-enough-2"), null))));
      s.deleteUser("shorty");
    }
    assertTrue(sim.requests().stream().anyMatch(r -> r.status() == 400 && r.body().contains("tiny1")),
        "the simulator should have refused the short password");
    for (BmcException e : failures) {
      for (String secret : List.of("login-secret-9", "tiny1", "tiny2", "long-enough-1", "long-enough-2")) {
        assertFalse(e.getMessage().contains(secret), e.getMessage());
        assertFalse(String.valueOf(e).contains(secret), e.toString());
      }
    }
    assertEquals(Kind.FAILED, failures.get(1).kind(), failures.get(1).getMessage());
    assertTrue(failures.get(1).getMessage().contains("<redacted>"), failures.get(1).getMessage());
  }

  @Test
  void bmcErrorMessagesAreIncluded() throws Exception {
    try (BmcSession s = open()) {
      BmcException e = assertThrows(BmcException.class,
          () -> s.createUser(new UserAccount("shorty2", Secret.of("tiny3"), UserAccount.Role.USER)));
      assertTrue(e.getMessage().contains("for the property Password is of a different format"), e.getMessage());
    }
    assertNull(sim.accounts().get("shorty2"));
  }
}
