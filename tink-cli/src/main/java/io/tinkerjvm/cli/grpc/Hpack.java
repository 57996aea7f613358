package io.tinkerjvm.cli.grpc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * HPACK (RFC 7541) for a gRPC client: a full decoder (static and dynamic tables, Huffman strings) for what servers
 * send, and an encoder that never touches the dynamic table, so the server's copy of ours stays empty.
 */
final class Hpack {
  private static final String[][] STATIC = {
    {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
    {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
    {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
    {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
    {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""},
    {"cache-control", ""}, {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""},
    {"content-length", ""}, {"content-location", ""}, {"content-range", ""}, {"content-type", ""},
    {"cookie", ""}, {"date", ""}, {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""},
    {"if-match", ""}, {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""},
    {"if-unmodified-since", ""}, {"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""},
    {"proxy-authenticate", ""}, {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""},
    {"retry-after", ""}, {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""},
    {"transfer-encoding", ""}, {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""},
  };

  private Hpack() {}

  /** Encodes headers as literals without indexing; names found in the static table are sent by index. */
  static byte[] encode(List<Map.Entry<String, String>> headers) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    for (Map.Entry<String, String> h : headers) {
      int fullMatch = 0;
      int nameMatch = 0;
      for (int i = 0; i < STATIC.length && fullMatch == 0; i++) {
        if (STATIC[i][0].equals(h.getKey())) {
          if (STATIC[i][1].equals(h.getValue())) {
            fullMatch = i + 1;
          } else if (nameMatch == 0) {
            nameMatch = i + 1;
          }
        }
      }
      if (fullMatch > 0) {
        writeInt(out, 0x80, 7, fullMatch);
        continue;
      }
      writeInt(out, 0x00, 4, nameMatch);
      if (nameMatch == 0) {
        writeString(out, h.getKey());
      }
      writeString(out, h.getValue());
    }
    return out.toByteArray();
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    writeInt(out, 0x00, 7, bytes.length);
    out.writeBytes(bytes);
  }

  static void writeInt(ByteArrayOutputStream out, int firstByteBits, int prefixBits, int value) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      out.write(firstByteBits | value);
      return;
    }
    out.write(firstByteBits | max);
    value -= max;
    while (value >= 128) {
      out.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  /** Decoding state for one connection: the dynamic table the server fills. */
  static final class Decoder {
    private final ArrayDeque<String[]> dynamic = new ArrayDeque<>();
    private final int maxAllowedSize;
    private int maxSize;
    private int size;
    private byte[] in;
    private int pos;

    Decoder(int maxAllowedSize) {
      this.maxAllowedSize = maxAllowedSize;
      this.maxSize = maxAllowedSize;
    }

    List<String[]> decode(byte[] block) throws Http2Exception {
      in = block;
      pos = 0;
      List<String[]> headers = new ArrayList<>();
      while (pos < in.length) {
        int b = in[pos] & 0xff;
        if ((b & 0x80) != 0) {
          headers.add(entry(readInt(7)));
        } else if ((b & 0xc0) == 0x40) {
          String[] h = literal(6);
          headers.add(h);
          insert(h);
        } else if ((b & 0xe0) == 0x20) {
          int newSize = readInt(5);
          if (newSize > maxAllowedSize) {
            throw new Http2Exception("HPACK: table size update " + newSize + " above the " + maxAllowedSize + " allowed");
          }
          maxSize = newSize;
          evict();
        } else {
          headers.add(literal(4));
        }
      }
      return headers;
    }

    private String[] literal(int prefixBits) throws Http2Exception {
      int index = readInt(prefixBits);
      String name = index == 0 ? readString() : entry(index)[0];
      return new String[] {name, readString()};
    }

    private String[] entry(int index) throws Http2Exception {
      if (index >= 1 && index <= STATIC.length) {
        return STATIC[index - 1];
      }
      int d = index - STATIC.length - 1;
      if (index < 1 || d >= dynamic.size()) {
        throw new Http2Exception("HPACK: header index " + index + " is not in the table");
      }
      Iterator<String[]> it = dynamic.iterator();
      for (int i = 0; i < d; i++) {
        it.next();
      }
      return it.next();
    }

    private void insert(String[] h) {
      dynamic.addFirst(h);
      size += entrySize(h);
      evict();
    }

    private void evict() {
      while (size > maxSize && !dynamic.isEmpty()) {
        size -= entrySize(dynamic.removeLast());
      }
    }

    private static int entrySize(String[] h) {
      return h[0].length() + h[1].length() + 32; // ISO-8859-1: one char per octet
    }

    private int readInt(int prefixBits) throws Http2Exception {
      int max = (1 << prefixBits) - 1;
      int value = in[pos++] & max;
      if (value < max) {
        return value;
      }
      int shift = 0;
      while (true) {
        if (pos >= in.length || shift > 28) {
          throw new Http2Exception("HPACK: truncated or oversized integer");
        }
        int b = in[pos++] & 0xff;
        value += (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
    }

    private String readString() throws Http2Exception {
      if (pos >= in.length) {
        throw new Http2Exception("HPACK: truncated header block");
      }
      boolean huffman = (in[pos] & 0x80) != 0;
      int length = readInt(7);
      if (length < 0 || pos + length > in.length) {
        throw new Http2Exception("HPACK: string runs past the header block");
      }
      byte[] bytes = huffman ? Huffman.decode(in, pos, length) : java.util.Arrays.copyOfRange(in, pos, pos + length);
      pos += length;
      return new String(bytes, StandardCharsets.ISO_8859_1); // header values are octets; gRPC's are ASCII
    }
  }
}
