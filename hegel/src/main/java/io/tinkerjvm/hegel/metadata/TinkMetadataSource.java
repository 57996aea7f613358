package io.tinkerjvm.hegel.metadata;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.tink.hardware.GetRequest;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.tink.hardware.HardwareFollower;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Machines from tink-server: a {@link MetadataIndex} filled and kept fresh by the hardware change feed, so
 * that no request waits on Postgres. Until the first snapshot is in, a lookup asks ByIP directly. When
 * tink-server goes away the index keeps answering and /healthz says the feed is lost.
 */
public final class TinkMetadataSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TinkMetadataSource.class);
  private static final long LOOKUP_DEADLINE_MS = 2_000;

  private final ManagedChannel channel;
  private final List<CustomEndpoint> endpoints;
  private final MetadataIndex index = new MetadataIndex();
  private final HardwareFollower feed;

  public TinkMetadataSource(ManagedChannel channel, List<CustomEndpoint> endpoints) {
    this.channel = channel;
    this.endpoints = endpoints;
    this.feed = new HardwareFollower(channel, "hegel", new HardwareFollower.Listener() {
      @Override
      public void upserted(Hardware hardware) {
        try {
          index.put(MachineMetadata.of(hardware, endpoints));
        } catch (RuntimeException e) {
          // tink-server validates every push, so this is a record from an older or foreign writer
          index.remove(hardware.getId());
          log.warn("hardware {} cannot be served: {}", hardware.getId(), e.getMessage());
        }
      }

      @Override
      public void deleted(String hardwareId) {
        index.remove(hardwareId);
      }

      @Override
      public void synced() {
        log.info("metadata cache is live: {} machines from tink-server", index.size());
      }
    });
  }

  /** True once lookups are answered from memory, so that an event loop may call {@link #byIp} inline. */
  public boolean answersFromMemory() {
    return feed.synced();
  }

  public List<MachineMetadata> byIp(String ip) {
    if (feed.synced()) {
      return index.byIp(ip);
    }
    try {
      Hardware hw = HardwareServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(LOOKUP_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .byIP(GetRequest.newBuilder().setIp(ip).build());
      return List.of(MachineMetadata.of(hw, endpoints));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        log.warn("hardware lookup at tink-server failed: {}", e.getStatus());
        throw new LookupFailed(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      }
      return List.of();
    }
  }

  public String healthProblem() {
    return feed.healthProblem();
  }

  public int size() {
    return index.size();
  }

  @Override
  public void close() {
    feed.close();
  }

  /** tink-server could not be asked (before the cache is live): the request gets 503, not a false 404. */
  public static final class LookupFailed extends RuntimeException {
    public LookupFailed(String message) {
      super(message);
    }
  }
}
