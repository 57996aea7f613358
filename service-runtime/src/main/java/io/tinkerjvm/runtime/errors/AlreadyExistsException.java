package io.tinkerjvm.runtime.errors;

/** The request would create something that another record already owns. */
public class AlreadyExistsException extends RuntimeException {
  public AlreadyExistsException(String message) {
    super(message);
  }
}
