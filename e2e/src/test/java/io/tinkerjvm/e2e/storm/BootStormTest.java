package io.tinkerjvm.e2e.storm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.e2e.storm.MachineSimulator.Outcome;
import io.tinkerjvm.e2e.storm.MachineSimulator.Phase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * The boot storm's harness at a small size: 50 simulated machines against the real stack (tink-server on its
 * embedded Postgres, Boots, Hegel, each its own process from this tree's build). Every machine must get
 * through every phase with the right answers (its reserved address and boot file, the byte-identical iPXE
 * binary, a script naming it, its own metadata) and every workflow must end SUCCESS. No timing is asserted.
 */
class BootStormTest {
  @Test
  void fiftyMachinesBootAtOnceAndEveryWorkflowSucceeds() throws Exception {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Path work = Files.createTempDirectory(Path.of("/tmp"), "tinkerjvm-storm-test-");
    try {
      BootStorm.Result r = new BootStorm(repo, work, 50, false).run();
      assertEquals(50, r.outcomes().size());
      assertTrue(r.failures().isEmpty(), "machines that did not finish: " + r.failures());
      for (Phase p : Phase.values()) {
        assertEquals(50, r.completedPhase(p), "machines through " + p);
      }
      assertEquals(50, r.workflowsSucceeded(), "workflows in SUCCESS");
      assertEquals(50, r.outcomes().stream().filter(o -> o.credential != null).count(),
          "every script carried a machine credential");
      assertEquals(50, r.outcomes().stream().map(o -> o.workflowId).distinct().count(),
          "each machine ran its own workflow");
      for (Outcome o : r.outcomes()) {
        assertEquals(2, o.calls.get("GetWorkflowData").size(), o.machine.mac() + ": one data read per action");
        assertEquals(4, o.calls.get("ReportActionStatus").size(), o.machine.mac() + ": RUNNING and SUCCESS per action");
      }
    } finally {
      try (var walk = Files.walk(work)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
