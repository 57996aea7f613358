package io.tinkerjvm.boots;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tinkerjvm.boots.support.DhcpTestClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dhcp4java.DHCPPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reservation and proxy mode answers, relayed through giaddr, checked field by field. */
class ModesOnLoopbackTest {
  static final String MAC = "02:00:00:00:00:01";
  static final byte DISCOVER = 1;
  static final byte OFFER = 2;
  static final byte REQUEST = 3;
  static final byte ACK = 5;
  static final byte NAK = 6;

  @TempDir
  Path dir;

  static Boots start(Path dir, String mode) throws IOException {
    Files.writeString(dir.resolve("hw.yaml"), """
        - id: 11111111-2222-4333-8444-555555555555
          metadata: {instance: {hostname: n1}}
          network:
            interfaces:
              - dhcp: {mac: "02:00:00:00:00:01", lease_time: 600, ip: {address: 192.0.2.10, netmask: 255.255.255.0}}
                netboot: {allow_pxe: true}
        """);
    List<String> args = new ArrayList<>(List.of("--public-ip=127.0.0.1", "--bind-address=127.0.0.1",
        "--dhcp-mode=" + mode, "--dhcp-port=0", "--dhcp-proxy-port=0", "--tftp-port=0", "--http-port=0",
        "--syslog-port=0", "--hardware-file=" + dir.resolve("hw.yaml")));
    return Boots.start(BootsConfig.load(Map.of(), args.toArray(String[]::new)));
  }

  @Test
  void reservationOffersAcksAndNaksThroughARelay() throws IOException {
    try (Boots boots = start(dir, "reservation"); DhcpTestClient client = new DhcpTestClient(boots.dhcpPort())) {
      DHCPPacket discover = DhcpTestClient.pxe(DhcpTestClient.request(DISCOVER, MAC), 7);
      byte[] relayInfo = {1, 4, 'p', 'o', 'r', 't'};
      discover.setOptionRaw((byte) 82, relayInfo);
      DHCPPacket offer = client.exchange(discover);
      assertNotNull(offer);
      assertEquals(OFFER, offer.getDHCPMessageType());
      assertEquals("192.0.2.10", offer.getYiaddr().getHostAddress());
      assertEquals("127.0.0.1", offer.getGiaddr().getHostAddress());
      assertEquals(600, offer.getOptionAsInteger((byte) 51));
      assertEquals("ipxe.efi", offer.getFile());
      assertEquals("127.0.0.1", offer.getSiaddr().getHostAddress());
      assertEquals("PXEClient", new String(offer.getOptionRaw((byte) 60), StandardCharsets.US_ASCII));
      assertArrayEquals(new byte[] {6, 1, 8, (byte) 255}, offer.getOptionRaw((byte) 43));
      assertArrayEquals(relayInfo, offer.getOptionRaw((byte) 82));

      DHCPPacket request = DhcpTestClient.pxe(DhcpTestClient.request(REQUEST, MAC), 7);
      request.setOptionRaw((byte) 50, new byte[] {(byte) 192, 0, 2, 10});
      request.setOptionRaw((byte) 54, new byte[] {127, 0, 0, 1});
      assertEquals(ACK, client.exchange(request).getDHCPMessageType());

      DHCPPacket wrong = DhcpTestClient.request(REQUEST, MAC);
      wrong.setOptionRaw((byte) 50, new byte[] {(byte) 192, 0, 2, 99});
      DHCPPacket nak = client.exchange(wrong);
      assertEquals(NAK, nak.getDHCPMessageType());
      assertEquals((short) 0x8000, (short) (nak.getFlags() & 0x8000), "a relayed NAK must carry the broadcast bit");
      assertEquals("0.0.0.0", nak.getYiaddr().getHostAddress());

      DHCPPacket other = DhcpTestClient.request(REQUEST, MAC);
      other.setOptionRaw((byte) 54, new byte[] {10, 9, 9, 9});
      assertNull(client.exchange(other), "a REQUEST for another server was answered");
    }
  }

  @Test
  void proxyAnswersNetbootFirmwareOnlyWithoutAnAddress() throws IOException {
    try (Boots boots = start(dir, "proxy"); DhcpTestClient client = new DhcpTestClient(boots.dhcpPort())) {
      DHCPPacket offer = client.exchange(DhcpTestClient.pxe(DhcpTestClient.request(DISCOVER, MAC), 0));
      assertNotNull(offer);
      assertEquals(OFFER, offer.getDHCPMessageType());
      assertEquals("0.0.0.0", offer.getYiaddr().getHostAddress());
      assertNull(offer.getOptionRaw((byte) 51), "a ProxyDHCP offer must not carry a lease");
      assertEquals("undionly.kpxe", offer.getFile());
      assertEquals("127.0.0.1", offer.getSiaddr().getHostAddress());
      assertArrayEquals(new byte[] {127, 0, 0, 1}, offer.getOptionRaw((byte) 54));
      assertEquals("PXEClient", new String(offer.getOptionRaw((byte) 60), StandardCharsets.US_ASCII));

      // an operating system's DHCP request is the other server's business
      assertNull(client.exchange(DhcpTestClient.request(DISCOVER, MAC)));
      // as is a REQUEST naming that server
      DHCPPacket forOther = DhcpTestClient.pxe(DhcpTestClient.request(REQUEST, MAC), 0);
      forOther.setOptionRaw((byte) 54, new byte[] {10, 9, 9, 9});
      assertNull(client.exchange(forOther));

      // the boot-server request on 4011, sent once the client has its address
      DHCPPacket onBootPort = DhcpTestClient.pxe(DhcpTestClient.request(REQUEST, MAC), 7);
      DHCPPacket ack = client.exchange(onBootPort, boots.dhcpProxyPort());
      assertNotNull(ack);
      assertEquals(ACK, ack.getDHCPMessageType());
      assertEquals("ipxe.efi", ack.getFile());
      assertEquals(boots.dhcpProxyPort(), client.lastReplyPort(), "the 4011 answer must come from 4011");

      // iPXE's own request gets its script
      DHCPPacket ipxe = DhcpTestClient.pxe(DhcpTestClient.request(DISCOVER, MAC), 0);
      ipxe.setOptionRaw((byte) 77, "iPXE".getBytes(StandardCharsets.US_ASCII));
      DHCPPacket script = client.exchange(ipxe);
      assertEquals("http://127.0.0.1:" + boots.httpPort() + "/" + MAC + "/auto.ipxe", script.getFile());
      assertNull(script.getOptionRaw((byte) 175), "a ProxyDHCP reply must not tell iPXE to skip ProxyDHCP");

      assertNull(client.exchange(DhcpTestClient.pxe(DhcpTestClient.request(DISCOVER, "02:00:00:00:00:99"), 0)));
    }
  }
}
