package io.tinkerjvm.pbnj.redfish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.support.RedfishSimulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proves the simulator behaves like a BMC to Debian's redfishtool, a real Redfish client, before we rely on it. */
class RedfishSimulatorTest {
  @TempDir static Path dir;
  static RedfishSimulator sim;

  @BeforeAll
  static void start() {
    sim = RedfishSimulator.start(dir);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @BeforeEach
  void clearLog() {
    sim.clearRequests();
  }

  record Run(int exit, String output) {}

  /** redfishtool over HTTPS with session login; a password on its command line is fine in a test. */
  static Run redfishtoolAs(String auth, String password, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/usr/bin/redfishtool", "-r", "127.0.0.1:" + sim.port(),
        "-u", RedfishSimulator.USER, "-p", password, "-A", auth, "-S", "Always", "-T", "10"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("redfishtool did not finish: " + String.join(" ", command));
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static Run redfishtool(String... args) throws Exception {
    return redfishtoolAs("Session", RedfishSimulator.PASSWORD, args);
  }

  private static boolean logged(String method, String path, String auth, int status) {
    return sim.requests().stream().anyMatch(r -> r.method().equals(method) && r.path().equals(path)
        && r.auth().equals(auth) && r.status() == status);
  }

  @Test
  void serviceRootIsReadableWithoutLogin() throws Exception {
    Run r = redfishtool("root");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("\"RedfishVersion\": \"1.6.0\""), r.output());
    assertTrue(r.output().contains("/redfish/v1/SessionService/Sessions"), r.output());
    assertTrue(logged("GET", "/redfish/v1", "none", 200), sim.requests().toString());
  }

  @Test
  void listsSystemsThroughASessionAndLogsOut() throws Exception {
    Run r = redfishtool("Systems", "list");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains(RedfishSimulator.SYSTEM), r.output());
    assertTrue(logged("POST", "/redfish/v1/SessionService/Sessions", "none", 201), sim.requests().toString());
    assertTrue(logged("GET", "/redfish/v1/Systems", "token", 200), sim.requests().toString());
    assertTrue(sim.requests().stream().anyMatch(q -> q.method().equals("DELETE")
        && q.path().startsWith("/redfish/v1/SessionService/Sessions/") && q.status() == 204),
        sim.requests().toString());
    assertEquals(0, sim.openSessions());
  }

  @Test
  void resetOnPowersTheSystemOn() throws Exception {
    sim.setPowerState("Off");
    Run r = redfishtool("Systems", "-I", "1", "reset", "On");
    assertEquals(0, r.exit(), r.output());
    assertEquals("On", sim.powerState());
    assertEquals("On", sim.systemResets().getLast());
    assertTrue(logged("POST", RedfishSimulator.DEFAULT_RESET_TARGET, "token", 204), sim.requests().toString());
  }

  @Test
  void resetTypeOutsideAllowableValuesIsRefusedByTheClient() throws Exception {
    sim.setAllowedResetTypes(List.of("On", "ForceOff"));
    try {
      Run r = redfishtool("Systems", "-I", "1", "reset", "PowerCycle");
      assertNotEquals(0, r.exit(), r.output());
      assertTrue(r.output().contains("not supported by the remote service"), r.output());
    } finally {
      sim.setAllowedResetTypes(RedfishSimulator.ALL_RESET_TYPES);
    }
  }

  @Test
  void bootOverridePatchSendsTheETagAndChangesBoot() throws Exception {
    Run r = redfishtool("Systems", "-I", "1", "setBootOverride", "Once", "Pxe");
    assertEquals(0, r.exit(), r.output());
    assertTrue(sim.bootOverride().startsWith("Once Pxe"), sim.bootOverride());
    assertTrue(sim.requests().stream().anyMatch(q -> q.method().equals("PATCH") && q.path().equals(
        RedfishSimulator.SYSTEM) && q.ifMatch() != null && q.status() == 200), sim.requests().toString());
    Run back = redfishtool("Systems", "-I", "1", "setBootOverride", "Disabled");
    assertEquals(0, back.exit(), back.output());
    assertTrue(sim.bootOverride().startsWith("Disabled"), sim.bootOverride());
  }

  @Test
  void badBootValueIsRefusedWithExtendedInfo() throws Exception {
    String before = sim.bootOverride();
    Run r = redfishtool("-sssss", "raw", "PATCH", RedfishSimulator.SYSTEM, "-d",
        "{\"Boot\":{\"BootSourceOverrideTarget\":\"Floppy\"}}");
    assertNotEquals(0, r.exit(), r.output());
    assertTrue(logged("PATCH", RedfishSimulator.SYSTEM, "token", 400), sim.requests().toString());
    assertTrue(r.output().contains("The value Floppy for the property BootSourceOverrideTarget is not in the list"),
        r.output());
    assertEquals(before, sim.bootOverride());
  }

  @Test
  void basicAuthWorksAsOnRealBmcs() throws Exception {
    Run r = redfishtoolAs("Basic", RedfishSimulator.PASSWORD, "Managers", "-I", "1");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("Manager.Reset"), r.output());
    assertTrue(logged("GET", "/redfish/v1/Managers/1", "basic", 200), sim.requests().toString());
  }

  @Test
  void wrongPasswordIsRefused() throws Exception {
    Run session = redfishtoolAs("Session", "not-the-password", "Systems", "list");
    assertNotEquals(0, session.exit(), session.output());
    assertTrue(logged("POST", "/redfish/v1/SessionService/Sessions", "none", 401), sim.requests().toString());
    Run basic = redfishtoolAs("Basic", "not-the-password", "Systems", "list");
    assertNotEquals(0, basic.exit(), basic.output());
    assertTrue(logged("GET", "/redfish/v1/Systems", "bad-basic", 401), sim.requests().toString());
    assertTrue(sim.requests().stream().noneMatch(q -> q.status() == 200 && !q.auth().equals("none")),
        sim.requests().toString());
  }

  @Test
  void accountsCanBeAddedThroughAccountService() throws Exception {
    Run r = redfishtool("AccountService", "adduser", "operator1", "operpass1", "Operator");
    assertEquals(0, r.exit(), r.output());
    assertEquals("Operator", sim.accounts().get("operator1").roleId());
    Run del = redfishtool("AccountService", "deleteuser", "operator1");
    assertEquals(0, del.exit(), del.output());
    assertTrue(!sim.accounts().containsKey("operator1"), sim.accounts().toString());
  }
}
