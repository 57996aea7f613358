package io.tinkerjvm.boots.dhcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tinkerjvm.boots.hardware.FileHardwareSource;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.dhcp4java.DHCPOption;
import org.dhcp4java.DHCPPacket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Any datagram on port 67/4011 through {@link DhcpCodec#decode}: a request, or {@link DhcpCodec.Refused} with a
 * reason (a metric tag). Any other exception is a bug: the server would count it as an unknown failure. A decoded
 * request, encoded again, decodes to the same fields. {@link #answer} goes on through both DHCP modes' handlers, as
 * the server does. Seeds: src/test/resources/.../DhcpCodecFuzzTestInputs/ (the seed clients' MACs are in the
 * hardware file below, so that seeds reach the reply code).
 */
class DhcpCodecFuzzTest {
  private static Path dir;
  private static FileHardwareSource hardware;
  private static DhcpHandler reservation;
  private static DhcpHandler proxy;
  private static final DhcpHandler.Outcome IGNORED = (reason, request) -> assertNotNull(reason);

  @BeforeAll
  static void hardwareFile() throws IOException {
    dir = Files.createTempDirectory("dhcp-fuzz");
    Path file = dir.resolve("hardware.yaml");
    StringBuilder yaml = new StringBuilder();
    String[][] machines = {{"52:54:00:12:34:56", "192.0.2.10"}, {"52:54:00:12:34:57", "192.0.2.11"},
        {"08:00:27:00:00:01", "192.0.2.12"}, {"08:00:27:00:00:02", "192.0.2.13"}};
    for (int i = 0; i < machines.length; i++) {
      yaml.append("""
          - id: 11111111-2222-4333-8444-55555555555%d
            metadata: {instance: {hostname: n%d}}
            network:
              interfaces:
                - dhcp: {mac: "%s", lease_time: 600, hostname: n%d, name_servers: [192.0.2.1],
                         ip: {address: %s, netmask: 255.255.255.0, gateway: 192.0.2.1}}
                  netboot: {allow_pxe: %b, ipxe: {url: "http://192.0.2.1/custom.ipxe"}}
          """.formatted(i, i, machines[i][0], i, machines[i][1], i != 3));
    }
    Files.writeString(file, yaml);
    hardware = FileHardwareSource.open(file);
    DhcpSettings settings = new DhcpSettings((Inet4Address) InetAddress.getByName("192.0.2.1"),
        "http://192.0.2.1:8080", (Inet4Address) InetAddress.getByName("192.0.2.1"), 3600,
        List.of((Inet4Address) InetAddress.getByName("192.0.2.53")), "example.test",
        Set.of(ClientArch.UNDIONLY, ClientArch.IPXE_EFI, ClientArch.SNP_EFI));
    reservation = new ReservationHandler(hardware, settings);
    proxy = new ProxyHandler(hardware, settings);
  }

  @AfterAll
  static void cleanUp() throws IOException {
    hardware.close();
    Files.delete(dir.resolve("hardware.yaml"));
    Files.delete(dir);
  }

  /** A request, answered by both modes (and on the proxy port): a reply or none, and the reply encodes. */
  @FuzzTest
  @Timeout(10)
  void answer(byte[] datagram) {
    DhcpRequest request;
    try {
      request = DhcpCodec.decode(datagram, 0, datagram.length);
    } catch (DhcpCodec.Refused e) {
      return;
    }
    answerWith(reservation, request, false);
    answerWith(proxy, request, false);
    answerWith(proxy, request, true);
  }

  private static void answerWith(DhcpHandler handler, DhcpRequest request, boolean proxyPort) {
    Reply reply = handler.handle(request, proxyPort, IGNORED);
    if (reply == null) {
      return;
    }
    byte[] out = DhcpCodec.encode(reply.packet());
    DHCPPacket sent = DHCPPacket.getPacket(out, 0, out.length, true);
    assertEquals(2, sent.getOp(), "a reply is a BOOTREPLY");
    assertEquals(request.packet().getXid(), sent.getXid());
    assertArrayEquals(request.packet().getChaddr(), sent.getChaddr());
    assertEquals(reply.type().code, sent.getDHCPMessageType());
  }
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
