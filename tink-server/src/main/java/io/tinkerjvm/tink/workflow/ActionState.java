package io.tinkerjvm.tink.workflow;

/** The state of an action, and of a workflow; the numbers are Tinkerbell's wire values. */
public enum ActionState {
  PENDING(0), RUNNING(1), FAILED(2), TIMEOUT(3), SUCCESS(4);

  private final int code;

  ActionState(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public boolean terminal() {
    return this == FAILED || this == TIMEOUT || this == SUCCESS;
  }

  public static ActionState of(int code) {
    for (ActionState s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    throw new IllegalArgumentException("no state " + code);
  }
}
