package io.tinkerjvm.runtime.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counts and times every gRPC call by method and status code. */
public final class MetricsInterceptor implements ServerInterceptor {
  private final MeterRegistry registry;
  /** Timers by method and code, so that a call does not build and look up its meter id each time. */
  private final Map<String, Map<Status.Code, Timer>> timers = new ConcurrentHashMap<>();

  public MetricsInterceptor(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Timer.Sample sample = Timer.start(registry);
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        sample.stop(timer(method, status.getCode()));
        super.close(status, trailers);
      }
    }, headers);
  }

  private Timer timer(String method, Status.Code code) {
    return timers.computeIfAbsent(method, m -> new ConcurrentHashMap<>()).computeIfAbsent(code,
        c -> Timer.builder("grpc.server.calls")
            .description("gRPC calls handled, by method and status code")
            .tag("method", method)
            .tag("code", c.name())
            .register(registry));
  }
}
