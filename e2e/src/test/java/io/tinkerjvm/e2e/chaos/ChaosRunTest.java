package io.tinkerjvm.e2e.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos run as CI's e2e stage runs it: 50 workflows on 50 agent processes while tink-server, Boots, PBnJ,
 * agents and Postgres are killed; every workflow must succeed with every action run exactly once, and nothing
 * may be left behind. The seed comes from -Dchaos.seed when given (to replay a failure), else a fresh one, printed.
 */
class ChaosRunTest {
  @Test
  @Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
  void everyWorkflowSucceedsWithEveryActionRunOnceWhileTheStackIsKilled() {
    String seed = System.getProperty("chaos.seed", "");
    ChaosOptions o = ChaosOptions.parse(
        "--repo=" + Path.of("..").toAbsolutePath().normalize(),
        "--machines=" + System.getProperty("chaos.machines", "50"),
        "--timeout=" + Duration.ofMinutes(10).toMinutes());
    if (!seed.isEmpty()) {
      o = ChaosOptions.parse("--repo=" + o.repo(), "--machines=" + o.machines(), "--timeout=" + o.timeoutMinutes(),
          "--seed=" + seed);
    }
    ChaosRun.Result r = ChaosRun.run(o);
    System.out.println(r.report());
    assertTrue(r.ok(), "seed " + r.seed() + ": " + String.join("\n", r.problems()));
  }
}
