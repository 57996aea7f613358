package io.tinkerjvm.pbnj.task;

import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcGate;
import io.tinkerjvm.pbnj.bmc.Progress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each task on a virtual thread behind its BMC's gate and ends it by its deadline whatever the BMC
 * does, so that no task stays "running". Finished tasks are kept for a retention period, then dropped.
 */
public final class TaskRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
  private static final char[] ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv".toCharArray();

  /** The work of one task; returns its result. */
  @FunctionalInterface
  public interface Work {
    String run(Progress progress, Instant deadline) throws BmcException, InterruptedException;
  }

  private final ConcurrentHashMap<String, TaskRecord> tasks = new ConcurrentHashMap<>();
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService sweeper;
  private final SecureRandom random = new SecureRandom();
  private final BmcGate gate;
  private final Duration timeout;
  private final Duration retention;
  private final AtomicInteger running = new AtomicInteger();
  private final int maxTasks;
  private final MeterRegistry registry;

  /**
   * @param maxTasks tasks kept at once, running or finished: a flood of requests gets RESOURCE_EXHAUSTED
   *     instead of filling the heap
   */
  public TaskRunner(BmcGate gate, Duration timeout, Duration retention, int maxTasks, MeterRegistry registry) {
    this.maxTasks = maxTasks;
    this.gate = gate;
    this.timeout = timeout;
    this.retention = retention;
    this.registry = registry;
    Gauge.builder("pbnj.tasks.running", running, AtomicInteger::get).description("tasks not yet complete")
        .register(registry);
    Gauge.builder("pbnj.tasks.kept", tasks, ConcurrentHashMap::size).description("tasks whose status can be read")
        .register(registry);
    sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("task-sweeper").factory());
    long period = Math.max(1, Math.min(60, retention.toSeconds() / 2));
    sweeper.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.SECONDS);
  }

  /** Starts a task at once and returns its id; {@code bmc} is the gate key of the BMC it talks to. */
  public String submit(String operation, String description, String bmc, Work work) {
    if (tasks.size() >= maxTasks) {
      sweep();
      if (tasks.size() >= maxTasks) {
        throw Status.RESOURCE_EXHAUSTED.withDescription("PBnJ holds " + tasks.size() + " tasks (--max-tasks); "
            + "retry when some have finished and expired (--task-retention)").asRuntimeException();
      }
    }
    String id = newId();
    TaskRecord record = new TaskRecord(id, description);
    tasks.put(id, record);
    running.incrementAndGet();
    Instant deadline = Instant.now().plus(timeout);
    try {
      executor.execute(() -> supervise(operation, record, bmc, deadline, work));
    } catch (RejectedExecutionException shuttingDown) {
      running.decrementAndGet();
      fail(record, Status.Code.UNAVAILABLE, "PBnJ is shutting down");
    }
    return id;
  }

  public Optional<TaskRecord> status(String id) {
    return Optional.ofNullable(tasks.get(id));
  }

  private void supervise(String operation, TaskRecord record, String bmc, Instant deadline, Work work) {
    record.message("working on " + record.description());
    String outcome;
    Future<String> future;
    try {
      future = executor.submit(() -> gate.run(bmc, deadline, () -> work.run(record::message, deadline)));
    } catch (RejectedExecutionException shuttingDown) {
      running.decrementAndGet();
      fail(record, Status.Code.UNAVAILABLE, "PBnJ is shutting down");
      return;
    }
    try {
      String result = future.get(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()),
          TimeUnit.MILLISECONDS);
      record.message(record.description() + " complete");
      outcome = record.finish(result, Status.Code.OK, "") ? "ok" : "late";
    } catch (TimeoutException e) {
      future.cancel(true);
      outcome = fail(record, Status.Code.DEADLINE_EXCEEDED, "BMC " + bmc + " did not finish "
          + record.description() + " within " + (timeout.toMillisPart() == 0 ? timeout.toSeconds() + "s"
          : timeout.toMillis() + " ms") + " (--task-timeout)");
    } catch (ExecutionException e) {
      outcome = failed(record, bmc, e.getCause());
    } catch (InterruptedException e) {
      future.cancel(true);
      outcome = fail(record, Status.Code.CANCELLED, "PBnJ is shutting down");
      Thread.currentThread().interrupt();
    } finally {
      running.decrementAndGet();
    }
    Counter.builder("pbnj.tasks").tag("operation", operation).tag("outcome", outcome)
        .description("tasks ended, by operation and outcome").register(registry).increment();
  }

  private String failed(TaskRecord record, String bmc, Throwable cause) {
    if (cause instanceof BmcException e) {
      Status.Code code = switch (e.kind()) {
        case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
        case UNREACHABLE -> Status.Code.DEADLINE_EXCEEDED;
        case UNSUPPORTED -> Status.Code.UNIMPLEMENTED;
        case INVALID -> Status.Code.INVALID_ARGUMENT;
        case FORBIDDEN -> Status.Code.PERMISSION_DENIED;
        case PRECONDITION -> Status.Code.FAILED_PRECONDITION;
        case FAILED -> Status.Code.UNKNOWN;
      };
      log.info("task {} on BMC {} failed: {}", record.id(), bmc, e.getMessage());
      return fail(record, code, e.getMessage());
    }
    if (cause instanceof InterruptedException) {
      return fail(record, Status.Code.CANCELLED, "PBnJ is shutting down");
    }
    String ref = UUID.randomUUID().toString().substring(0, 8);
    log.error("task {} on BMC {} failed, ref={}", record.id(), bmc, ref, cause);
    return fail(record, Status.Code.INTERNAL, "internal error (ref " + ref + "), see the PBnJ log");
  }

  private static String fail(TaskRecord record, Status.Code code, String message) {
    record.message(message);
    return record.finish("action failed", code, message) ? code.name().toLowerCase() : "late";
  }

  private void sweep() {
    Instant cutoff = Instant.now().minus(retention);
    tasks.values().removeIf(t -> t.complete() && t.finished().isBefore(cutoff));
  }

  /** A 20-character id like PBnJ's xid: time-ordered, then random. */
  private String newId() {
    long t = System.currentTimeMillis();
    char[] out = new char[20];
    for (int i = 9; i >= 0; i--) {
      out[i] = ID_ALPHABET[(int) (t & 31)];
      t >>>= 5;
    }
    for (int i = 10; i < 20; i++) {
      out[i] = ID_ALPHABET[random.nextInt(32)];
    }
    return new String(out);
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    executor.shutdownNow();
  }
}
