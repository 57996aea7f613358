package io.tinkerjvm.tink.hardware;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.v1.HardwareChange;
import io.tinkerjvm.proto.v1.HardwareChangesGrpc;
import io.tinkerjvm.proto.v1.WatchHardwareRequest;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;

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
    HardwareGrpcService.keepOpen((ServerCallStreamObserver<HardwareChange>) response, feed,
        request.getAfterRevision(), change -> {
          HardwareChange.Builder b = HardwareChange.newBuilder()
              .setRevision(change.revision()).setId(change.id().toString());
          change.hardware().ifPresentOrElse(
              hw -> b.setKind(HardwareChange.Kind.UPSERTED).setHardware(hw),
              () -> b.setKind(HardwareChange.Kind.DELETED));
          response.onNext(b.build());
        },
        () -> response.onNext(HardwareChange.newBuilder().setKind(HardwareChange.Kind.SNAPSHOT_DONE).build()));
  }
}
