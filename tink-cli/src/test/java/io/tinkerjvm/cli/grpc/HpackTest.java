package io.tinkerjvm.cli.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our HPACK against Netty's (the encoder inside grpc-java's server): Huffman strings, dynamic table, both ways. */
class HpackTest {
  @Test
  void huffmanCodeIsCompleteAndCanonical() {
    // A complete prefix code: the code lengths fill the code space exactly (Kraft sum = 1).
    BigInteger sum = BigInteger.ZERO;
    for (int s = 0; s <= Huffman.EOS; s++) {
      sum = sum.add(BigInteger.ONE.shiftLeft(30 - Huffman.length(s)));
    }
    assertEquals(BigInteger.ONE.shiftLeft(30), sum);
    int[] codes = Huffman.codes();
    assertEquals(0x1ff8, codes[0]);
    assertEquals(0x3, codes['a']);
    assertEquals(0x14, codes[' ']);
    assertEquals(0x7fff0, codes['\\']);
    assertEquals(0x3ffffee, codes[255]);
    assertEquals(0x3fffffff, codes[Huffman.EOS]);
  }

  @Test
  void decodesEveryByteValueHuffmanEncodedByNetty() throws Exception {
    // huffCodeThreshold 0: Netty Huffman-encodes every string it can make shorter.
    DefaultHttp2HeadersEncoder netty =
        new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false, 16, 0);
    Hpack.Decoder ours = new Hpack.Decoder(4096);
    for (int round = 0; round < 3; round++) { // later rounds hit Netty's dynamic table
      StringBuilder all = new StringBuilder();
      for (int b = 0x20; b < 0x7f; b++) {
        all.append((char) b);
      }
      Http2Headers headers = new DefaultHttp2Headers()
          .status("200")
          .add("content-type", "application/grpc")
          .add("grpc-status", "3")
          .add("grpc-message", "template 'ubuntu' not found: %C3%A9t%C3%A9 " + all)
          .add("x-round", String.valueOf(round));
      ByteBuf buf = Unpooled.buffer();
      netty.encodeHeaders(3, headers, buf);
      byte[] block = new byte[buf.readableBytes()];
      buf.readBytes(block);
      List<String[]> decoded = ours.decode(block);
      assertEquals(5, decoded.size());
      assertArrayEquals(new String[] {":status", "200"}, decoded.get(0));
      assertArrayEquals(new String[] {"grpc-message", "template 'ubuntu' not found: %C3%A9t%C3%A9 " + all},
          decoded.get(3));
      assertArrayEquals(new String[] {"x-round", String.valueOf(round)}, decoded.get(4));
    }
    // raw bytes 0..255 through the Huffman decoder, encoded by Netty as a header value
    byte[] raw = new byte[256];
    for (int i = 0; i < 256; i++) {
      raw[i] = (byte) i;
    }
    ByteBuf buf = Unpooled.buffer();
    new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false, 16, 0)
        .encodeHeaders(1, new DefaultHttp2Headers(false).add("x-bin", new io.grpc.netty.shaded.io.netty.util.AsciiString(raw)), buf);
    byte[] block = new byte[buf.readableBytes()];
    buf.readBytes(block);
    String[] h = new Hpack.Decoder(4096).decode(block).get(0);
    assertEquals("x-bin", h[0]);
    assertArrayEquals(raw, h[1].getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void nettyDecodesWhatWeEncode() throws Exception {
    byte[] block = Hpack.encode(List.of(Map.entry(":method", "POST"), Map.entry(":scheme", "http"),
        Map.entry(":path", "/github.com.tinkerbell.tink.protos.hardware.HardwareService/All"),
        Map.entry(":authority", "127.0.0.1:42113"), Map.entry("content-type", "application/grpc"),
        Map.entry("te", "trailers"), Map.entry("grpc-timeout", "30000m"),
        Map.entry("x-long", "v".repeat(300))));
    Http2Headers h = new DefaultHttp2HeadersDecoder(true).decodeHeaders(1, Unpooled.wrappedBuffer(block));
    assertEquals("POST", h.method().toString());
    assertEquals("/github.com.tinkerbell.tink.protos.hardware.HardwareService/All", h.path().toString());
    assertEquals("application/grpc", h.get("content-type").toString());
    assertEquals("30000m", h.get("grpc-timeout").toString());
    assertEquals("v".repeat(300), h.get("x-long").toString());
  }

  @Test
  void brokenBlocksAreRefused() {
    assertThrows(Http2Exception.class, () -> new Hpack.Decoder(4096).decode(new byte[] {(byte) 0xff, 0x7f}));
    assertThrows(Http2Exception.class, () -> new Hpack.Decoder(4096).decode(new byte[] {(byte) 0xbf})); // index 63: empty table
    assertThrows(Http2Exception.class, () -> new Hpack.Decoder(4096).decode(new byte[] {0x00, 0x05, 'a'}));
    // Huffman string padded with zeros instead of ones
    assertThrows(Http2Exception.class, () -> Huffman.decode(new byte[] {0x00}, 0, 1));
  }
}
