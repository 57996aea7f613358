package io.tinkerjvm.boots.hardware;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.tink.hardware.GetRequest;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.tink.hardware.HardwareFollower;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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

  private final ManagedChannel channel;
  private final MachineIndex index = new MachineIndex();
  private final HardwareFollower feed;

  public TinkHardwareSource(ManagedChannel channel) {
    this.channel = channel;
    this.feed = new HardwareFollower(channel, "boots", new HardwareFollower.Listener() {
      @Override
      public void upserted(Hardware hardware) {
        index.put(hardware);
      }

      @Override
      public void deleted(String hardwareId) {
        index.remove(hardwareId);
      }

      @Override
      public void synced() {
        log.info("hardware cache is live: {} interfaces from tink-server", index.size());
      }
    });
  }

  @Override
  public Optional<Machine> byMac(String mac) {
    return feed.synced() ? index.byMac(mac) : ask(GetRequest.newBuilder().setMac(mac).build(),
        stub -> stub::byMAC, m -> m.mac().equals(mac));
  }

  @Override
  public Optional<Machine> byIp(String ip) {
    return feed.synced() ? index.byIp(ip) : ask(GetRequest.newBuilder().setIp(ip).build(),
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
    return feed.synced();
  }

  @Override
  public String healthProblem() {
    return feed.healthProblem();
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public void close() {
    feed.close();
  }
}
