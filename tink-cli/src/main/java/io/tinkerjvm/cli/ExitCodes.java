package io.tinkerjvm.cli;

/** What {@code tink} exits with; scripts can tell a bad command line from a failed workflow. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The request failed: server unreachable, not found, invalid document, and so on. */
  public static final int FAILURE = 1;
  /** The command line itself is wrong. */
  public static final int USAGE = 2;
  /** A watched workflow ended FAILED. */
  public static final int WORKFLOW_FAILED = 3;
  /** A watched workflow ended TIMEOUT. */
  public static final int WORKFLOW_TIMEOUT = 4;

  private ExitCodes() {}
}
