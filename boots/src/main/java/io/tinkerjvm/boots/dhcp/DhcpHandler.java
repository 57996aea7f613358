package io.tinkerjvm.boots.dhcp;

/** One DHCP mode. Returns null for a request this mode does not answer, and says why through {@link Outcome}. */
public interface DhcpHandler {

  /**
   * @param proxyPort true when the request came to the PXE boot-server port (4011) rather than 67
   */
  Reply handle(DhcpRequest request, boolean proxyPort, Outcome outcome);

  /** Receives why a request went unanswered (a metric tag and a log line). */
  interface Outcome {
    void ignored(String reason, DhcpRequest request);
  }
}
