package io.tinkerjvm.runtime.errors;

/** The request names something that does not exist. */
public class NotFoundException extends RuntimeException {
  public NotFoundException(String message) {
    super(message);
  }
}
