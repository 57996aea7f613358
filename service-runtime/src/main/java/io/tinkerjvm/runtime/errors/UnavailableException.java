package io.tinkerjvm.runtime.errors;

/** A dependency (the database, a peer) cannot be reached now; the caller may retry. */
public class UnavailableException extends RuntimeException {
  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
