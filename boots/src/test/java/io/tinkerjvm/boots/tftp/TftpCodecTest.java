package io.tinkerjvm.boots.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.net.tftp.TFTPPacket;
import org.apache.commons.net.tftp.TFTPReadRequestPacket;
import org.junit.jupiter.api.Test;

/** Our codec against commons-net's, an independent implementation of the same RFCs. */
class TftpCodecTest {
  @Test
  void aRequestWithOptionsReadsTheSameInCommonsNetAndInOurs() throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("blksize", "1468");
    options.put("tsize", "0");
    options.put("windowsize", "8");
    ByteBuf out = Unpooled.buffer();
    TftpCodec.writeRequest(out, false, "undionly.kpxe", "octet", options);
    byte[] b = new byte[out.readableBytes()];
    out.readBytes(b);
    TFTPReadRequestPacket theirs = (TFTPReadRequestPacket) TFTPPacket.newTFTPPacket(new java.net.DatagramPacket(b, b.length));
    assertEquals("undionly.kpxe", theirs.getFilename());
    assertEquals(options, theirs.getOptions());
    TftpPacket.Request ours = (TftpPacket.Request) TftpCodec.decode(b, b.length);
    assertEquals("undionly.kpxe", ours.filename());
    assertEquals("octet", ours.mode());
    assertEquals(options, ours.options());
  }

  @Test
  void writesPacketsCommonsNetReads() throws Exception {
    ByteBuf out = Unpooled.buffer();
    TftpCodec.writeOptionAck(out, Map.of("blksize", "1468"));
    byte[] b = new byte[out.readableBytes()];
    out.readBytes(b);
    assertEquals(TftpPacket.OACK, ((b[0] << 8) | b[1]));
    TftpPacket.OptionAck oack = (TftpPacket.OptionAck) TftpCodec.decode(b, b.length);
    assertEquals("1468", oack.options().get("blksize"));

    out.clear();
    TftpCodec.writeError(out, TftpError.FILE_NOT_FOUND, "file not found");
    b = new byte[out.readableBytes()];
    out.readBytes(b);
    TFTPPacket theirs = TFTPPacket.newTFTPPacket(new java.net.DatagramPacket(b, b.length));
    assertEquals(TFTPPacket.ERROR, theirs.getType());
    assertEquals("file not found", ((org.apache.commons.net.tftp.TFTPErrorPacket) theirs).getMessage());
  }

  @Test
  void malformedPacketsAreRefusedWithAReason() {
    byte[][] bad = {{0}, {0, 1, 'a'}, {0, 1, 'a', 0, 'o', 'c'}, {0, 1, 0, 'o', 0}, {0, 9, 0, 1},
        {0, 4, 0, 1, 7}, {0, 6, 'b', 0, '8'}};
    for (byte[] b : bad) {
      assertThrows(TftpCodec.Malformed.class, () -> TftpCodec.decode(b, b.length));
    }
    assertThrows(TftpCodec.Malformed.class, () -> TftpCodec.decode(new byte[70000], 70000));
  }
}
