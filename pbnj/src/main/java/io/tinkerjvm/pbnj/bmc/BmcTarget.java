package io.tinkerjvm.pbnj.bmc;

/**
 * Where a BMC is and how to log in to it. {@code port} is 0 when the request named none, so each
 * provider uses its protocol's port (623 for IPMI, 443 for Redfish).
 */
public record BmcTarget(String host, int port, String username, Secret password) {
  public int portOr(int fallback) {
    return port == 0 ? fallback : port;
  }

  /** The key one BMC's operations are queued under, and what logs and messages call it. */
  public String key() {
    return port == 0 ? host : (host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port);
  }

  @Override
  public String toString() {
    return username + "@" + key();
  }
}
