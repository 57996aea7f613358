package io.tinkerjvm.boots.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.dhcp4java.DHCPPacket;

/**
 * A test's own DHCP client on loopback, acting as a relay agent (giaddr 127.0.0.1) so that Boots answers by
 * unicast to this socket. Real clients are exercised in {@code RealClientsTest}; this one exists to send
 * exactly the packets a test needs, malformed ones included.
 */
public final class DhcpTestClient implements AutoCloseable {
  private final DatagramSocket socket;
  private final InetSocketAddress server;
  private int lastReplyPort;

  public DhcpTestClient(int serverPort) {
    try {
      socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      socket.setSoTimeout(1500);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server = new InetSocketAddress("127.0.0.1", serverPort);
  }

  /** A relayed request of the given type from {@code mac}; add options before sending. */
  public static DHCPPacket request(byte type, String mac) {
    DHCPPacket p = new DHCPPacket();
    p.setOp((byte) 1);
    p.setHtype((byte) 1);
    p.setHlen((byte) 6);
    p.setXid(ThreadLocalRandom.current().nextInt());
    p.setChaddr(HexFormat.ofDelimiter(":").parseHex(mac));
    p.setDhcp(true);
    p.setDHCPMessageType(type);
    try {
      p.setGiaddr(InetAddress.getByName("127.0.0.1"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  public static DHCPPacket pxe(DHCPPacket p, int arch) {
    p.setOptionAsString((byte) 60, "PXEClient:Arch:%05d:UNDI:002001".formatted(arch));
    p.setOptionRaw((byte) 93, new byte[] {(byte) (arch >> 8), (byte) arch});
    return p;
  }

  /** Sends and returns the reply with the same transaction id, or null when none came within 1.5 s. */
  public DHCPPacket exchange(DHCPPacket request) {
    return exchange(request, server.getPort());
  }

  public DHCPPacket exchange(DHCPPacket request, int port) {
    sendRaw(request.serialize(), port);
    byte[] buf = new byte[2048];
    try {
      while (true) {
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        socket.receive(in);
        DHCPPacket reply = DHCPPacket.getPacket(in);
        if (reply.getXid() == request.getXid()) {
          lastReplyPort = in.getPort();
          return reply;
        }
      }
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The source port of the last reply, to check that a reply leaves from the port it answers. */
  public int lastReplyPort() {
    return lastReplyPort;
  }

  public void sendRaw(byte[] bytes, int port) {
    try {
      socket.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress("127.0.0.1", port)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
