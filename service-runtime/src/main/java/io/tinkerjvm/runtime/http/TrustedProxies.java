package io.tinkerjvm.runtime.http;

import io.tinkerjvm.runtime.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which peers may speak for a client through {@code X-Forwarded-For}: CIDR blocks given by the operator.
 * A request from anyone else is taken to come from its own address, so that a machine cannot pass itself
 * off as another one by sending the header.
 */
public final class TrustedProxies {
  private final List<byte[]> networks = new ArrayList<>();
  private final List<Integer> prefixes = new ArrayList<>();

  private TrustedProxies() {}

  public static TrustedProxies none() {
    return new TrustedProxies();
  }

  /** Comma-separated addresses or CIDR blocks, e.g. {@code 10.0.0.0/24,192.168.1.7}; names what is wrong. */
  public static TrustedProxies parse(String setting, String list) {
    TrustedProxies t = new TrustedProxies();
    if (list == null) {
      return t;
    }
    for (String item : list.split(",")) {
      String s = item.trim();
      if (s.isEmpty()) {
        continue;
      }
      int slash = s.indexOf('/');
      String host = slash < 0 ? s : s.substring(0, slash);
      byte[] addr = literal(host);
      if (addr == null) {
        throw new Config.ConfigException(setting + ": '" + s + "' is not an IP address or CIDR block");
      }
      int bits = addr.length * 8;
      int prefix;
      try {
        prefix = slash < 0 ? bits : Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new Config.ConfigException(setting + ": '" + s + "' has a bad prefix length");
      }
      t.networks.add(addr);
      t.prefixes.add(prefix);
    }
    return t;
  }

  public boolean isEmpty() {
    return networks.isEmpty();
  }

  public boolean trusts(InetAddress peer) {
    byte[] a = peer.getAddress();
    for (int i = 0; i < networks.size(); i++) {
      if (matches(networks.get(i), prefixes.get(i), a)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client a request is for: the peer itself, or, when the peer is a trusted proxy, the nearest
   * untrusted address in X-Forwarded-For (read from the right, as each proxy appends what it saw).
   */
  public InetAddress client(InetAddress peer, String forwardedFor) {
    if (forwardedFor == null || forwardedFor.isBlank() || !trusts(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    InetAddress current = peer;
    for (int i = hops.length - 1; i >= 0 && trusts(current); i--) {
      byte[] addr = literal(hops[i].trim());
      if (addr == null) {
        return current;
      }
      try {
        current = InetAddress.getByAddress(addr);
      } catch (UnknownHostException e) {
        return current;
      }
    }
    return current;
  }

  private static boolean matches(byte[] net, int prefix, byte[] a) {
    if (net.length != a.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (net[i] != a[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (net[full] & mask) == (a[full] & mask);
  }

  /** An IPv4 or IPv6 literal, never a name lookup; null when it is neither. */
  public static byte[] literal(String s) {
    if (s.isEmpty() || !(s.matches("[0-9.]+") || s.matches("[0-9a-fA-F:.]+") && s.contains(":"))) {
      return null;
    }
    if (s.indexOf(':') < 0) {
      String[] parts = s.split("\\.", -1);
      if (parts.length != 4) {
        return null;
      }
      byte[] out = new byte[4];
      for (int i = 0; i < 4; i++) {
        if (parts[i].isEmpty() || parts[i].length() > 3) {
          return null;
        }
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          return null;
        }
        out[i] = (byte) v;
      }
      return out;
    }
    try {
      return InetAddress.getByName(s).getAddress(); // a literal with ':' is parsed, not looked up
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
