package io.tinkerjvm.osie.worker;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls tink-server until the call lands: a lost connection or a slow answer waits (doubling from the retry
 * interval to 30 s) and tries again, for as long as it takes. tink-worker gave up after three tries and
 * exited (tink#458, #463); the agent never does. Only answers that say no to this very request (the
 * workflow is gone, the report does not fit) are returned to the caller; anything else, an INTERNAL from a
 * server in trouble included, is tried again, which is safe since tink-server takes a repeat as a no-op.
 */
final class Persistently {
  private static final Logger log = LoggerFactory.getLogger(Persistently.class);
  private static final Duration MAX_WAIT = Duration.ofSeconds(30);

  private final Duration first;
  private final Stopping stopping;
  private final Runnable beforeRetry;

  /** Whether the agent is stopping, so that waiting ends. */
  interface Stopping {
    boolean now();
  }

  /** The agent is stopping: the call did not land and will not be tried again. */
  static final class StoppedException extends RuntimeException {
    StoppedException() {
      super("the agent is stopping");
    }
  }

  /** @param beforeRetry runs before each new try (the runner resets the channel's own reconnect backoff there) */
  Persistently(Duration first, Stopping stopping, Runnable beforeRetry) {
    this.first = first;
    this.stopping = stopping;
    this.beforeRetry = beforeRetry;
  }

  Persistently(Duration first, Stopping stopping) {
    this(first, stopping, () -> {});
  }

  private static final java.util.Set<Status.Code> FINAL = java.util.EnumSet.of(Status.Code.INVALID_ARGUMENT,
      Status.Code.FAILED_PRECONDITION, Status.Code.NOT_FOUND, Status.Code.ALREADY_EXISTS, Status.Code.OUT_OF_RANGE,
      Status.Code.UNIMPLEMENTED, Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED);

  /** True unless the server said no to this request; the same call may then succeed later. */
  static boolean transientFailure(StatusRuntimeException e) {
    return !FINAL.contains(e.getStatus().getCode());
  }

  /** The next wait after {@code wait}: twice as long, at most 30 s. */
  static Duration next(Duration wait) {
    Duration twice = wait.multipliedBy(2);
    return twice.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : twice;
  }

  <T> T call(String what, Supplier<T> rpc) {
    Duration wait = first;
    for (int attempt = 1; ; attempt++) {
      if (stopping.now()) {
        throw new StoppedException();
      }
      try {
        return rpc.get();
      } catch (StatusRuntimeException e) {
        if (!transientFailure(e)) {
          throw e;
        }
        if (attempt == 1 || attempt % 10 == 0) {
          log.warn("{}: tink-server did not answer ({}); trying again in {} ms (attempt {})", what,
              e.getStatus().getCode(), wait.toMillis(), attempt);
        }
        sleep(wait);
        wait = next(wait);
        beforeRetry.run();
      }
    }
  }

  void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoppedException();
    }
  }
}
