package io.tinkerjvm.pbnj.bmc;

/** A BMC operation that did not succeed, with the kind of failure a caller can act on. */
public final class BmcException extends Exception {
  /** What went wrong; each maps to one gRPC code in the task's status. */
  public enum Kind {
    /** The BMC refused the user name or password. */
    UNAUTHENTICATED,
    /** No answer from the BMC in time, or nothing listening. */
    UNREACHABLE,
    /** This provider, or this BMC, cannot do the operation. */
    UNSUPPORTED,
    /** The request itself is wrong (a bad argument). */
    INVALID,
    /** The user may log in but not do this (too low a privilege). */
    FORBIDDEN,
    /** The machine is not in a state where the operation makes sense. */
    PRECONDITION,
    /** The BMC answered with an error. */
    FAILED
  }

  private final Kind kind;

  public BmcException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public BmcException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static BmcException unsupported(String provider, String what) {
    return new BmcException(Kind.UNSUPPORTED, provider + " cannot " + what);
  }
}
