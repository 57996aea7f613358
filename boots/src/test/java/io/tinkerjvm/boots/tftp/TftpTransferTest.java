package io.tinkerjvm.boots.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tinkerjvm.boots.files.FileRoot;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transfer state machine, driven packet by packet from a raw socket: the edge cases curl and atftp
 * never hit (the empty last block, duplicate ACKs, silence, block numbers past 65535).
 */
class TftpTransferTest {
  @TempDir
  Path dir;
  EventLoopGroup loops;
  TftpServer server;
  DatagramSocket socket;

  @BeforeEach
  void start() throws Exception {
    loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    server = TftpServer.start(loops, InetAddress.getLoopbackAddress(), 0, new FileRoot(dir),
        TftpServer.Settings.defaults(), new SimpleMeterRegistry());
    socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    socket.setSoTimeout(3000);
  }

  @AfterEach
  void stop() {
    socket.close();
    server.close();
    loops.shutdownGracefully().syncUninterruptibly();
  }

  byte[] file(String name, int size) throws Exception {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    Files.write(dir.resolve(name), b);
    return b;
  }

  InetSocketAddress request(String name, Map<String, String> options) throws Exception {
    ByteBuf out = Unpooled.buffer();
    TftpCodec.writeRequest(out, false, name, "octet", options);
    send(out, new InetSocketAddress("127.0.0.1", server.port()));
    return null;
  }

  void send(ByteBuf out, InetSocketAddress to) throws Exception {
    byte[] b = new byte[out.readableBytes()];
    out.readBytes(b);
    socket.send(new DatagramPacket(b, b.length, to));
  }

  void ack(int block, InetSocketAddress to) throws Exception {
    ByteBuf out = Unpooled.buffer();
    TftpCodec.writeAck(out, block);
    send(out, to);
  }

  record Got(TftpPacket packet, InetSocketAddress from) {}

  Got receive(int timeoutMs) throws Exception {
    socket.setSoTimeout(timeoutMs);
    byte[] buf = new byte[70000];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    try {
      socket.receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return new Got(TftpCodec.decode(buf, p.getLength()), (InetSocketAddress) p.getSocketAddress());
  }

  @Test
  void aRequestOverTheAddressCapIsIgnoredSoThatItsRetryIsServedOnceASlotFrees() throws Exception {
    server.close();
    TftpServer.Settings d = TftpServer.Settings.defaults();
    server = TftpServer.start(loops, InetAddress.getLoopbackAddress(), 0, new FileRoot(dir),
        new TftpServer.Settings(d.maxBlockSize(), d.maxWindow(), d.timeout(), d.retries(), 1), new SimpleMeterRegistry());
    file("small.bin", 100);
    request("small.bin", Map.of());
    Got first = receive(3000);
    assertEquals(1, ((TftpPacket.Data) first.packet()).block());
    try (DatagramSocket second = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      ByteBuf rrq = Unpooled.buffer();
      TftpCodec.writeRequest(rrq, false, "small.bin", "octet", Map.of());
      byte[] bytes = new byte[rrq.readableBytes()];
      rrq.readBytes(bytes);
      DatagramPacket out = new DatagramPacket(bytes, bytes.length, new InetSocketAddress("127.0.0.1", server.port()));
      second.setSoTimeout(700);
      second.send(out);
      // no error packet (a PXE ROM would give up on it): nothing at all while the address has its one slot
      assertThrows(SocketTimeoutException.class, () -> second.receive(new DatagramPacket(new byte[600], 600)));
      ack(1, first.from()); // the first transfer ends and frees the slot
      Thread.sleep(100);
      second.send(out); // the client's retry
      DatagramPacket in = new DatagramPacket(new byte[600], 600);
      second.setSoTimeout(3000);
      second.receive(in);
      assertEquals(1, ((TftpPacket.Data) TftpCodec.decode(in.getData(), in.getLength())).block());
    }
  }

  @Test
  void aFileOfWholeBlocksEndsWithAnEmptyBlock() throws Exception {
    byte[] content = file("two-blocks.bin", 1024);
    request("two-blocks.bin", Map.of());
    Got b1 = receive(3000);
    assertEquals(1, ((TftpPacket.Data) b1.packet()).block());
    assertEquals(512, ((TftpPacket.Data) b1.packet()).payload().length);
    ack(1, b1.from());
    Got b2 = receive(3000);
    assertEquals(512, ((TftpPacket.Data) b2.packet()).payload().length);
    ack(2, b2.from());
    Got b3 = receive(3000);
    assertEquals(3, ((TftpPacket.Data) b3.packet()).block());
    assertEquals(0, ((TftpPacket.Data) b3.packet()).payload().length);
    ack(3, b3.from());
    assertNull(receive(300), "the transfer went on after its last block");
    assertEquals(1024, content.length);
  }

  @Test
  void aDuplicateAckSendsNothingAgainAndSilenceDoes() throws Exception {
    file("f.bin", 2000);
    Map<String, String> options = new LinkedHashMap<>();
    options.put("timeout", "1");
    request("f.bin", options);
    Got oack = receive(3000);
    assertTrue(oack.packet() instanceof TftpPacket.OptionAck, String.valueOf(oack.packet()));
    ack(0, oack.from());
    Got b1 = receive(3000);
    ack(1, b1.from());
    Got b2 = receive(3000);
    assertEquals(2, ((TftpPacket.Data) b2.packet()).block());
    ack(1, b1.from()); // a late duplicate of the first ACK
    assertNull(receive(500), "a duplicate ACK made the server send again (Sorcerer's Apprentice)");
    // no ACK for block 2: after the 1 s timeout the server sends it again
    Got again = receive(3000);
    assertEquals(2, ((TftpPacket.Data) again.packet()).block());
  }

  @Test
  void theRetransmissionIntervalDoublesWhileTheClientIsSilentUpToEightTimes() {
    assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 8000L, 8000L),
        IntStream.range(0, 6).mapToObj(r -> Transfer.waitMs(1000, r)).toList());
    assertEquals(8000L, Transfer.waitMs(1000, 40), "no overflow after many retries");
  }

  @Test
  void aClientSilentLongerThanRetriesTimesTheTimeoutStillGetsItsFile() throws Exception {
    // defaults: 1 s timeout, 5 retries. A fixed interval gave up after 6 s of silence (what a machine starved
    // by a boot storm met); with the backoff the server resends at 1, 3, 7 and 15 s, so an ACK at 9 s lands.
    byte[] content = file("slow.bin", 700);
    request("slow.bin", Map.of());
    Got b1 = receive(3000);
    assertEquals(1, ((TftpPacket.Data) b1.packet()).block());
    long until = System.nanoTime() + 9_000_000_000L;
    int resent = 0;
    while (System.nanoTime() < until) {
      Got g = receive((int) Math.max(1, (until - System.nanoTime()) / 1_000_000));
      if (g != null) {
        assertTrue(g.packet() instanceof TftpPacket.Data, "the server gave up on a silent client: " + g.packet());
        resent++;
      }
    }
    assertEquals(3, resent, "block 1 again at 1, 3 and 7 s");
    ack(1, b1.from());
    Got b2 = receive(3000);
    assertEquals(2, ((TftpPacket.Data) b2.packet()).block());
    assertEquals(700 - 512, ((TftpPacket.Data) b2.packet()).payload().length);
    ack(2, b2.from());
    assertEquals(700, content.length);
  }

  @Test
  void blockNumbersRollOverPast65535() throws Exception {
    byte[] content = file("big.bin", 8 * 65536 + 3); // 65,537 blocks of 8 bytes
    Map<String, String> options = new LinkedHashMap<>();
    options.put("blksize", "8");
    options.put("windowsize", "64");
    request("big.bin", options);
    Got oack = receive(3000);
    InetSocketAddress tid = oack.from();
    ack(0, tid);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    long expected = 1;
    while (true) {
      Got g = receive(3000);
      TftpPacket.Data d = (TftpPacket.Data) g.packet();
      assertEquals(expected & 0xffff, d.block(), "block " + expected);
      got.write(d.payload());
      boolean last = d.payload().length < 8;
      if (expected % 64 == 0 || last) {
        ack(d.block(), tid);
      }
      expected++;
      if (last) {
        break;
      }
    }
    assertEquals(65538, expected);
    assertArrayEquals(content, got.toByteArray());
  }
}
