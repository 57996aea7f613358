package io.tinkerjvm.e2e.storm;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The few DHCP messages a simulated PXE ROM and iPXE send, and the replies they read: BOOTP header, magic
 * cookie, options. Requests are relayed (giaddr set), as a relay agent on loopback forwards them, so that the
 * server answers by unicast to the sending socket instead of broadcasting on a real interface.
 */
record DhcpMessage(int op, int xid, byte[] chaddr, byte[] yiaddr, byte[] siaddr, byte[] giaddr, String file,
    Map<Integer, byte[]> options) {

  static final int DISCOVER = 1;
  static final int OFFER = 2;
  static final int REQUEST = 3;
  static final int ACK = 5;
  static final int NAK = 6;

  static final int OPT_REQUESTED_IP = 50;
  static final int OPT_MESSAGE_TYPE = 53;
  static final int OPT_SERVER_ID = 54;
  static final int OPT_CLASS_ID = 60;
  static final int OPT_USER_CLASS = 77;
  static final int OPT_CLIENT_ARCH = 93;
  private static final int OPT_PAD = 0;
  private static final int OPT_END = 255;
  private static final int COOKIE = 0x63825363;
  private static final int HEADER = 236;

  /** A relayed client request of {@code type} from {@code mac}, through a relay at {@code giaddr}. */
  static DhcpMessage request(int type, int xid, byte[] mac, byte[] giaddr, Map<Integer, byte[]> extra) {
    Map<Integer, byte[]> options = new LinkedHashMap<>();
    options.put(OPT_MESSAGE_TYPE, new byte[] {(byte) type});
    options.putAll(extra);
    return new DhcpMessage(1, xid, mac, new byte[4], new byte[4], giaddr, "", options);
  }

  /** Option 60 and 93 as PXE firmware of that architecture sends them. */
  static Map<Integer, byte[]> pxe(int arch) {
    Map<Integer, byte[]> o = new LinkedHashMap<>();
    o.put(OPT_CLASS_ID, "PXEClient:Arch:%05d:UNDI:002001".formatted(arch).getBytes(StandardCharsets.US_ASCII));
    o.put(OPT_CLIENT_ARCH, new byte[] {(byte) (arch >> 8), (byte) arch});
    return o;
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(576);
    b.put((byte) op).put((byte) 1).put((byte) 6).put((byte) 1); // op, htype Ethernet, hlen, hops (one relay)
    b.putInt(xid).putShort((short) 0).putShort((short) 0);
    b.put(new byte[4]).put(yiaddr).put(siaddr).put(giaddr);
    byte[] ch = new byte[16];
    System.arraycopy(chaddr, 0, ch, 0, chaddr.length);
    b.put(ch).put(new byte[64]).put(new byte[128]);
    b.putInt(COOKIE);
    for (Map.Entry<Integer, byte[]> e : options.entrySet()) {
      b.put((byte) (int) e.getKey()).put((byte) e.getValue().length).put(e.getValue());
    }
    b.put((byte) OPT_END);
    while (b.position() < 300) {
      b.put((byte) OPT_PAD); // BOOTP's minimum size, as firmware pads
    }
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  static DhcpMessage decode(byte[] data, int length) {
    if (length < HEADER + 4) {
      throw new IllegalArgumentException("a DHCP message of " + length + " bytes is too short");
    }
    ByteBuffer b = ByteBuffer.wrap(data, 0, length);
    int op = b.get() & 0xff;
    b.position(4);
    int xid = b.getInt();
    b.position(16);
    byte[] yiaddr = new byte[4];
    byte[] siaddr = new byte[4];
    byte[] giaddr = new byte[4];
    b.get(yiaddr).get(siaddr).get(giaddr);
    byte[] chaddr = new byte[6];
    b.get(chaddr);
    b.position(108);
    byte[] fileBytes = new byte[128];
    b.get(fileBytes);
    int end = 0;
    while (end < fileBytes.length && fileBytes[end] != 0) {
      end++;
    }
    String file = new String(fileBytes, 0, end, StandardCharsets.US_ASCII);
    if (b.getInt() != COOKIE) {
      throw new IllegalArgumentException("no DHCP magic cookie");
    }
    Map<Integer, byte[]> options = new LinkedHashMap<>();
    while (b.hasRemaining()) {
      int code = b.get() & 0xff;
      if (code == OPT_END) {
        break;
      }
      if (code == OPT_PAD) {
        continue;
      }
      int len = b.get() & 0xff;
      byte[] v = new byte[len];
      b.get(v);
      options.put(code, v);
    }
    return new DhcpMessage(op, xid, chaddr, yiaddr, siaddr, giaddr, file, options);
  }

  int type() {
    byte[] t = options.get(OPT_MESSAGE_TYPE);
    return t == null || t.length != 1 ? -1 : t[0];
  }

  Inet4Address yourAddress() {
    return address(yiaddr);
  }

  static Inet4Address address(byte[] four) {
    try {
      return (Inet4Address) InetAddress.getByAddress(four);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are always an address", e);
    }
  }
}
