package io.tinkerjvm.cli.grpc;

/** A call ended with a non-OK gRPC status (or never reached the server, as UNAVAILABLE). */
public class GrpcException extends RuntimeException {
  /** gRPC status codes by number, as the wire carries them. */
  public static final String[] CODES = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
  };
  public static final int INVALID_ARGUMENT = 3;
  public static final int DEADLINE_EXCEEDED = 4;
  public static final int NOT_FOUND = 5;
  public static final int ALREADY_EXISTS = 6;
  public static final int UNIMPLEMENTED = 12;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;

  private final int code;
  private final String description;

  public GrpcException(int code, String description) {
    super(codeName(code) + (description == null || description.isEmpty() ? "" : ": " + description));
    this.code = code;
    this.description = description == null ? "" : description;
  }

  public int code() {
    return code;
  }

  public String description() {
    return description;
  }

  public static String codeName(int code) {
    return code >= 0 && code < CODES.length ? CODES[code] : "code " + code;
  }
}
