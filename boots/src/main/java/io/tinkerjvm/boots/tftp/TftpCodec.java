package io.tinkerjvm.boots.tftp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * TFTP bytes to packets and back. Pure: every malformed input becomes a {@link Malformed} with the reason. Strings
 * (file names, modes, options, error messages) are read and written byte for byte (ISO-8859-1): RFC 1350 asks for
 * netascii, but a client may send any byte, and a lossy charset would turn two different names into one.
 */
public final class TftpCodec {
  /** RFC 2348's largest block size; a datagram above this plus the header is never a valid packet. */
  public static final int MAX_BLOCK_SIZE = 65464;
  private static final int MAX_STRING = 1024;

  private TftpCodec() {}

  public static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  public static TftpPacket decode(byte[] b, int length) throws Malformed {
    if (length < 4) {
      throw new Malformed("too short (" + length + " bytes)");
    }
    if (length > MAX_BLOCK_SIZE + 4) {
      throw new Malformed("too long (" + length + " bytes)");
    }
    int opcode = u16(b, 0);
    return switch (opcode) {
      case TftpPacket.RRQ, TftpPacket.WRQ -> request(b, length, opcode == TftpPacket.WRQ);
      case TftpPacket.DATA -> {
        byte[] payload = new byte[length - 4];
        System.arraycopy(b, 4, payload, 0, payload.length);
        yield new TftpPacket.Data(u16(b, 2), payload);
      }
      case TftpPacket.ACK -> {
        if (length != 4) {
          throw new Malformed("ACK of " + length + " bytes");
        }
        yield new TftpPacket.Ack(u16(b, 2));
      }
      case TftpPacket.ERROR -> {
        int[] at = {4};
        yield new TftpPacket.Error(u16(b, 2), string(b, length, at, "error message"));
      }
      case TftpPacket.OACK -> {
        int[] at = {2};
        Map<String, String> options = options(b, length, at);
        if (options.isEmpty()) {
          // RFC 2347: an OACK acknowledges options. Only empty names ("\0\0") were here, and they are dropped.
          throw new Malformed("OACK without options");
        }
        yield new TftpPacket.OptionAck(options);
      }
      default -> throw new Malformed("unknown opcode " + opcode);
    };
  }

  private static TftpPacket.Request request(byte[] b, int length, boolean write) throws Malformed {
    int[] at = {2};
    String filename = string(b, length, at, "filename");
    if (filename.isEmpty()) {
      throw new Malformed("empty filename");
    }
    String mode = string(b, length, at, "mode").toLowerCase(Locale.ROOT);
    return new TftpPacket.Request(write, filename, mode, options(b, length, at));
  }

  private static Map<String, String> options(byte[] b, int length, int[] at) throws Malformed {
    Map<String, String> options = new LinkedHashMap<>();
    while (at[0] < length) {
      String name = string(b, length, at, "option name").toLowerCase(Locale.ROOT);
      String value = string(b, length, at, "value of option " + name);
      if (!name.isEmpty()) {
        options.putIfAbsent(name, value);
      }
    }
    return options;
  }

  /** A NUL-terminated string starting at at[0]; moves at[0] past the NUL. */
  private static String string(byte[] b, int length, int[] at, String what) throws Malformed {
    int start = at[0];
    int end = start;
    while (end < length && b[end] != 0) {
      end++;
    }
    if (end >= length) {
      throw new Malformed(what + " is not NUL-terminated");
    }
    if (end - start > MAX_STRING) {
      throw new Malformed(what + " is longer than " + MAX_STRING + " bytes");
    }
    at[0] = end + 1;
    return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  public static void writeDataHeader(ByteBuf out, int block) {
    out.writeShort(TftpPacket.DATA).writeShort(block & 0xffff);
  }

  public static void writeAck(ByteBuf out, int block) {
    out.writeShort(TftpPacket.ACK).writeShort(block & 0xffff);
  }

  public static void writeError(ByteBuf out, int code, String message) {
    out.writeShort(TftpPacket.ERROR).writeShort(code);
    out.writeBytes(message.getBytes(StandardCharsets.ISO_8859_1)).writeByte(0);
  }

  public static void writeOptionAck(ByteBuf out, Map<String, String> options) {
    out.writeShort(TftpPacket.OACK);
    options.forEach((k, v) -> {
      out.writeBytes(k.getBytes(StandardCharsets.ISO_8859_1)).writeByte(0);
      out.writeBytes(v.getBytes(StandardCharsets.ISO_8859_1)).writeByte(0);
    });
  }

  public static void writeRequest(ByteBuf out, boolean write, String filename, String mode, Map<String, String> options) {
    out.writeShort(write ? TftpPacket.WRQ : TftpPacket.RRQ);
    out.writeBytes(filename.getBytes(StandardCharsets.ISO_8859_1)).writeByte(0);
    out.writeBytes(mode.getBytes(StandardCharsets.ISO_8859_1)).writeByte(0);
    options.forEach((k, v) -> {
      out.writeBytes(k.getBytes(StandardCharsets.ISO_8859_1)).writeByte(0);
      out.writeBytes(v.getBytes(StandardCharsets.ISO_8859_1)).writeByte(0);
    });
  }
}
