package io.tinkerjvm.tink.workflow;

import io.tinkerjvm.runtime.errors.UnavailableException;
import io.tinkerjvm.tink.workflow.WorkflowRepository.Applied;
import io.tinkerjvm.tink.workflow.WorkflowRepository.Conflicted;
import io.tinkerjvm.tink.workflow.WorkflowRepository.PendingReport;
import io.tinkerjvm.tink.workflow.WorkflowRepository.Rejected;
import io.tinkerjvm.tink.workflow.WorkflowRepository.ReportResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for ReportActionStatus. Reports that arrive while a batch is being written wait in a
 * queue and go out together in the next one, so a hundred workers reporting at once cost about as
 * many database round trips as one. A caller is answered only after its batch has committed. No
 * timer: a report that finds the committers idle is written at once.
 */
public final class ReportBatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReportBatcher.class);
  private static final int MAX_BATCH = 256;
  private static final int MAX_CONFLICTS = 20;

  private final WorkflowRepository repository;
  private final LinkedBlockingDeque<Waiting> queue = new LinkedBlockingDeque<>();
  private final List<Thread> committers = new ArrayList<>();
  private volatile boolean running = true;

  private record Waiting(PendingReport report, CompletableFuture<Boolean> result, int conflicts) {}

  /** @param committers how many batches may be in flight at once */
  public ReportBatcher(WorkflowRepository repository, int committers) {
    this.repository = repository;
    for (int i = 0; i < committers; i++) {
      this.committers.add(Thread.ofVirtual().name("report-committer-" + i).start(this::run));
    }
  }

  /** Applies one report; true if it was a new transition, false if it repeated a stored one. */
  public boolean report(UUID workflowId, WorkflowStateMachine.Report report) {
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    queue.add(new Waiting(new PendingReport(workflowId, report), result, 0));
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  private void run() {
    while (running) {
      List<Waiting> batch = new ArrayList<>();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      // One report per workflow per batch: a second one for the same workflow waits for the next.
      Set<UUID> seen = new HashSet<>();
      List<Waiting> now = new ArrayList<>(batch.size());
      for (Waiting w : batch) {
        if (seen.add(w.report().workflowId())) {
          now.add(w);
        } else {
          queue.addFirst(w);
        }
      }
      write(now);
    }
  }

  private void write(List<Waiting> batch) {
    List<ReportResult> results;
    try {
      results = repository.reportAll(batch.stream().map(Waiting::report).toList());
    } catch (RuntimeException e) {
      batch.forEach(w -> w.result().completeExceptionally(e));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      Waiting w = batch.get(i);
      switch (results.get(i)) {
        case Applied a -> w.result().complete(true);
        case WorkflowRepository.Repeated r -> w.result().complete(false);
        case Rejected r -> w.result().completeExceptionally(r.error());
        case Conflicted c -> {
          if (w.conflicts() + 1 >= MAX_CONFLICTS) {
            w.result().completeExceptionally(new UnavailableException("workflow " + w.report().workflowId()
                + " kept changing while this report was applied; retry", null));
          } else {
            queue.addFirst(new Waiting(w.report(), w.result(), w.conflicts() + 1));
          }
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    committers.forEach(Thread::interrupt);
    Waiting w;
    while ((w = queue.poll()) != null) {
      w.result().completeExceptionally(new UnavailableException("tink-server is shutting down", null));
    }
    log.debug("report committers stopped");
  }
}
