package io.tinkerjvm.boots.dhcp;

/** DHCP message types (option 53, RFC 2132 section 9.6). */
public enum MessageType {
  DISCOVER(1), OFFER(2), REQUEST(3), DECLINE(4), ACK(5), NAK(6), RELEASE(7), INFORM(8);

  public final byte code;

  MessageType(int code) {
    this.code = (byte) code;
  }

  public static MessageType of(Byte code) {
    if (code != null) {
      for (MessageType t : values()) {
        if (t.code == code) {
          return t;
        }
      }
    }
    return null;
  }
}
