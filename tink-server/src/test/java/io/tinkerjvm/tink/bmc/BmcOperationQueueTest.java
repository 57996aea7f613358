package io.tinkerjvm.tink.bmc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.tink.db.Database;
import io.tinkerjvm.tink.support.Fixtures;
import io.tinkerjvm.tink.support.RunningTink;
import io.tinkerjvm.tink.workflow.ActionState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The queue of BMC operations: fenced claims, one machine's operations in order, bounded attempts. */
class BmcOperationQueueTest {
  static RunningTink tink;
  static Database db;
  static BmcRepository queue;
  static String workflow;
  static final String HW = "c0000000-0000-4000-8000-000000000001";

  @BeforeAll
  static void start() {
    tink = new RunningTink();
    db = Database.open(tink.dbUrl, "postgres", "", 2);
    queue = new BmcRepository(db, new BmcVault(Base64.getDecoder().decode(RunningTink.BMC_KEY)));
    tink.hardware().push(PushRequest.newBuilder().setData(BmcRecordTest.withBmc(HW, "08:00:27:c0:00:01",
        "{\"host\":\"10.2.0.5\",\"username\":\"admin\",\"password\":\"pw\"}")).build());
    workflow = Fixtures.oneActionWorkflow(tink, "queue", "08:00:27:c0:00:01");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    db.close();
    tink.close();
  }

  @BeforeEach
  void empty() {
    sql("DELETE FROM bmc_operation");
    sql("DELETE FROM workflow_event");
  }

  static void sql(String statement) {
    try (Connection c = DriverManager.getConnection(tink.dbUrl, "postgres", "")) {
      c.createStatement().execute(statement);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static void queue(String kind) {
    sql("INSERT INTO bmc_operation (workflow_id, hardware_id, kind) VALUES ('" + workflow + "', '" + HW + "', '"
        + kind + "')");
  }

  @Test
  void anExpiredClaimCannotWriteOverTheNextOne() throws Exception {
    queue("netboot");
    BmcRepository.Operation first = queue.claim(Duration.ofMillis(300), 10).orElseThrow();
    Thread.sleep(400);
    BmcRepository.Operation second = queue.claim(Duration.ofMinutes(5), 10).orElseThrow();
    assertEquals(first.id(), second.id());
    assertEquals(first.attempts() + 1, second.attempts());

    assertFalse(queue.stepEnded(first, "pxe-next-boot", ActionState.SUCCESS, 0, "late", false));
    assertFalse(queue.retryLater(first, Duration.ZERO, "late"));
    assertEquals(0, tink.count("SELECT count(*) FROM workflow_event"), "the stale claim wrote an event");
    assertTrue(queue.stepEnded(second, "pxe-next-boot", ActionState.SUCCESS, 0, "ok", false));
    assertEquals(1, tink.count("SELECT count(*) FROM workflow_event WHERE worker_id = 'pbnj'"));
  }

  @Test
  void aStartedStepIsHandedToTheNextClaimNotStartedAgain() throws Exception {
    queue("netboot");
    BmcRepository.Operation op = queue.claim(Duration.ofMillis(300), 10).orElseThrow();
    assertTrue(queue.stepEnded(op, "pxe-next-boot", ActionState.SUCCESS, 0, "ok", false));
    assertTrue(queue.stepStarted(op, "task-of-the-cycle", Duration.ofMillis(300)));
    Thread.sleep(400);
    BmcRepository.Operation next = queue.claim(Duration.ofMinutes(5), 10).orElseThrow();
    assertEquals(1, next.stepsDone());
    assertEquals("task-of-the-cycle", next.pbnjTask());
  }

  @Test
  void oneMachinesOperationsRunInOrder() {
    queue("netboot");
    queue("boot_disk");
    BmcRepository.Operation netboot = queue.claim(Duration.ofMinutes(5), 10).orElseThrow();
    assertEquals("netboot", netboot.kind());
    assertTrue(queue.claim(Duration.ofMinutes(5), 10).isEmpty(), "boot_disk ran beside the netboot");
    assertTrue(queue.stepEnded(netboot, "power-cycle", ActionState.SUCCESS, 0, "ok", true));
    assertEquals("boot_disk", queue.claim(Duration.ofMinutes(5), 10).orElseThrow().kind());
  }

  @Test
  void attemptsAreBoundedAndTheEndIsAnEvent() {
    queue("netboot");
    sql("UPDATE bmc_operation SET attempts = 3, message = 'UNAVAILABLE: io exception'");
    assertTrue(queue.claim(Duration.ofMinutes(5), 3).isEmpty());
    assertEquals(1, tink.count("SELECT count(*) FROM bmc_operation WHERE state = 'failed' "
        + "AND message = 'gave up after 3 attempts: UNAVAILABLE: io exception'"));
    assertEquals(1, tink.count("SELECT count(*) FROM workflow_event WHERE status = " + ActionState.FAILED.code()
        + " AND message LIKE 'gave up after 3 attempts%'"));
  }

  @Test
  void operationsOfADeletedWorkflowAreCancelled() {
    UUID other = UUID.randomUUID();
    sql("INSERT INTO workflow (id, template_id, hardware, data, total_actions, deleted_at) SELECT '" + other
        + "', template_id, hardware, data, total_actions, now() FROM workflow WHERE id = '" + workflow + "'");
    sql("INSERT INTO bmc_operation (workflow_id, hardware_id, kind) VALUES ('" + other + "', '" + HW
        + "', 'netboot')");
    assertTrue(queue.claim(Duration.ofMinutes(5), 10).isEmpty());
    assertEquals(1, tink.count("SELECT count(*) FROM bmc_operation WHERE state = 'cancelled'"));
  }
}
