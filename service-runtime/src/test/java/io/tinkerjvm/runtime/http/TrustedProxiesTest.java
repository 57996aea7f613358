package io.tinkerjvm.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.Config;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
  static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void onlyATrustedPeerMaySpeakForAClient() throws Exception {
    TrustedProxies t = TrustedProxies.parse("trusted-proxies", "10.0.0.0/24, 192.168.1.7");
    assertTrue(t.trusts(ip("10.0.0.200")));
    assertFalse(t.trusts(ip("10.0.1.1")));
    assertTrue(t.trusts(ip("192.168.1.7")));
    assertFalse(t.trusts(ip("192.168.1.8")));
    // from a trusted proxy, the header names the client
    assertEquals(ip("172.16.0.5"), t.client(ip("10.0.0.9"), "172.16.0.5"));
    // from anyone else, the header is ignored
    assertEquals(ip("172.16.0.9"), t.client(ip("172.16.0.9"), "172.16.0.5"));
    // a chain: read from the right, stop at the first address that is not a trusted proxy
    assertEquals(ip("172.16.0.5"), t.client(ip("10.0.0.9"), "1.2.3.4, 172.16.0.5, 10.0.0.3"));
    // garbage in the header: keep the last trusted hop rather than guess
    assertEquals(ip("10.0.0.9"), t.client(ip("10.0.0.9"), "not-an-address"));
    assertEquals(ip("10.0.0.9"), t.client(ip("10.0.0.9"), ""));
  }

  @Test
  void prefixesOnAnyBitAndNoneTrustsNobody() throws Exception {
    TrustedProxies t = TrustedProxies.parse("p", "10.1.2.128/25,fd00::/8");
    assertTrue(t.trusts(ip("10.1.2.129")));
    assertFalse(t.trusts(ip("10.1.2.127")));
    assertTrue(t.trusts(ip("fd12::1")));
    assertFalse(t.trusts(ip("fe80::1")));
    assertTrue(TrustedProxies.none().isEmpty());
    assertFalse(TrustedProxies.none().trusts(ip("127.0.0.1")));
  }

  @Test
  void badEntriesAreNamedAndNeverLookedUp() {
    Config.ConfigException e = assertThrows(Config.ConfigException.class,
        () -> TrustedProxies.parse("trusted-proxies", "10.0.0.0/24,proxy.example.com"));
    assertTrue(e.getMessage().contains("'proxy.example.com' is not an IP address"), e.getMessage());
    assertThrows(Config.ConfigException.class, () -> TrustedProxies.parse("p", "10.0.0.0/33"));
    assertThrows(Config.ConfigException.class, () -> TrustedProxies.parse("p", "10.0.0.300"));
  }
}
