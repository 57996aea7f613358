package io.tinkerjvm.tink.hardware;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.v1.HardwareChange;
import io.tinkerjvm.proto.v1.HardwareChangesGrpc;
import io.tinkerjvm.proto.v1.WatchHardwareRequest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows tink-server's hardware change feed (HardwareChanges.Watch) for a cache such as Boots' or Hegel's:
 * a snapshot of every live record, SNAPSHOT_DONE, then each change as it commits. When the stream is lost
 * it reconnects with backoff from the last revision it saw, so no change is missed, and the listener's
 * cache keeps answering meanwhile. {@link #healthProblem()} says what is wrong for /healthz.
 */
public final class HardwareFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HardwareFollower.class);
  private static final long MAX_BACKOFF_MS = 5_000;

  /** Called on the gRPC thread, in revision order. */
  public interface Listener {
    void upserted(Hardware hardware);

    void deleted(String hardwareId);

    /** The first snapshot is complete (called again after each reconnect's catch-up). */
    void synced();
  }

  private final ManagedChannel channel;
  private final Listener listener;
  private final String who;
  private final ScheduledExecutorService retry;
  private volatile boolean synced;
  private volatile boolean closed;
  private volatile String problem = "not yet connected to tink-server";
  private volatile ClientCallStreamObserver<WatchHardwareRequest> call;
  private long revision;
  private long backoffMs = 100;

  /** Starts following at once. {@code who} names the service in logs and in the cancel message. */
  public HardwareFollower(ManagedChannel channel, String who, Listener listener) {
    this.channel = channel;
    this.listener = listener;
    this.who = who;
    this.retry = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tink-watch-retry");
      t.setDaemon(true);
      return t;
    });
    watch();
  }

  private void watch() {
    if (closed) {
      return;
    }
    long from;
    synchronized (this) {
      from = revision;
    }
    HardwareChangesGrpc.newStub(channel).watch(WatchHardwareRequest.newBuilder().setAfterRevision(from).build(),
        new ClientResponseObserver<WatchHardwareRequest, HardwareChange>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<WatchHardwareRequest> stream) {
            call = stream;
          }

          @Override
          public void onNext(HardwareChange change) {
            apply(change);
          }

          @Override
          public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            lost(s.getCode() + ": " + s.getDescription());
          }

          @Override
          public void onCompleted() {
            lost("tink-server ended the hardware change stream");
          }
        });
  }

  private void apply(HardwareChange change) {
    switch (change.getKind()) {
      case UPSERTED -> {
        listener.upserted(change.getHardware());
        noteRevision(change.getRevision());
      }
      case DELETED -> {
        listener.deleted(change.getId());
        noteRevision(change.getRevision());
      }
      case SNAPSHOT_DONE -> {
        synced = true;
        problem = null;
        synchronized (this) {
          backoffMs = 100;
        }
        listener.synced();
      }
      default -> log.warn("{}: ignoring a hardware change of kind {}", who, change.getKind());
    }
  }

  private synchronized void noteRevision(long r) {
    revision = Math.max(revision, r);
  }

  private void lost(String why) {
    if (closed) {
      return;
    }
    problem = "hardware change stream from tink-server lost: " + why;
    long delay;
    synchronized (this) {
      delay = backoffMs;
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    }
    log.warn("{}: {}; reconnecting in {} ms{}", who, problem, delay,
        synced ? " (answering from the cache meanwhile)" : "");
    retry.schedule(this::watch, delay, TimeUnit.MILLISECONDS);
  }

  /** True once the first snapshot is in: from then on the listener's cache can answer every lookup. */
  public boolean synced() {
    return synced;
  }

  /** Null while the stream is up, otherwise what is wrong. */
  public String healthProblem() {
    return problem;
  }

  @Override
  public void close() {
    closed = true;
    ClientCallStreamObserver<WatchHardwareRequest> c = call;
    if (c != null) {
      c.cancel(who + " is stopping", null);
    }
    retry.shutdownNow();
  }
}
