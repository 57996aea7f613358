package io.tinkerjvm.pbnj.bmc;

/**
 * Where a BMC is and how to log in to it. {@code port} is 0 when the request named none, so each
 * provider uses its protocol's port (623 for IPMI, 443 for Redfish).
 */
public record BmcTarget(String host, int port, String username, Secret password) {
  public int portOr(int fallback) {
    return port == 0 ? fallback : port;
  }

  /**
   * The key one BMC's operations are queued under: the host, and the port only when it is not a default
   * one (623, 443), so that "10.0.0.5" and "10.0.0.5:623" are one BMC.
   */
  public String gateKey() {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    return port == 0 || port == 623 || port == 443 ? h : (h.indexOf(':') >= 0 ? "[" + h + "]:" : h + ":") + port;
  }

  /** What logs and messages call the BMC. */
  public String key() {
    return port == 0 ? host : (host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port);
  }

  @Override
  public String toString() {
    return username + "@" + key();
  }
}
