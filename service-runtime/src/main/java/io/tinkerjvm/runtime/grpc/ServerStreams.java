package io.tinkerjvm.runtime.grpc;

import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/**
 * Long-lived server streams fed from other threads (change feeds): messages are sent one at a time
 * and dropped once the client has gone, and the feed is unsubscribed when the call ends.
 */
public final class ServerStreams {
  private ServerStreams() {}

  /** A sink that serialises sends to {@code response} and drops them after cancellation. */
  public static <T> Consumer<T> guardedSink(StreamObserver<T> response) {
    ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) response;
    return message -> {
      synchronized (call) {
        if (!call.isCancelled()) {
          call.onNext(message);
        }
      }
    };
  }

  /** Runs {@code stop} when the current call ends for any reason (cancel, deadline, completion). */
  public static void onCallEnd(Runnable stop) {
    Context.current().addListener(ctx -> stop.run(), Runnable::run);
  }
}
