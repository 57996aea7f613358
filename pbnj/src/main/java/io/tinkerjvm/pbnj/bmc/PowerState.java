package io.tinkerjvm.pbnj.bmc;

/** What a BMC reports of the machine's power; PBnJ's STATUS result is the lower-case name. */
public enum PowerState {
  ON, OFF;

  public String result() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
