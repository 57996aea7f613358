package io.tinkerjvm.boots.dhcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.dhcp4java.DHCPOption;
import org.dhcp4java.DHCPPacket;
import org.junit.jupiter.api.Timeout;

/**
 * Any datagram on port 67/4011 through {@link DhcpCodec#decode}: a request, or {@link DhcpCodec.Refused} with a
 * reason (a metric tag). Any other exception is a bug: the server would count it as an unknown failure. A decoded
 * request, encoded again, decodes to the same fields. Seeds: src/test/resources/.../DhcpCodecFuzzTestInputs/.
 */
class DhcpCodecFuzzTest {
  @FuzzTest
  @Timeout(10)
  void decode(byte[] datagram) {
    DhcpRequest request;
    try {
      request = DhcpCodec.decode(datagram, 0, datagram.length);
    } catch (DhcpCodec.Refused e) {
      assertNotNull(e.reason);
      assertNotNull(e.getMessage());
      return;
    }
    assertEquals(17, request.mac().length(), request.mac());
    assertTrue(request.arch() == null || (request.arch() >= 0 && request.arch() <= 0xffff));

    byte[] again = DhcpCodec.encode(request.packet());
    DhcpRequest copy;
    try {
      copy = DhcpCodec.decode(again, 0, again.length);
    } catch (DhcpCodec.Refused e) {
      throw new AssertionError("a decoded request, encoded again, is refused: " + e.reason + " " + e.getMessage(), e);
    }
    assertSameRequest(request, copy);
  }

  static void assertSameRequest(DhcpRequest a, DhcpRequest b) {
    assertEquals(a.type(), b.type());
    assertEquals(a.mac(), b.mac());
    assertArrayEquals(a.giaddr(), b.giaddr());
    assertArrayEquals(a.ciaddr(), b.ciaddr());
    assertArrayEquals(a.requestedIp(), b.requestedIp());
    assertArrayEquals(a.serverId(), b.serverId());
    assertEquals(a.arch(), b.arch());
    assertEquals(a.vendorClass(), b.vendorClass());
    assertEquals(a.userClass(), b.userClass());
    assertEquals(a.ipxe(), b.ipxe());
    DHCPPacket p = a.packet();
    DHCPPacket q = b.packet();
    assertEquals(p.getXid(), q.getXid());
    assertEquals(p.getHops(), q.getHops());
    assertEquals(p.getSecs(), q.getSecs());
    assertEquals(p.getFlags(), q.getFlags());
    assertArrayEquals(p.getYiaddrRaw(), q.getYiaddrRaw());
    assertArrayEquals(p.getSiaddrRaw(), q.getSiaddrRaw());
    assertArrayEquals(p.getChaddr(), q.getChaddr());
    assertArrayEquals(p.getSnameRaw(), q.getSnameRaw());
    assertArrayEquals(p.getFileRaw(), q.getFileRaw());
    DHCPOption[] po = p.getOptionsArray();
    DHCPOption[] qo = q.getOptionsArray();
    assertEquals(Arrays.asList(po), Arrays.asList(qo), "options differ after a round trip");
  }
}
