package io.tinkerjvm.pbnj.bmc;

import java.time.Instant;

/** One way of talking to BMCs (native IPMI, ipmitool, Redfish, racadm). */
public interface BmcProvider {
  /** The name used in vendor hints, the fallback order and messages: ipmi, ipmitool, redfish, racadm. */
  String name();

  /**
   * Logs in. Fails with UNAUTHENTICATED for a refused password and UNREACHABLE when the BMC does not
   * answer before {@code deadline}.
   */
  BmcSession open(BmcTarget target, Instant deadline) throws BmcException;
}
