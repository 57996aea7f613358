package io.tinkerjvm.runtime.grpc;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.runtime.errors.AlreadyExistsException;
import io.tinkerjvm.runtime.errors.FailedPreconditionException;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.runtime.errors.UnavailableException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns the errors our domain code throws into the gRPC status a client can act on. */
public final class StatusMapping {
  private static final Logger log = LoggerFactory.getLogger(StatusMapping.class);

  private StatusMapping() {}

  public static Status toStatus(Throwable t) {
    return switch (t) {
      case StatusRuntimeException e -> e.getStatus();
      case StatusException e -> e.getStatus();
      case InvalidArgumentException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
      case NotFoundException e -> Status.NOT_FOUND.withDescription(e.getMessage());
      case AlreadyExistsException e -> Status.ALREADY_EXISTS.withDescription(e.getMessage());
      case FailedPreconditionException e -> Status.FAILED_PRECONDITION.withDescription(e.getMessage());
      case UnavailableException e -> {
        log.warn("{}", e.getMessage(), e.getCause());
        yield Status.UNAVAILABLE.withDescription(e.getMessage());
      }
      default -> {
        // Internal details stay in the log; the client gets a reference it can quote.
        String ref = UUID.randomUUID().toString().substring(0, 8);
        log.error("internal error ref={}", ref, t);
        yield Status.INTERNAL.withDescription("internal error (ref " + ref + "), see the server log");
      }
    };
  }
}
