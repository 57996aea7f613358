package io.tinkerjvm.pbnj.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.Pbnj;
import io.tinkerjvm.pbnj.PbnjConfig;
import io.tinkerjvm.pbnj.support.IpmiSim;
import io.tinkerjvm.pbnj.support.TinkEvents;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.tink.support.RunningTink;
import io.tinkerjvm.tink.support.ScriptedWorker;
import io.tinkerjvm.tink.support.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tink drives PBnJ: `tink workflow create` for hardware whose BMC is an ipmi_sim leaves that BMC set to PXE
 * and the machine power-cycled, with both steps as events of the workflow; when the workflow succeeds,
 * the machine is set to boot from disk.
 */
class WorkflowNetbootTest {
  static final String HW = "e2e00000-0000-4000-8000-000000000001";
  static final String MAC = "08:00:27:e2:e0:01";

  @TempDir static Path dir;
  static IpmiSim sim;
  static Pbnj pbnj;
  static RunningTink tink;

  @BeforeAll
  static void start() {
    sim = IpmiSim.start(dir.resolve("bmc"));
    pbnj = Pbnj.start(PbnjConfig.load(Map.of(), "--grpc-port=0", "--http-port=0", "--bind-address=127.0.0.1",
        "--task-timeout=20s", "--min-interval=100ms"));
    tink = new RunningTink(TestPostgres.freshDatabase(), "--pbnj-authority=127.0.0.1:" + pbnj.grpcPort());
  }

  @AfterAll
  static void stop() throws Exception {
    tink.close();
    pbnj.close();
    sim.close();
  }

  @Test
  void workflowCreateNetbootsTheMachineAndSuccessBootsItFromDisk() throws Exception {
    sim.setPower(true); // a machine in service, to be reprovisioned
    String hardwareJson = """
        {"id": "%s",
         "metadata": {"instance": {"hostname": "node1"},
                      "bmc": {"host": "127.0.0.1", "port": %d, "username": "%s", "password": "%s", "vendor": "ipmi"}},
         "network": {"interfaces": [{"dhcp": {"mac": "%s", "ip": {"address": "10.20.0.5", "netmask": "255.255.255.0"}},
                                     "netboot": {"allow_pxe": true, "allow_workflow": true}}]}}
        """.formatted(HW, sim.port(), IpmiSim.USER, IpmiSim.PASSWORD, MAC);
    tink.hardware().push(PushRequest.newBuilder().setData(parseHardware(hardwareJson)).build());
    String template = tink.templates().createTemplate(WorkflowTemplate.newBuilder().setName("reprovision")
        .setData("""
            version: "0.1"
            name: reprovision
            global_timeout: 600
            tasks:
            - name: os
              worker: "{{.device_1}}"
              actions:
              - name: write-image
                image: local/image2disk
                timeout: 60
            """).build()).getId();
    sim.clearCalls();

    long t0 = System.nanoTime();
    String created = tinkCli("workflow", "create", "-t", template, "-r", "{\"device_1\":\"" + MAC + "\"}");
    String workflowId = created.replaceAll("(?s).*Created Workflow:\\s*([0-9a-f-]{36}).*", "$1");
    assertEquals(36, workflowId.length(), created);

    List<WorkflowActionStatus> events = TinkEvents.await(tink.channel, workflowId, TinkEvents.has("power-cycle"),
        30_000);
    long netbootMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("netboot through PBnJ took " + netbootMs + " ms");
    WorkflowActionStatus pxe = find(events, "pxe-next-boot");
    WorkflowActionStatus cycle = find(events, "power-cycle");
    assertEquals(State.STATE_SUCCESS, pxe.getActionStatus(), pxe.getMessage());
    assertEquals(State.STATE_SUCCESS, cycle.getActionStatus(), cycle.getMessage());
    assertEquals("pbnj", cycle.getWorkerId());
    assertTrue(pxe.getMessage().contains("PXE on next boot of admin@127.0.0.1:" + sim.port()), pxe.getMessage());
    assertTrue(cycle.getMessage().endsWith("power POWER_ACTION_CYCLE complete"), cycle.getMessage());

    IpmiSim.Result boot = sim.ipmitool("chassis", "bootparam", "get", "5");
    assertTrue(boot.output().contains("Boot Device Selector : Force PXE"), boot.output());
    List<String> sets = sim.calls().stream().filter(c -> c.contains(" set ")).toList();
    assertEquals(List.of("0x20 set boot pxe", "0x20 set power 0", "0x20 set power 1"), sets);
    assertTrue(sim.poweredOn());
    String cliEvents = tinkCli("workflow", "events", workflowId);
    assertTrue(cliEvents.contains("power-cycle") && cliEvents.contains("pbnj"), cliEvents);
    assertTrue(!cliEvents.contains(IpmiSim.PASSWORD) && !created.contains(IpmiSim.PASSWORD));

    // the machine's worker runs the workflow to success: PBnJ turns it to boot from disk
    ScriptedWorker worker = new ScriptedWorker(HW, tink.channel, 10, ScriptedWorker.newExecutionLog(), a -> {});
    Thread t = Thread.ofVirtual().start(worker);
    try {
      List<WorkflowActionStatus> after = TinkEvents.await(tink.channel, workflowId, TinkEvents.has("boot-from-disk"),
          30_000);
      WorkflowActionStatus disk = find(after, "boot-from-disk");
      assertEquals(State.STATE_SUCCESS, disk.getActionStatus(), disk.getMessage());
    } finally {
      worker.stop();
      t.join(5000);
    }
    IpmiSim.Result diskBoot = sim.ipmitool("chassis", "bootparam", "get", "5");
    assertTrue(diskBoot.output().contains("Hard-Drive"), diskBoot.output());
    assertEquals(1, tink.count("SELECT count(*) FROM bmc_operation WHERE kind = 'netboot' AND state = 'done'"));
    assertEquals(1, tink.count("SELECT count(*) FROM bmc_operation WHERE kind = 'boot_disk' AND state = 'done'"));
  }

  private static Hardware parseHardware(String json) throws Exception {
    return io.tinkerjvm.tink.hardware.HardwareDocument.parsePushed(json, "hardware.json");
  }

  private static WorkflowActionStatus find(List<WorkflowActionStatus> events, String action) {
    return events.stream().filter(e -> e.getActionName().equals(action)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + action + " event in " + events));
  }

  /** The tink CLI as a process, as an operator runs it. */
  private static String tinkCli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.tinkerjvm.cli.Tink"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1:" + tink.server.grpcPort());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", args) + ": " + out);
    return out;
  }
}
