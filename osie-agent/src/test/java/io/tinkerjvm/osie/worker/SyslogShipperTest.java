package io.tinkerjvm.osie.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SyslogShipperTest {
  @Test
  void eachLineIsAnRfc5424MessageNamingTheWorkflowAndAction() throws Exception {
    try (DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress());
         SyslogShipper shipper = new SyslogShipper("127.0.0.1:" + receiver.getLocalPort(), "node 1")) {
      receiver.setSoTimeout(5000);
      shipper.line("wf-1", "os", "write \"disk\"", "wrote 512 MiB to /dev/sda");
      DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
      receiver.receive(p);
      String m = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
      assertTrue(m.startsWith("<14>1 "), m);
      assertTrue(m.contains(" node_1 write_\"disk\" - action [action@32473 workflow=\"wf-1\" task=\"os\" "
          + "action=\"write \\\"disk\\\"\"] wrote 512 MiB to /dev/sda"), m);
      assertEquals(m, m.strip());
    }
  }
}
