package io.tinkerjvm.pbnj.bmc;

import io.tinkerjvm.proto.pbnj.v1.Authn;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;

/** Reads PBnJ's Authn into a target; every problem names the field. */
public final class Targets {
  private Targets() {}

  /**
   * {@code host} is {@code 10.0.0.5}, {@code 10.0.0.5:623}, {@code [fd00::5]:623}, a host name, or
   * {@code https://bmc[:port]} (Redfish only).
   */
  public static BmcTarget fromAuthn(Authn authn) {
    if (authn == null || !authn.hasDirectAuthn()) {
      throw new InvalidArgumentException("authn.directAuthn is required (the BMC's host, username and password)");
    }
    var direct = authn.getDirectAuthn();
    String host = direct.getHost().getHost().trim();
    if (host.isEmpty()) {
      throw new InvalidArgumentException("authn.directAuthn.host.host is required (the BMC's address)");
    }
    String where = "authn.directAuthn.host.host '" + host + "'";
    String h = host;
    int port = 0;
    if (h.regionMatches(true, 0, "https://", 0, 8)) {
      h = h.substring(8);
      if (h.endsWith("/")) {
        h = h.substring(0, h.length() - 1);
      }
    }
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      if (close < 0) {
        throw new InvalidArgumentException(where + ": unclosed '['");
      }
      String rest = h.substring(close + 1);
      h = h.substring(1, close);
      if (!rest.isEmpty()) {
        port = port(rest.startsWith(":") ? rest.substring(1) : rest, where);
      }
    } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
      port = port(h.substring(h.indexOf(':') + 1), where);
      h = h.substring(0, h.indexOf(':'));
    }
    if (h.isEmpty() || !h.matches("[A-Za-z0-9.:_%-]+")) {
      throw new InvalidArgumentException(where + " is not a host name or IP address");
    }
    return new BmcTarget(h, port, direct.getUsername(), Secret.of(direct.getPassword()));
  }

  /** True when the host was given as an https:// URL, which only Redfish can serve. */
  public static boolean isRedfishUrl(Authn authn) {
    return authn.getDirectAuthn().getHost().getHost().trim().regionMatches(true, 0, "https://", 0, 8);
  }

  private static int port(String text, String where) {
    try {
      int p = Integer.parseInt(text);
      if (p > 0 && p < 65536) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidArgumentException(where + ": port '" + text + "' is not a number from 1 to 65535");
  }
}
