package io.tinkerjvm.runtime.errors;

/** The request is well formed but the system is not in a state that allows it. */
public class FailedPreconditionException extends RuntimeException {
  public FailedPreconditionException(String message) {
    super(message);
  }
}
