package io.tinkerjvm.runtime.grpc;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lets service classes throw domain exceptions: whatever a handler throws is closed on the call
 * with the mapped status instead of gRPC's opaque UNKNOWN.
 */
public final class ErrorMappingInterceptor implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    AtomicBoolean closed = new AtomicBoolean();
    ServerCall<Q, R> guarded = new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (closed.compareAndSet(false, true)) {
          super.close(status, trailers);
        }
      }
    };
    ServerCall.Listener<Q> delegate = next.startCall(guarded, headers);
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        run(() -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        run(super::onHalfClose);
      }

      @Override
      public void onReady() {
        run(super::onReady);
      }

      private void run(Runnable r) {
        try {
          r.run();
        } catch (RuntimeException e) {
          guarded.close(StatusMapping.toStatus(e), new Metadata());
        }
      }
    };
  }
}
