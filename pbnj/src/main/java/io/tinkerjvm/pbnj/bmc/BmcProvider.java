package io.tinkerjvm.pbnj.bmc;

import java.time.Instant;

/** One way of talking to BMCs (native IPMI, ipmitool, Redfish, racadm). */
public interface BmcProvider {
  /** The name used in vendor hints, the fallback order and messages: ipmi, ipmitool, redfish, racadm. */
  String name();

  /**
   * Logs in, the login exchange ending by {@code loginBy}, and returns a session whose operations end by
   * {@code deadline}. Fails with UNAUTHENTICATED for a refused password and UNREACHABLE when the BMC does
   * not answer the login before {@code loginBy}.
   */
  BmcSession open(BmcTarget target, Instant loginBy, Instant deadline) throws BmcException;
}
