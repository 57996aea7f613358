package io.tinkerjvm.tink.hardware;

import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.tink.hardware.DeleteRequest;
import io.tinkerjvm.proto.tink.hardware.Empty;
import io.tinkerjvm.proto.tink.hardware.GetRequest;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.HardwareServiceGrpc;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.runtime.grpc.ServerStreams;
import java.util.UUID;
import java.util.function.Consumer;

/** Tinkerbell's HardwareService over {@link HardwareRepository}. */
public final class HardwareGrpcService extends HardwareServiceGrpc.HardwareServiceImplBase {
  private final HardwareRepository repository;
  private final HardwareFeed feed;

  public HardwareGrpcService(HardwareRepository repository, HardwareFeed feed) {
    this.repository = repository;
    this.feed = feed;
  }

  @Override
  public void push(PushRequest request, StreamObserver<Empty> response) {
    if (!request.hasData()) {
      throw new InvalidArgumentException("hardware data is empty: a record needs at least an id");
    }
    repository.push(HardwareDocument.validate(request.getData()));
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void byMAC(GetRequest request, StreamObserver<Hardware> response) {
    String mac = HardwareDocument.normalizeMac(request.getMac(), "mac");
    reply(response, repository.byMac(mac).orElseThrow(
        () -> new NotFoundException("no hardware has MAC " + mac)));
  }

  @Override
  public void byIP(GetRequest request, StreamObserver<Hardware> response) {
    String ip = HardwareDocument.normalizeIp(request.getIp(), "ip");
    reply(response, repository.byIp(ip).orElseThrow(
        () -> new NotFoundException("no hardware has IP " + ip)));
  }

  @Override
  public void byID(GetRequest request, StreamObserver<Hardware> response) {
    UUID id = HardwareDocument.parseId(request.getId(), "id");
    reply(response, repository.byId(id).orElseThrow(
        () -> new NotFoundException("hardware " + id + " not found")));
  }

  @Override
  public void all(Empty request, StreamObserver<Hardware> response) {
    repository.forEach(response::onNext);
    response.onCompleted();
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<Empty> response) {
    repository.delete(HardwareDocument.parseId(request.getId(), "id"));
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  /** Streams the record each time it changes, until the client cancels; a deletion is not sent. */
  @Override
  public void deprecatedWatch(GetRequest request, StreamObserver<Hardware> response) {
    UUID id = HardwareDocument.parseId(request.getId(), "id");
    long current = repository.byId(id).map(Hardware::getVersion).orElseThrow(
        () -> new NotFoundException("hardware " + id + " not found"));
    Consumer<Hardware> send = ServerStreams.guardedSink(response);
    keepOpen(feed, current, change -> {
      if (change.id().equals(id)) {
        change.hardware().ifPresent(send);
      }
    }, () -> { });
  }

  private static void reply(StreamObserver<Hardware> response, Hardware hardware) {
    response.onNext(hardware);
    response.onCompleted();
  }

  /** Subscribes {@code sink} to the feed for as long as the call lives; nothing is parked meanwhile. */
  static void keepOpen(HardwareFeed feed, long after, Consumer<HardwareRepository.Change> sink, Runnable onCaughtUp) {
    AutoCloseable subscription = feed.subscribe(after, sink, onCaughtUp);
    ServerStreams.onCallEnd(() -> {
      try {
        subscription.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
