package io.tinkerjvm.pbnj.bmc;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One operation at a time per BMC, in arrival order, with a minimum pause between two operations: BMCs
 * drop sessions or answer garbage when they are asked several things at once.
 */
public final class BmcGate {
  private final long minIntervalNanos;
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

  private static final class Lane {
    final Semaphore permit = new Semaphore(1, true);
    volatile long lastEnd = System.nanoTime() - Long.MAX_VALUE / 4;
  }

  public BmcGate(Duration minInterval) {
    this.minIntervalNanos = minInterval.toNanos();
  }

  /** Runs {@code work} when the BMC's earlier operations are done and the pause has passed, or fails at the deadline. */
  public <T> T run(String bmc, Instant deadline, Callable<T> work) throws Exception {
    Lane lane = lanes.computeIfAbsent(bmc, k -> new Lane());
    if (!lane.permit.tryAcquire(millisUntil(deadline), TimeUnit.MILLISECONDS)) {
      throw new BmcException(BmcException.Kind.UNREACHABLE,
          "gave up waiting for the earlier operations on BMC " + bmc + " to finish");
    }
    try {
      long pause = lane.lastEnd + minIntervalNanos - System.nanoTime();
      if (pause > 0) {
        if (TimeUnit.NANOSECONDS.toMillis(pause) > millisUntil(deadline)) {
          throw new BmcException(BmcException.Kind.UNREACHABLE, "no time left for BMC " + bmc
              + " after the pause between operations");
        }
        TimeUnit.NANOSECONDS.sleep(pause);
      }
      return work.call();
    } finally {
      lane.lastEnd = System.nanoTime();
      lane.permit.release();
    }
  }

  static long millisUntil(Instant deadline) {
    return Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
  }
}
