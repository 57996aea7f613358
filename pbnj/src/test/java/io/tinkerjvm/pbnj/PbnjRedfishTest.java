package io.tinkerjvm.pbnj;

import static io.tinkerjvm.pbnj.support.PbnjClient.authn;
import static io.tinkerjvm.pbnj.support.PbnjClient.vendor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.tinkerjvm.pbnj.support.PbnjClient;
import io.tinkerjvm.pbnj.support.RedfishSimulator;
import io.tinkerjvm.proto.pbnj.v1.BootDevice;
import io.tinkerjvm.proto.pbnj.v1.DeviceRequest;
import io.tinkerjvm.proto.pbnj.v1.PowerAction;
import io.tinkerjvm.proto.pbnj.v1.PowerRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PBnJ's api.v1 to a Redfish BMC: chosen by an https:// host or the vendor hint, with PBnJ's power semantics. */
class PbnjRedfishTest {
  @TempDir static Path dir;
  static RedfishSimulator bmc;
  static Pbnj pbnj;
  static PbnjClient client;

  @BeforeAll
  static void start() {
    bmc = RedfishSimulator.start(dir);
    pbnj = Pbnj.start(PbnjConfig.load(Map.of(), "--grpc-port=0", "--http-port=0", "--bind-address=127.0.0.1",
        "--task-timeout=10s", "--min-interval=0ms", "--power-confirm-timeout=5s"));
    client = new PbnjClient(pbnj.grpcPort());
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    pbnj.close();
    bmc.close();
  }

  @Test
  void httpsHostGoesToRedfishAndCycleOfAnOffMachinePowersItOn() {
    bmc.setPowerState("Off");
    String id = client.machine.power(PowerRequest.newBuilder()
        .setAuthn(authn("https://127.0.0.1:" + bmc.port(), RedfishSimulator.USER, RedfishSimulator.PASSWORD))
        .setPowerAction(PowerAction.POWER_ACTION_CYCLE).build()).getTaskId();
    assertEquals("power POWER_ACTION_CYCLE complete", client.await(id, 10_000).getResult());
    assertEquals("On", bmc.powerState());
    assertEquals(java.util.List.of("On"), bmc.systemResets());
    assertEquals(0, bmc.openSessions(), "PBnJ logs out of every session it opens");
  }

  @Test
  void vendorHintPicksRedfishForBootOverride() {
    String id = client.machine.bootDevice(DeviceRequest.newBuilder()
        .setAuthn(authn("127.0.0.1:" + bmc.port(), RedfishSimulator.USER, RedfishSimulator.PASSWORD))
        .setVendor(vendor("dell")).setBootDevice(BootDevice.BOOT_DEVICE_PXE).setEfiBoot(true).build()).getTaskId();
    assertTrue(client.await(id, 10_000).getResult().endsWith("set via redfish"));
    assertTrue(bmc.bootOverride().contains("Pxe"), bmc.bootOverride());
  }

  @Test
  void wrongPasswordIsUnauthenticated() {
    String id = client.machine.power(PowerRequest.newBuilder()
        .setAuthn(authn("https://127.0.0.1:" + bmc.port(), RedfishSimulator.USER, "nope"))
        .setPowerAction(PowerAction.POWER_ACTION_STATUS).build()).getTaskId();
    assertEquals(Status.Code.UNAUTHENTICATED, client.awaitFailure(id, 10_000).getCode());
  }
}
