package io.tinkerjvm.tink.hardware;

import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.v1.HardwareChange;
import io.tinkerjvm.proto.v1.HardwareChangesGrpc;
import io.tinkerjvm.proto.v1.WatchHardwareRequest;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.runtime.grpc.ServerStreams;
import java.util.function.Consumer;

/** Our change feed of hardware records: catch-up from a revision, then live changes. */
public final class HardwareChangesGrpcService extends HardwareChangesGrpc.HardwareChangesImplBase {
  private final HardwareFeed feed;

  public HardwareChangesGrpcService(HardwareFeed feed) {
    this.feed = feed;
  }

  @Override
  public void watch(WatchHardwareRequest request, StreamObserver<HardwareChange> response) {
    if (request.getAfterRevision() < 0) {
      throw new InvalidArgumentException("after_revision must not be negative");
    }
    Consumer<HardwareChange> send = ServerStreams.guardedSink(response);
    HardwareGrpcService.keepOpen(feed, request.getAfterRevision(), change -> {
          HardwareChange.Builder b = HardwareChange.newBuilder()
              .setRevision(change.revision()).setId(change.id().toString());
          change.hardware().ifPresentOrElse(
              hw -> b.setKind(HardwareChange.Kind.UPSERTED).setHardware(hw),
              () -> b.setKind(HardwareChange.Kind.DELETED));
          send.accept(b.build());
        },
        () -> send.accept(HardwareChange.newBuilder().setKind(HardwareChange.Kind.SNAPSHOT_DONE).build()));
  }
}
