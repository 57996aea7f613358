package io.tinkerjvm.e2e.storm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A firmware's TFTP read (RFC 1350 with RFC 2347/2348/2349/7440 options), as the simulated machine's ROM does
 * it: UEFI PXE first probes the size (tsize, then aborts with error 8) and then reads with blksize 1468 and
 * windowsize 4; BIOS PXE reads in lock-step with blksize 1456. A silent server gets the last ACK (or the
 * request) again after one second, as firmware does, and each such retransmission is counted.
 */
final class TftpFetch {
  private static final int RRQ = 1;
  private static final int DATA = 3;
  private static final int ACK = 4;
  private static final int ERROR = 5;
  private static final int OACK = 6;
  private static final int TIMEOUT_MS = 1000;
  private static final int MAX_TRIES = 10;

  record Result(byte[] file, int retransmits) {}

  private final InetAddress client;
  private final InetSocketAddress server;
  private final byte[] buffer = new byte[4096]; // one per machine: the largest block asked for is 1468 bytes
  private int retransmits;

  TftpFetch(InetAddress client, InetSocketAddress server) {
    this.client = client;
    this.server = server;
  }

  Result fetch(String file, boolean uefi) throws IOException {
    if (uefi) {
      long size = probeSize(file);
      byte[] data = read(file, options("blksize", "1468", "windowsize", "4"), 1468, 4);
      if (data.length != size) {
        throw new IOException("TFTP " + file + ": tsize said " + size + " bytes, the transfer gave " + data.length);
      }
      return new Result(data, retransmits);
    }
    return new Result(read(file, options("blksize", "1456", "tsize", "0"), 1456, 1), retransmits);
  }

  /** The UEFI size probe: RRQ with tsize, read the OACK, abort with error 8 (the server must not log a failure). */
  private long probeSize(String file) throws IOException {
    try (DatagramSocket s = socket()) {
      byte[] rrq = rrq(file, options("tsize", "0", "blksize", "1468"));
      for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
        if (attempt > 0) {
          retransmits++;
        }
        s.send(new DatagramPacket(rrq, rrq.length, server));
        DatagramPacket in = receive(s);
        if (in == null) {
          continue;
        }
        ByteBuffer b = ByteBuffer.wrap(in.getData(), 0, in.getLength());
        int op = b.getShort() & 0xffff;
        if (op == ERROR) {
          throw new IOException("TFTP " + file + ": " + error(b));
        }
        if (op != OACK) {
          throw new IOException("TFTP " + file + ": the size probe got opcode " + op + ", not an OACK");
        }
        String tsize = parseOptions(b).get("tsize");
        byte[] abort = error(8, "size probe done");
        s.send(new DatagramPacket(abort, abort.length, in.getSocketAddress()));
        if (tsize == null) {
          throw new IOException("TFTP " + file + ": the OACK carried no tsize");
        }
        return Long.parseLong(tsize);
      }
      throw new IOException("TFTP " + file + ": no answer to the size probe after " + MAX_TRIES + " tries");
    }
  }

  private byte[] read(String file, Map<String, String> opts, int blksize, int window) throws IOException {
    try (DatagramSocket s = socket()) {
      byte[] rrq = rrq(file, opts);
      byte[] lastSent = rrq;
      InetSocketAddress lastTo = server;
      InetSocketAddress peer = null;
      ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
      int last = 0; // the last block in order
      int sinceAck = 0;
      int tries = 0;
      s.send(new DatagramPacket(rrq, rrq.length, server));
      while (true) {
        DatagramPacket in = receive(s);
        if (in == null) {
          if (++tries >= MAX_TRIES) {
            throw new IOException("TFTP " + file + ": server silent after block " + last + ", " + MAX_TRIES
                + " tries");
          }
          retransmits++;
          s.send(new DatagramPacket(lastSent, lastSent.length, lastTo));
          sinceAck = 0;
          continue;
        }
        if (peer != null && !peer.equals(in.getSocketAddress())) {
          // a second transfer, started by a retransmitted request: RFC 1350 says tell it its TID is unknown
          byte[] unknown = error(5, "unknown transfer ID");
          s.send(new DatagramPacket(unknown, unknown.length, in.getSocketAddress()));
          continue;
        }
        ByteBuffer b = ByteBuffer.wrap(in.getData(), 0, in.getLength());
        int op = b.getShort() & 0xffff;
        if (op == ERROR) {
          throw new IOException("TFTP " + file + ": " + error(b));
        }
        if (peer == null) {
          peer = (InetSocketAddress) in.getSocketAddress();
        }
        if (op == OACK && last == 0) {
          tries = 0;
          lastSent = ack(0);
          lastTo = peer;
          s.send(new DatagramPacket(lastSent, lastSent.length, peer));
          continue;
        }
        if (op != DATA) {
          continue;
        }
        int block = b.getShort() & 0xffff;
        if (block != ((last + 1) & 0xffff)) {
          continue; // a duplicate or a gap: the timeout re-ACKs the last block in order
        }
        tries = 0;
        int len = b.remaining();
        out.write(b.array(), b.position(), len);
        last = block;
        sinceAck++;
        boolean done = len < blksize;
        if (done || sinceAck >= window) {
          lastSent = ack(block);
          lastTo = peer;
          s.send(new DatagramPacket(lastSent, lastSent.length, peer));
          sinceAck = 0;
        }
        if (done) {
          return out.toByteArray();
        }
      }
    }
  }

  private DatagramSocket socket() throws IOException {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(client, 0));
    s.setSoTimeout(TIMEOUT_MS);
    return s;
  }

  private DatagramPacket receive(DatagramSocket s) throws IOException {
    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
    try {
      s.receive(in);
      return in;
    } catch (SocketTimeoutException e) {
      return null;
    }
  }

  private static Map<String, String> options(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static byte[] rrq(String file, Map<String, String> opts) {
    ByteBuffer b = ByteBuffer.allocate(512);
    b.putShort((short) RRQ);
    zstring(b, file);
    zstring(b, "octet");
    opts.forEach((k, v) -> {
      zstring(b, k);
      zstring(b, v);
    });
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  private static byte[] ack(int block) {
    return new byte[] {0, ACK, (byte) (block >> 8), (byte) block};
  }

  private static byte[] error(int code, String message) {
    ByteBuffer b = ByteBuffer.allocate(5 + message.length());
    b.putShort((short) ERROR).putShort((short) code);
    zstring(b, message);
    return b.array();
  }

  private static void zstring(ByteBuffer b, String s) {
    b.put(s.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
  }

  private static Map<String, String> parseOptions(ByteBuffer b) {
    Map<String, String> m = new LinkedHashMap<>();
    while (b.hasRemaining()) {
      String k = zread(b);
      if (!b.hasRemaining()) {
        break;
      }
      m.put(k.toLowerCase(java.util.Locale.ROOT), zread(b));
    }
    return m;
  }

  private static String error(ByteBuffer b) {
    int code = b.getShort() & 0xffff;
    return "error " + code + " " + zread(b);
  }

  private static String zread(ByteBuffer b) {
    int start = b.position();
    while (b.hasRemaining() && b.get() != 0) {
      // scan to the terminating zero
    }
    int end = b.position() - (b.position() > start && b.get(b.position() - 1) == 0 ? 1 : 0);
    return new String(b.array(), start, end - start, StandardCharsets.US_ASCII);
  }
}
