package io.tinkerjvm.boots.hardware;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tinkerjvm.proto.tink.hardware.GetRequest;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.v1.HardwareChange;
import io.tinkerjvm.proto.v1.HardwareChangesGrpc;
import io.tinkerjvm.proto.v1.WatchHardwareRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hardware from tink-server. A cache is filled by HardwareChanges.Watch (a snapshot, then each change as it
 * commits) and answers every lookup once the first snapshot is in, so that no DHCP reply waits on Postgres.
 * Before that, lookups go to ByMAC / ByIP directly. If tink-server goes away the cache keeps answering (a
 * machine can still boot) while /healthz reports the lost stream; the reconnect resumes from the last
 * revision seen, so no change is missed.
 */
public final class TinkHardwareSource implements HardwareSource {
  private static final Logger log = LoggerFactory.getLogger(TinkHardwareSource.class);
  private static final Duration LOOKUP_DEADLINE = Duration.ofSeconds(2);
  private static final long MAX_BACKOFF_MS = 5_000;

  private final ManagedChannel channel;
  private final MachineIndex index = new MachineIndex();
  private final ScheduledExecutorService retry;
  private volatile boolean synced;
  private volatile boolean closed;
  private volatile String problem = "not yet connected to tink-server";
  private volatile ClientCallStreamObserver<WatchHardwareRequest> call;
  private long revision;
  private long backoffMs = 100;

  public TinkHardwareSource(ManagedChannel channel) {
    this.channel = channel;
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
            lost(Status.fromThrowable(t).getCode() + ": " + Status.fromThrowable(t).getDescription());
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
        index.put(change.getHardware());
        noteRevision(change.getRevision());
      }
      case DELETED -> {
        index.remove(change.getId());
        noteRevision(change.getRevision());
      }
      case SNAPSHOT_DONE -> {
        synced = true;
        problem = null;
        synchronized (this) {
          backoffMs = 100;
        }
        log.info("hardware cache is live: {} interfaces from tink-server", index.size());
      }
      default -> log.warn("ignoring a hardware change of kind {}", change.getKind());
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
    log.warn("{}; reconnecting in {} ms{}", problem, delay, synced ? " (answering from the cache meanwhile)" : "");
    retry.schedule(this::watch, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public Optional<Machine> byMac(String mac) {
    return synced ? index.byMac(mac) : ask(GetRequest.newBuilder().setMac(mac).build(),
        stub -> stub::byMAC, m -> m.mac().equals(mac));
  }

  @Override
  public Optional<Machine> byIp(String ip) {
    return synced ? index.byIp(ip) : ask(GetRequest.newBuilder().setIp(ip).build(),
        stub -> stub::byIP, m -> m.ip().equals(ip));
  }

  private Optional<Machine> ask(GetRequest request,
      Function<HardwareServiceGrpc.HardwareServiceBlockingStub, Function<GetRequest, Hardware>> method,
      Predicate<Machine> which) {
    HardwareServiceGrpc.HardwareServiceBlockingStub stub = HardwareServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(LOOKUP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    try {
      Hardware hw = method.apply(stub).apply(request);
      List<Machine> machines = Machine.fromHardware(hw);
      return machines.stream().filter(which).findFirst();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        log.warn("hardware lookup at tink-server failed: {}", e.getStatus());
      }
      return Optional.empty();
    }
  }

  @Override
  public boolean answersFromMemory() {
    return synced;
  }

  @Override
  public String healthProblem() {
    return problem;
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public void close() {
    closed = true;
    ClientCallStreamObserver<WatchHardwareRequest> c = call;
    if (c != null) {
      c.cancel("boots is stopping", null);
    }
    retry.shutdownNow();
  }
}
