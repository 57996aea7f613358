package io.tinkerjvm.tink.workflow;

import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.workflow.WorkflowRepository.Context;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Wakes long-lived streams when a workflow changes in Postgres (on any replica): workers waiting
 * for their turn, and clients following a workflow's events. One query per change, whatever the
 * number of open streams. Postgres announces only changes of turn (hand-over, retry, start, end),
 * so followers of events are also woken on a short tick to pick up the reports in between.
 */
public final class WorkflowWatchers implements AutoCloseable {
  private final WorkflowRepository repository;
  private final Map<String, Set<Consumer<Context>>> workers = new ConcurrentHashMap<>();
  private final Map<UUID, Set<Runnable>> followers = new ConcurrentHashMap<>();
  private final Runnable unsubscribe;
  private final Thread ticker;

  public WorkflowWatchers(WorkflowRepository repository, ChangeNotifier notifier) {
    this.repository = repository;
    this.unsubscribe = notifier.subscribe(ChangeNotifier.WORKFLOW, this::onChange);
    this.ticker = Thread.ofVirtual().name("event-followers").start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(FOLLOW_TICK_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        followers.values().forEach(set -> set.forEach(Runnable::run));
      }
    });
  }

  static final long FOLLOW_TICK_MILLIS = 250;

  private void onChange(String payload) {
    if (payload == null) {
      // After a reconnect some notifications may be lost: bring everyone up to date.
      workers.forEach((worker, sinks) -> repository.contextsFor(worker).forEach(ctx -> sinks.forEach(s -> s.accept(ctx))));
      followers.values().forEach(set -> set.forEach(Runnable::run));
      return;
    }
    UUID id = UUID.fromString(payload);
    Set<Runnable> f = followers.get(id);
    if (f != null) {
      f.forEach(Runnable::run);
    }
    if (!workers.isEmpty()) {
      repository.actionableContext(id).ifPresent(entry -> {
        Set<Consumer<Context>> sinks = workers.get(entry.getKey());
        if (sinks != null) {
          sinks.forEach(s -> s.accept(entry.getValue()));
        }
      });
    }
  }

  /** Sends the worker's actionable contexts now and each time one changes; close to stop. */
  public Runnable watchWorker(String workerId, Consumer<Context> sink) {
    workers.computeIfAbsent(workerId, k -> ConcurrentHashMap.newKeySet()).add(sink);
    repository.contextsFor(workerId).forEach(sink);
    return () -> workers.computeIfPresent(workerId, (k, set) -> {
      set.remove(sink);
      return set.isEmpty() ? null : set;
    });
  }

  /** Runs {@code wake} whenever the workflow changes; close to stop. */
  public Runnable follow(UUID workflowId, Runnable wake) {
    followers.computeIfAbsent(workflowId, k -> ConcurrentHashMap.newKeySet()).add(wake);
    return () -> followers.computeIfPresent(workflowId, (k, set) -> {
      set.remove(wake);
      return set.isEmpty() ? null : set;
    });
  }

  public int workerStreams() {
    return workers.values().stream().mapToInt(Set::size).sum();
  }

  @Override
  public void close() {
    ticker.interrupt();
    unsubscribe.run();
    workers.clear();
    followers.clear();
  }
}
