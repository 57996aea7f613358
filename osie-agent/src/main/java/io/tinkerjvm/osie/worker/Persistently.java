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
 * exited (tink#458, #463); the agent never does. Answers that say no (the workflow is gone, the report
 * does not fit) are returned to the caller as they are.
 */
final class Persistently {
  private static final Logger log = LoggerFactory.getLogger(Persistently.class);
  private static final Duration MAX_WAIT = Duration.ofSeconds(30);

  private final Duration first;
  private final Stopping stopping;

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

  Persistently(Duration first, Stopping stopping) {
    this.first = first;
    this.stopping = stopping;
  }

  static boolean transientFailure(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
        || code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.ABORTED;
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
        wait = wait.multipliedBy(2).compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.multipliedBy(2);
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
