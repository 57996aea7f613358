package io.tinkerjvm.boots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.boots.support.DhcpTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dhcp4java.DHCPPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad datagram, at each UDP server: each is dropped and counted by reason, and the next good
 * request is still answered.
 */
class MalformedInputTest {
  @TempDir
  Path dir;

  @Test
  void badDatagramsAreCountedAndDroppedAndServiceGoesOn() throws Exception {
    try (Boots boots = ModesOnLoopbackTest.start(dir, "reservation");
        DhcpTestClient client = new DhcpTestClient(boots.dhcpPort())) {
      byte[] good = DhcpTestClient.pxe(DhcpTestClient.request((byte) 1, ModesOnLoopbackTest.MAC), 0).serialize();
      int dhcp = boots.dhcpPort();

      client.sendRaw(Arrays.copyOf(good, 100), dhcp);                         // truncated header
      byte[] badLength = Arrays.copyOf(good, good.length);
      int options = 240;                                                       // after the magic cookie
      badLength[options] = 53;
      badLength[options + 1] = (byte) 200;                                    // option longer than the packet
      client.sendRaw(badLength, dhcp);
      client.sendRaw(new byte[2000], dhcp);                                   // oversized
      byte[] reply = good.clone();
      reply[0] = 2;                                                           // a BOOTREPLY sent to the server
      client.sendRaw(reply, dhcp);
      byte[] noCookie = good.clone();
      noCookie[236] = 0;                                                      // BOOTP, not DHCP
      client.sendRaw(noCookie, dhcp);
      DHCPPacket unknownType = DhcpTestClient.request((byte) 99, ModesOnLoopbackTest.MAC);
      client.sendRaw(unknownType.serialize(), dhcp);
      byte[] tokenRing = good.clone();
      tokenRing[1] = 6;
      client.sendRaw(tokenRing, dhcp);
      Random random = new Random(42);
      for (int i = 0; i < 200; i++) {
        byte[] garbage = new byte[random.nextInt(600)];
        random.nextBytes(garbage);
        client.sendRaw(garbage, dhcp);
      }
      // after all that, a good DISCOVER is answered
      DHCPPacket offer = client.exchange(DhcpTestClient.pxe(DhcpTestClient.request((byte) 1, ModesOnLoopbackTest.MAC), 0));
      assertNotNull(offer, "Boots stopped answering after bad input");

      int tftp = boots.tftpPort();
      client.sendRaw(new byte[] {0, 1, 'x'}, tftp);                          // RRQ cut short
      client.sendRaw(new byte[] {0, 9, 0, 0}, tftp);                         // unknown opcode
      client.sendRaw(new byte[] {0, 1, 'a', 'b', 'c'}, tftp);                // filename without NUL
      client.sendRaw(new byte[65507], tftp);                                 // larger than any TFTP packet
      for (int i = 0; i < 100; i++) {
        byte[] garbage = new byte[random.nextInt(600)];
        random.nextBytes(garbage);
        client.sendRaw(garbage, tftp);
      }
      int syslog = boots.syslogPort();
      client.sendRaw("no priority here".getBytes(), syslog);
      client.sendRaw("<999>bad priority".getBytes(), syslog);
      client.sendRaw(new byte[0], syslog);
      client.sendRaw("<13>1 2026-11-25T00:00:00Z host app - - [unclosed".getBytes(), syslog);

      String metrics = fetchMetricsAfterSettling(boots.httpPort());
      assertTrue(counter(metrics, "boots_dhcp_dropped_total", "reason=\"truncated\"") >= 1, metrics);
      assertTrue(counter(metrics, "boots_dhcp_dropped_total", "reason=\"malformed\"") >= 1, metrics);
      assertTrue(counter(metrics, "boots_dhcp_dropped_total", "reason=\"oversized\"") >= 1, metrics);
      assertTrue(counter(metrics, "boots_dhcp_dropped_total", "reason=\"not_a_request\"") >= 1, metrics);
      assertTrue(counter(metrics, "boots_dhcp_dropped_total", "reason=\"not_dhcp\"") >= 1, metrics);
      assertTrue(counter(metrics, "boots_dhcp_dropped_total", "reason=\"unknown_type\"") >= 1, metrics);
      assertTrue(counter(metrics, "boots_dhcp_dropped_total", "reason=\"not_ethernet\"") >= 1, metrics);
      assertTrue(counter(metrics, "boots_tftp_dropped_total", "reason=\"malformed\"") >= 4, metrics);
      assertEquals(4.0, counter(metrics, "boots_syslog_dropped_total", ""), metrics);

      // and TFTP still serves
      org.apache.commons.net.tftp.TFTPClient tftpClient = new org.apache.commons.net.tftp.TFTPClient();
      tftpClient.open();
      try {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        tftpClient.receiveFile("undionly.kpxe", org.apache.commons.net.tftp.TFTP.BINARY_MODE, out, "127.0.0.1", tftp);
        assertEquals(java.nio.file.Files.size(Path.of("/usr/lib/ipxe/undionly.kpxe")), out.size());
      } finally {
        tftpClient.close();
      }
    }
  }

  private static String fetchMetricsAfterSettling(int httpPort) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String last = "";
    for (int i = 0; i < 40; i++) {
      last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      if (counter(last, "boots_syslog_dropped_total", "") >= 4) {
        return last;
      }
      Thread.sleep(50);
    }
    return last;
  }

  static double counter(String metrics, String name, String label) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{?([^}\\s]*)\\}? ([0-9.eE+]+)$").matcher(metrics);
    double sum = 0;
    while (m.find()) {
      if (m.group(1).contains(label)) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }
}
