package io.tinkerjvm.pbnj.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.Pbnj;
import io.tinkerjvm.pbnj.PbnjConfig;
import io.tinkerjvm.pbnj.support.IpmiSim;
import io.tinkerjvm.pbnj.support.TinkEvents;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.support.RunningTink;
import io.tinkerjvm.tink.support.TestPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What tink-server does when the BMC refuses, and when PBnJ is not there yet. */
class NetbootFailuresTest {
  @TempDir static Path dir;
  static IpmiSim sim;

  @BeforeAll
  static void start() {
    sim = IpmiSim.start(dir.resolve("bmc"));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static String createWorkflow(RunningTink tink, String hardwareId, String mac, String bmcPassword) {
    tink.hardware().push(PushRequest.newBuilder().setData(HardwareDocument.parsePushed("""
        {"id": "%s",
         "metadata": {"bmc": {"host": "127.0.0.1", "port": %d, "username": "%s", "password": "%s", "vendor": "ipmi"}},
         "network": {"interfaces": [{"dhcp": {"mac": "%s"}, "netboot": {"allow_pxe": true, "allow_workflow": true}}]}}
        """.formatted(hardwareId, sim.port(), IpmiSim.USER, bmcPassword, mac), "hardware.json")).build());
    String template = tink.templates().createTemplate(WorkflowTemplate.newBuilder().setName("t" + mac.hashCode())
        .setData("""
            version: "0.1"
            name: one
            global_timeout: 600
            tasks:
            - name: os
              worker: "{{.device_1}}"
              actions:
              - name: a
                image: local/a
                timeout: 60
            """).build()).getId();
    return tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(template)
        .setHardware("{\"device_1\":\"" + mac + "\"}").build()).getId();
  }

  @Test
  void aRefusedBmcPasswordEndsTheNetbootWithAFailedEvent() throws Exception {
    try (Pbnj pbnj = Pbnj.start(PbnjConfig.load(Map.of(), "--grpc-port=0", "--http-port=0",
        "--bind-address=127.0.0.1"));
         RunningTink tink = new RunningTink(TestPostgres.freshDatabase(),
             "--pbnj-authority=127.0.0.1:" + pbnj.grpcPort())) {
      String id = createWorkflow(tink, "fa000000-0000-4000-8000-000000000001", "08:00:27:fa:00:01", "not-the-one");
      List<WorkflowActionStatus> events = TinkEvents.await(tink.channel, id, e -> !e.isEmpty(), 20_000);
      WorkflowActionStatus failed = events.getFirst();
      assertEquals("pxe-next-boot", failed.getActionName());
      assertEquals(State.STATE_FAILED, failed.getActionStatus());
      assertTrue(failed.getMessage().contains("UNAUTHENTICATED: BMC 127.0.0.1:" + sim.port() + " refused user 'admin'"),
          failed.getMessage());
      assertFalse(failed.getMessage().contains("not-the-one"), failed.getMessage());
      Thread.sleep(500);
      assertEquals(1, TinkEvents.await(tink.channel, id, e -> true, 1000).size(), "no power cycle after a refused login");
      assertEquals(1, tink.count("SELECT count(*) FROM bmc_operation WHERE state = 'failed'"));
    }
  }

  @Test
  void netbootWaitsForPbnjAndCompletesWhenItComesUp() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (RunningTink tink = new RunningTink(TestPostgres.freshDatabase(), "--pbnj-authority=127.0.0.1:" + port)) {
      sim.setPower(false);
      String id = createWorkflow(tink, "fa000000-0000-4000-8000-000000000002", "08:00:27:fa:00:02", IpmiSim.PASSWORD);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (tink.count("SELECT count(*) FROM bmc_operation WHERE state = 'pending' AND attempts >= 1 "
          + "AND message LIKE 'UNAVAILABLE%'") == 0) {
        assertTrue(System.nanoTime() < until, "the netboot was not put back to wait for PBnJ");
        Thread.sleep(100);
      }
      assertEquals(0, TinkEvents.await(tink.channel, id, e -> true, 1000).size(), "no event while PBnJ is away");
      try (Pbnj pbnj = Pbnj.start(PbnjConfig.load(Map.of(), "--grpc-port=" + port, "--http-port=0",
          "--bind-address=127.0.0.1"))) {
        List<WorkflowActionStatus> events = TinkEvents.await(tink.channel, id, TinkEvents.has("power-cycle"),
            30_000);
        assertTrue(events.stream().allMatch(e -> e.getActionStatus() == State.STATE_SUCCESS), events.toString());
        assertTrue(sim.poweredOn());
      }
    }
  }
}
