package io.tinkerjvm.pbnj.bmc;

/** One command sent to a BMC; the policy around it (confirming, cycle of an off machine) is in PowerControl. */
public enum PowerCommand {
  ON, HARD_OFF, SOFT_OFF, CYCLE, RESET
}
