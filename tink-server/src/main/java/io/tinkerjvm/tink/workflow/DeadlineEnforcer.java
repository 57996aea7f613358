package io.tinkerjvm.tink.workflow;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends actions that run past their timeout and workflows past their global_timeout, on the server,
 * so that a worker that died or hung cannot keep a workflow RUNNING for ever (tink#198, smee#125).
 */
public final class DeadlineEnforcer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeadlineEnforcer.class);

  private final Thread thread;
  private volatile boolean running = true;

  public DeadlineEnforcer(WorkflowRepository workflows, Duration interval) {
    this.thread = Thread.ofVirtual().name("deadline-enforcer").start(() -> {
      while (running) {
        try {
          int changed;
          do {
            changed = workflows.enforceDeadlines();
            if (changed > 0) {
              log.info("ended {} overrun action(s) or workflow(s) as TIMEOUT", changed);
            }
          } while (changed > 0 && running);
        } catch (RuntimeException e) {
          log.warn("deadline check failed, will retry: {}", e.getMessage());
        }
        try {
          Thread.sleep(interval);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
