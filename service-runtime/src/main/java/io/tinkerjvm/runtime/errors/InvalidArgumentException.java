package io.tinkerjvm.runtime.errors;

/** The request itself is wrong (a malformed field, a bad document); retrying it cannot help. */
public class InvalidArgumentException extends RuntimeException {
  public InvalidArgumentException(String message) {
    super(message);
  }

  public InvalidArgumentException(String message, Throwable cause) {
    super(message, cause);
  }
}
