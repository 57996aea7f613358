package io.tinkerjvm.tink.bmc;

import io.tinkerjvm.proto.pbnj.v1.BootDevice;
import io.tinkerjvm.proto.pbnj.v1.PowerAction;
import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.workflow.ActionState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the queued BMC operations through PBnJ: a netboot (PXE on next boot, then a power cycle)
 * when a workflow is created, a boot from disk when it succeeds. Each step becomes an event of the
 * workflow. While PBnJ is unreachable an operation waits and is retried; a BMC that refuses ends it.
 */
public final class BmcDriver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BmcDriver.class);
  /** How long a claim holds; a tink-server that dies mid-operation frees it after this. */
  private static final Duration LEASE = Duration.ofMinutes(10);
  private static final int MAX_ATTEMPTS = 10;
  /** Operations in flight at once, each on a virtual thread (they wait on PBnJ, not on CPU). */
  private static final int PARALLEL = 64;

  private final BmcRepository repository;
  private final PbnjSteps pbnj;
  private final String pbnjAuthority;
  private final Semaphore wake = new Semaphore(0);
  private final Semaphore slots = new Semaphore(PARALLEL);
  private final Runnable unsubscribe;
  private final Thread loop;
  private volatile boolean running = true;

  private record Step(String name, String describe, Call call) {}

  @FunctionalInterface
  private interface Call {
    PbnjSteps.Outcome run(BmcRepository.Bmc bmc) throws InterruptedException;
  }

  public BmcDriver(BmcRepository repository, PbnjSteps pbnj, String pbnjAuthority, ChangeNotifier notifier) {
    this.repository = repository;
    this.pbnj = pbnj;
    this.pbnjAuthority = pbnjAuthority;
    this.unsubscribe = notifier.subscribe(ChangeNotifier.BMC, payload -> wake.release());
    this.loop = Thread.ofVirtual().name("bmc-driver").start(this::loop);
  }

  private void loop() {
    while (running) {
      try {
        slots.acquire();
        Optional<BmcRepository.Operation> op;
        try {
          op = repository.claim(LEASE);
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
        Thread.ofVirtual().name("bmc-op-" + op.get().id()).start(() -> {
          try {
            carryOut(op.get());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (RuntimeException e) {
            log.error("BMC operation {} failed", op.get().id(), e);
          } finally {
            slots.release();
          }
        });
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private List<Step> steps(String kind) {
    return switch (kind) {
      case "netboot" -> List.of(
          new Step("pxe-next-boot", "PXE on next boot", b -> pbnj.bootDevice(b, BootDevice.BOOT_DEVICE_PXE, false)),
          new Step("power-cycle", "power cycle", b -> pbnj.power(b, PowerAction.POWER_ACTION_CYCLE)));
      case "boot_disk" -> List.of(
          new Step("boot-from-disk", "boot from disk", b -> pbnj.bootDevice(b, BootDevice.BOOT_DEVICE_DISK, true)));
      default -> throw new IllegalStateException("unknown BMC operation " + kind);
    };
  }

  private void carryOut(BmcRepository.Operation op) throws InterruptedException {
    Optional<BmcRepository.Bmc> found;
    try {
      found = repository.bmc(op.hardwareId());
    } catch (IllegalStateException sealedWithAnotherKey) {
      end(op, steps(op.kind()).getFirst().name(), false, 0, sealedWithAnotherKey.getMessage());
      return;
    }
    if (found.isEmpty()) {
      end(op, steps(op.kind()).getFirst().name(), false, 0, "hardware " + op.hardwareId()
          + " no longer has a BMC (metadata.bmc was removed)");
      return;
    }
    BmcRepository.Bmc bmc = found.get();
    for (Step step : steps(op.kind())) {
      long t0 = System.nanoTime();
      PbnjSteps.Outcome outcome = step.call().run(bmc);
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
      if (outcome.pbnjDown()) {
        if (op.attempts() < MAX_ATTEMPTS) {
          Duration delay = Duration.ofSeconds(Math.min(60, 2L << Math.min(op.attempts(), 5)));
          log.warn("PBnJ at {} did not answer ({}); {} for workflow {} again in {}s", pbnjAuthority, outcome.text(),
              step.describe(), op.workflowId(), delay.toSeconds());
          repository.retryLater(op.id(), delay, outcome.text());
          return;
        }
        end(op, step.name(), false, seconds, "PBnJ at " + pbnjAuthority + " did not answer after " + op.attempts()
            + " attempts: " + outcome.text());
        return;
      }
      String message = step.describe() + " of " + bmc.username() + "@" + bmc.host() + ": " + outcome.text();
      if (!outcome.ok()) {
        end(op, step.name(), false, seconds, message);
        return;
      }
      repository.recordEvent(op.workflowId(), step.name(), ActionState.SUCCESS, seconds, message);
    }
    repository.finish(op.id(), true, "");
  }

  private void end(BmcRepository.Operation op, String step, boolean ok, long seconds, String message) {
    log.info("BMC operation {} for workflow {}: {}", op.kind(), op.workflowId(), message);
    repository.recordEvent(op.workflowId(), step, ok ? ActionState.SUCCESS : ActionState.FAILED, seconds, message);
    repository.finish(op.id(), ok, message);
  }

  @Override
  public void close() {
    running = false;
    unsubscribe.run();
    loop.interrupt();
  }
}
