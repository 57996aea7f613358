package io.tinkerjvm.pbnj.bmc;

/** A password or key that must never reach a log, a message or a response: it prints as {@code <redacted>}. */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  public static Secret of(String value) {
    return new Secret(value == null ? "" : value);
  }

  /** The clear value, for the one place that sends it to a BMC. */
  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return "<redacted>";
  }
}
