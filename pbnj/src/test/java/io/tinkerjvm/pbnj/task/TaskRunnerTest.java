package io.tinkerjvm.pbnj.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tinkerjvm.pbnj.bmc.BmcGate;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class TaskRunnerTest {
  @Test
  void aTaskThatNeverReturnsEndsAtItsDeadline() throws Exception {
    try (TaskRunner runner = new TaskRunner(new BmcGate(Duration.ZERO), Duration.ofMillis(300), Duration.ofHours(1),
        10, new SimpleMeterRegistry())) {
      String id = runner.submit("power_status", "power action: POWER_ACTION_STATUS", "bmc-1", (progress, deadline) -> {
        new CountDownLatch(1).await(); // a BMC library call that never comes back
        return "never";
      });
      Thread.sleep(700);
      TaskRecord t = runner.status(id).orElseThrow();
      assertTrue(t.complete(), "still " + t.state());
      assertEquals(Status.Code.DEADLINE_EXCEEDED, t.errorCode());
      assertTrue(t.errorMessage().endsWith("within 300 ms (--task-timeout)"), t.errorMessage());
    }
  }

  @Test
  void moreTasksThanItMayHoldAreRefused() {
    try (TaskRunner runner = new TaskRunner(new BmcGate(Duration.ZERO), Duration.ofSeconds(5), Duration.ofHours(1),
        2, new SimpleMeterRegistry())) {
      CountDownLatch release = new CountDownLatch(1);
      TaskRunner.Work blocked = (progress, deadline) -> {
        release.await();
        return "on";
      };
      runner.submit("power_status", "status", "bmc-1", blocked);
      runner.submit("power_status", "status", "bmc-2", blocked);
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> runner.submit("power_status", "status", "bmc-3", blocked));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("--max-tasks"));
      release.countDown();
    }
  }
}
