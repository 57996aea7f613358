package io.tinkerjvm.boots.dhcp;

import org.dhcp4java.DHCPPacket;

/**
 * Bytes to requests and replies to bytes, on dhcp4java's packet model. Everything a server must not answer
 * is refused here with the reason, so that handlers only ever see well-formed client requests.
 */
public final class DhcpCodec {
  /** Larger than any DHCP message an Ethernet client sends in one frame. */
  public static final int MAX_PACKET = 1500;
  private static final int MIN_PACKET = 236 + 4; // fixed BOOTP header plus the magic cookie

  private DhcpCodec() {}

  /** Why a datagram was dropped; each becomes a metric tag. */
  public enum Drop { OVERSIZED, TRUNCATED, MALFORMED, NOT_A_REQUEST, NOT_ETHERNET, NOT_DHCP, UNKNOWN_TYPE }

  /** Thrown for a datagram that is not a DHCP client request; {@link #reason} says which kind. */
  public static final class Refused extends Exception {
    public final Drop reason;

    Refused(Drop reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  public static DhcpRequest decode(byte[] data, int offset, int length) throws Refused {
    if (length > MAX_PACKET) {
      throw new Refused(Drop.OVERSIZED, length + " bytes");
    }
    if (length < MIN_PACKET) {
      throw new Refused(Drop.TRUNCATED, length + " bytes");
    }
    DHCPPacket p;
    try {
      p = DHCPPacket.getPacket(data, offset, length, true);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) { // DHCPBadPacketException is an IllegalArgumentException
      throw new Refused(Drop.MALFORMED, String.valueOf(e.getMessage()));
    }
    if (p.getOp() != 1) {
      throw new Refused(Drop.NOT_A_REQUEST, "op " + p.getOp());
    }
    if (p.getHtype() != 1 || p.getHlen() != 6) {
      throw new Refused(Drop.NOT_ETHERNET, "htype " + p.getHtype() + " hlen " + p.getHlen());
    }
    if (!p.isDhcp()) {
      throw new Refused(Drop.NOT_DHCP, "no DHCP magic cookie (BOOTP)");
    }
    MessageType type;
    try {
      type = MessageType.of(p.getDHCPMessageType());
    } catch (IllegalArgumentException e) {
      throw new Refused(Drop.MALFORMED, "option 53: " + e.getMessage());
    }
    if (type == null) {
      throw new Refused(Drop.UNKNOWN_TYPE, "message type " + p.getDHCPMessageType());
    }
    return DhcpRequest.of(p, type);
  }

  public static byte[] encode(DHCPPacket reply) {
    return reply.serialize();
  }
}
