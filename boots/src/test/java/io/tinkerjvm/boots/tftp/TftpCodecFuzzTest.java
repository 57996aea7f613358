package io.tinkerjvm.boots.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Timeout;

/**
 * Any datagram on the TFTP ports through {@link TftpCodec#decode}: a packet, or {@link TftpCodec.Malformed} with the
 * reason; nothing else. Every packet decoded, written again with the codec's writer for its kind, decodes to an equal
 * packet. Seeds: src/test/resources/.../TftpCodecFuzzTestInputs/.
 */
class TftpCodecFuzzTest {
  @FuzzTest
  @Timeout(10)
  void decode(byte[] datagram) throws Exception {
    TftpPacket packet;
    try {
      packet = TftpCodec.decode(datagram, datagram.length);
    } catch (TftpCodec.Malformed e) {
      assertNotNull(e.getMessage());
      return;
    }
    byte[] again = encode(packet);
    TftpPacket copy = TftpCodec.decode(again, again.length);
    if (packet instanceof TftpPacket.Data data) {
      TftpPacket.Data d = (TftpPacket.Data) copy;
      assertEquals(data.block(), d.block());
      assertArrayEquals(data.payload(), d.payload());
    } else {
      assertEquals(packet, copy);
    }
    if (packet instanceof TftpPacket.Request r) {
      assertFalse(r.filename().isEmpty());
      assertEquals(r.mode(), r.mode().toLowerCase(java.util.Locale.ROOT));
      r.options().keySet().forEach(k -> assertTrue(!k.isEmpty() && k.equals(k.toLowerCase(java.util.Locale.ROOT)), k));
    }
  }

  static byte[] encode(TftpPacket packet) {
    ByteBuf out = Unpooled.buffer();
    switch (packet) {
      case TftpPacket.Request r -> TftpCodec.writeRequest(out, r.write(), r.filename(), r.mode(), r.options());
      case TftpPacket.Data d -> {
        TftpCodec.writeDataHeader(out, d.block());
        out.writeBytes(d.payload());
      }
      case TftpPacket.Ack a -> TftpCodec.writeAck(out, a.block());
      case TftpPacket.Error e -> TftpCodec.writeError(out, e.code(), e.message());
      case TftpPacket.OptionAck o -> TftpCodec.writeOptionAck(out, o.options());
    }
    byte[] b = new byte[out.readableBytes()];
    out.readBytes(b);
    return b;
  }
}
