package io.tinkerjvm.osie.action;

import java.time.Duration;

/** How an action ended; {@code message} is what the report to tink-server says. */
public record ActionResult(Outcome outcome, int exitCode, String message, Duration elapsed) {
  public enum Outcome { SUCCESS, FAILED, TIMEOUT }
}
