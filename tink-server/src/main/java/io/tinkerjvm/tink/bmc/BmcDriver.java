package io.tinkerjvm.tink.bmc;

import io.tinkerjvm.proto.pbnj.v1.BootDevice;
import io.tinkerjvm.proto.pbnj.v1.PowerAction;
import io.tinkerjvm.runtime.errors.FailedPreconditionException;
import io.tinkerjvm.tink.bmc.PbnjSteps.Done;
import io.tinkerjvm.tink.bmc.PbnjSteps.Forgotten;
import io.tinkerjvm.tink.bmc.PbnjSteps.Outcome;
import io.tinkerjvm.tink.bmc.PbnjSteps.Refused;
import io.tinkerjvm.tink.bmc.PbnjSteps.Started;
import io.tinkerjvm.tink.bmc.PbnjSteps.Unanswered;
import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.workflow.ActionState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the queued BMC operations through PBnJ: a netboot (PXE on next boot, then a power cycle)
 * when a workflow is created, a boot from disk when it succeeds. Each step becomes an event of the
 * workflow, in the transaction that moves the operation past it. A step PBnJ accepted is only ever waited
 * for again, never sent again, so a machine is not cycled twice; while PBnJ is unreachable the operation
 * waits and is retried. A BMC that refuses ends it.
 */
public final class BmcDriver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BmcDriver.class);
  public static final int MAX_ATTEMPTS = 10;
  /** Operations in flight at once, each on a virtual thread (they wait on PBnJ, not on CPU). */
  private static final int PARALLEL = 64;
  private static final Duration RENEW_EVERY = Duration.ofSeconds(30);

  private final BmcRepository repository;
  private final PbnjSteps pbnj;
  private final String pbnjAuthority;
  /** Longer than a step can take, renewed while one runs: a dead tink-server's claim expires, a live one's does not. */
  private final Duration lease;
  private final Semaphore wake = new Semaphore(0);
  private final Semaphore slots = new Semaphore(PARALLEL);
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  private final Runnable unsubscribe;
  private final Thread loop;
  private volatile boolean stopping;

  private record Step(String event, String label, Function<BmcRepository.Bmc, Outcome> start) {}

  public BmcDriver(BmcRepository repository, PbnjSteps pbnj, String pbnjAuthority, Duration stepTimeout,
      ChangeNotifier notifier) {
    this.repository = repository;
    this.pbnj = pbnj;
    this.pbnjAuthority = pbnjAuthority;
    this.lease = stepTimeout.plus(RENEW_EVERY.multipliedBy(4));
    this.unsubscribe = notifier.subscribe(ChangeNotifier.BMC, payload -> wake.release());
    this.loop = Thread.ofVirtual().name("bmc-driver").start(this::loop);
  }

  private void loop() {
    while (!stopping) {
      try {
        slots.acquire();
        Optional<BmcRepository.Operation> op;
        try {
          op = repository.claim(lease, MAX_ATTEMPTS);
        } catch (RuntimeException e) {
          slots.release();
          log.warn("cannot claim BMC operations: {}", e.getMessage());
          wake.tryAcquire(1, TimeUnit.SECONDS);
          continue;
        }
        if (op.isEmpty()) {
          slots.release();
          // woken by a NOTIFY when one is queued; the timeout catches retries coming due and expired leases
          wake.tryAcquire(1, TimeUnit.SECONDS);
          wake.drainPermits();
          continue;
        }
        Thread t = Thread.ofVirtual().name("bmc-op-" + op.get().id()).unstarted(() -> {
          try {
            carryOut(op.get());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (RuntimeException e) {
            // the claim runs out and the operation is tried again, up to MAX_ATTEMPTS claims in all
            log.error("BMC operation {} for workflow {} failed; it will be tried again", op.get().id(),
                op.get().workflowId(), e);
          } finally {
            running.remove(Thread.currentThread());
            slots.release();
          }
        });
        running.add(t);
        t.start();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private List<Step> steps(String kind) {
    return switch (kind) {
      case "netboot" -> List.of(
          new Step("pxe-next-boot", "PXE on next boot", b -> pbnj.startBootDevice(b, BootDevice.BOOT_DEVICE_PXE, false)),
          new Step("power-cycle", "power cycle", b -> pbnj.startPower(b, PowerAction.POWER_ACTION_CYCLE)));
      case "boot_disk" -> List.of(new Step("boot-from-disk", "boot from disk",
          b -> pbnj.startBootDevice(b, BootDevice.BOOT_DEVICE_DISK, true)));
      default -> throw new IllegalStateException("unknown BMC operation " + kind);
    };
  }

  private void carryOut(BmcRepository.Operation op) throws InterruptedException {
    List<Step> steps = steps(op.kind());
    Step first = steps.get(Math.min(op.stepsDone(), steps.size() - 1));
    Optional<BmcRepository.Bmc> found;
    try {
      found = repository.bmc(op.hardwareId());
    } catch (IllegalStateException | FailedPreconditionException noKeyForIt) {
      repository.stepEnded(op, first.event(), ActionState.FAILED, 0, noKeyForIt.getMessage(), true);
      return;
    }
    if (found.isEmpty()) {
      repository.stepEnded(op, first.event(), ActionState.FAILED, 0, "hardware " + op.hardwareId()
          + " no longer has a BMC (metadata.bmc was removed, or the hardware deleted)", true);
      return;
    }
    BmcRepository.Bmc bmc = found.get();
    String pending = op.pbnjTask();
    boolean startedAgain = false;
    for (int i = op.stepsDone(); i < steps.size(); i++) {
      Step step = steps.get(i);
      long t0 = System.nanoTime();
      if (pending == null) {
        Outcome started = step.start().apply(bmc);
        if (!(started instanceof Started s)) {
          end(op, step, started, t0, bmc, i == steps.size() - 1);
          return;
        }
        pending = s.taskId();
        if (!repository.stepStarted(op, pending, lease)) {
          log.warn("lost the claim on BMC operation {} after starting PBnJ task {}", op.id(), pending);
          return;
        }
      }
      String taskId = pending;
      long[] renewed = {System.nanoTime()};
      Outcome outcome = pbnj.await(taskId, () -> {
        if (stopping) {
          return false;
        }
        if (System.nanoTime() - renewed[0] > RENEW_EVERY.toNanos()) {
          renewed[0] = System.nanoTime();
          return repository.renew(op, lease);
        }
        return true;
      });
      if (stopping) {
        return; // the lease runs out and this task is waited for again, by us after a restart or a replica
      }
      if (outcome instanceof Forgotten && !startedAgain) {
        // PBnJ restarted and cannot say whether it did the step; doing it again is the safe side for a
        // netboot (a second PXE setting or cycle before the machine boots changes nothing that matters)
        startedAgain = true;
        log.warn("PBnJ forgot task {} of BMC operation {}; starting {} again", taskId, op.id(), step.label());
        pending = null;
        i--;
        continue;
      }
      pending = null;
      if (outcome instanceof Forgotten f) {
        outcome = new Unanswered("PBnJ forgot task " + f.taskId() + " twice: it keeps restarting");
      }
      if (!end(op, step, outcome, t0, bmc, i == steps.size() - 1)) {
        return;
      }
    }
  }

  /** Records how a step went; true when the operation goes on to its next step. */
  private boolean end(BmcRepository.Operation op, Step step, Outcome outcome, long t0, BmcRepository.Bmc bmc,
      boolean last) {
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    String who = step.label() + " of " + bmc.username() + "@" + bmc.host() + ": ";
    switch (outcome) {
      case Done done -> {
        return repository.stepEnded(op, step.event(), ActionState.SUCCESS, seconds, who + done.result(), last)
            && !last;
      }
      case Unanswered u -> {
        Duration delay = Duration.ofSeconds(Math.min(60, 2L << Math.min(op.attempts(), 5)));
        log.warn("PBnJ at {} did not answer ({}); {} for workflow {} again in {}s", pbnjAuthority, u.reason(),
            step.label(), op.workflowId(), delay.toSeconds());
        repository.retryLater(op, delay, u.reason());
        return false;
      }
      case Refused r -> {
        log.info("BMC operation {} for workflow {}: {}{}", op.kind(), op.workflowId(), who, r.reason());
        repository.stepEnded(op, step.event(), ActionState.FAILED, seconds, who + r.reason(), true);
        return false;
      }
      case Started s -> throw new IllegalStateException("a started task is waited for, not ended: " + s.taskId());
      case Forgotten f -> throw new IllegalStateException("a forgotten task is started again or retried: "
          + f.taskId());
    }
  }

  @Override
  public void close() {
    stopping = true;
    unsubscribe.run();
    loop.interrupt();
    // let running operations notice and stop before the PBnJ channel closes under them
    for (Thread t : List.copyOf(running)) {
      try {
        t.join(Duration.ofSeconds(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
