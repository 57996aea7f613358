package io.tinkerjvm.boots.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.tinkerjvm.boots.LogSafe;
import io.tinkerjvm.boots.files.FileRoot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read transfer, on its own socket and its own event-loop thread: OACK if options were accepted, then
 * windows of DATA blocks, each window sent again after a silent timeout, which doubles while the silence lasts
 * (up to eight times; see {@link #waitMs}). Block numbers roll over past
 * 65535. Duplicate and stale ACKs are ignored, so a late ACK never doubles the traffic.
 */
final class Transfer extends SimpleChannelInboundHandler<DatagramPacket> {
  private static final Logger log = LoggerFactory.getLogger(Transfer.class);

  private final TftpServer server;
  private final String name;
  private final InetSocketAddress client;
  private final Source source;
  private final Map<String, String> accepted;
  private final int blockSize;
  private final int window;
  private final long timeoutMs;
  private final long totalBlocks;
  private Channel channel;
  private ScheduledFuture<?> timer;
  private long deadline;
  private boolean awaitingOptionAck;
  private long lastAcked;
  private long lastSent;
  private int retries;
  private boolean done;

  private Transfer(TftpServer server, String name, InetSocketAddress client, Source source,
      Map<String, String> accepted, int blockSize, int window, long timeoutMs) {
    this.server = server;
    this.name = name;
    this.client = client;
    this.source = source;
    this.accepted = accepted;
    this.blockSize = blockSize;
    this.window = window;
    this.timeoutMs = timeoutMs;
    this.totalBlocks = source.size() / blockSize + 1;
  }

  /** netascii is converted in memory, so it is for small text files only. */
  static final long MAX_NETASCII = 1 << 20;

  static void begin(TftpServer server, Channel listener, TftpPacket.Request req, InetSocketAddress client) {
    if (!req.mode().equals("octet") && !req.mode().equals("netascii")) {
      server.count("boots.tftp.refused", "reason", "mode");
      refuse(listener, client, TftpError.ILLEGAL_OPERATION, "only octet and netascii modes are supported");
      return;
    }
    server.count("boots.tftp.requests", "mode", req.mode());
    Path path;
    try {
      path = server.files().resolve(req.filename());
    } catch (FileRoot.Refused e) {
      server.count("boots.tftp.refused", "reason", e.outside ? "access_violation" : "not_found");
      log.info("TFTP {} from {}: {}", LogSafe.clean(req.filename()), client.getAddress().getHostAddress(), e.getMessage());
      refuse(listener, client, e.outside ? TftpError.ACCESS_VIOLATION : TftpError.FILE_NOT_FOUND, e.getMessage());
      return;
    }
    Source source;
    try {
      if (req.mode().equals("netascii") && Files.size(path) > MAX_NETASCII) {
        server.count("boots.tftp.refused", "reason", "netascii_too_large");
        refuse(listener, client, TftpError.ILLEGAL_OPERATION, "netascii is for text files up to 1 MiB; use octet");
        return;
      }
      source = req.mode().equals("netascii") ? Source.netascii(path) : Source.cachedOrFile(server.cache(), path);
    } catch (IOException e) {
      server.count("boots.tftp.refused", "reason", "read_error");
      refuse(listener, client, TftpError.FILE_NOT_FOUND, "cannot read " + req.filename());
      return;
    }
    TftpServer.Settings limits = server.settings();
    Map<String, String> accepted = new LinkedHashMap<>();
    int blockSize = 512;
    int window = 1;
    long timeoutMs = limits.timeout().toMillis();
    for (Map.Entry<String, String> o : req.options().entrySet()) {
      Integer v = number(o.getValue());
      switch (o.getKey()) {
        case "blksize" -> {
          if (v != null && v >= 8 && v <= TftpCodec.MAX_BLOCK_SIZE) {
            blockSize = Math.min(v, limits.maxBlockSize());
            accepted.put("blksize", Integer.toString(blockSize));
          }
        }
        case "tsize" -> accepted.put("tsize", Long.toString(source.size()));
        case "timeout" -> {
          if (v != null && v >= 1 && v <= 255) {
            timeoutMs = v * 1000L;
            accepted.put("timeout", Integer.toString(v));
          }
        }
        case "windowsize" -> {
          if (v != null && v >= 1 && v <= 65535) {
            window = Math.min(v, limits.maxWindow());
            accepted.put("windowsize", Integer.toString(window));
          }
        }
        default -> { } // RFC 2347: options the server does not know are left out of the OACK
      }
    }
    Transfer t = new Transfer(server, LogSafe.clean(req.filename()), client, source, accepted, blockSize, window,
        timeoutMs);
    server.started(client.getAddress());
    server.open(0, t).addListener(f -> {
      if (f.isSuccess()) {
        t.channel.eventLoop().execute(t::start);
      } else {
        t.finish("bind_failed", "cannot open a transfer socket: " + f.cause());
        refuse(listener, client, TftpError.NOT_DEFINED, "server busy");
      }
    });
  }

  static void refuse(Channel via, InetSocketAddress to, int code, String message) {
    ByteBuf out = via.alloc().buffer(5 + message.length());
    TftpCodec.writeError(out, code, message);
    via.writeAndFlush(new DatagramPacket(out, to));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  private void start() {
    if (!accepted.isEmpty()) {
      awaitingOptionAck = true;
      sendOptionAck();
    } else {
      sendWindow();
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
    if (done) {
      return;
    }
    if (!msg.sender().equals(client)) {
      server.count("boots.tftp.dropped", "reason", "unknown_transfer_id");
      refuse(channel, msg.sender(), TftpError.UNKNOWN_TRANSFER_ID, "unknown transfer ID");
      return;
    }
    ByteBuf in = msg.content();
    if (in.readableBytes() == 4 && in.getUnsignedShort(in.readerIndex()) == TftpPacket.ACK) {
      acked(in.getUnsignedShort(in.readerIndex() + 2)); // the common case, read without copying
      return;
    }
    TftpPacket packet;
    try {
      packet = TftpServer.decode(in);
    } catch (TftpCodec.Malformed e) {
      server.count("boots.tftp.dropped", "reason", "malformed");
      return;
    }
    switch (packet) {
      case TftpPacket.Ack ack -> acked(ack.block());
      case TftpPacket.Error err -> {
        if (awaitingOptionAck && err.code() == TftpError.OPTION_REFUSED) {
          // PXE firmware asks for tsize first and aborts once it knows the size: that is not a failure.
          finish("size_probe", null);
        } else {
          finish("aborted", "client aborted: " + err.code() + " " + LogSafe.clean(err.message()));
        }
      }
      default -> server.count("boots.tftp.dropped", "reason", "unexpected_packet");
    }
  }

  private void acked(int wire) {
    if (awaitingOptionAck) {
      if (wire == 0) {
        awaitingOptionAck = false;
        retries = 0;
        sendWindow();
      }
      return;
    }
    for (long k = lastAcked + 1; k <= lastSent; k++) {
      if ((k & 0xffff) == wire) {
        lastAcked = k;
        retries = 0;
        if (lastAcked == totalBlocks) {
          finish("ok", null);
        } else {
          sendWindow();
        }
        return;
      }
    }
    // A duplicate or stale ACK: ignoring it is what keeps a slow client from doubling every block.
  }

  private void sendOptionAck() {
    ByteBuf out = channel.alloc().directBuffer(64);
    TftpCodec.writeOptionAck(out, accepted);
    channel.writeAndFlush(new DatagramPacket(out, client));
    armTimer();
  }

  private void sendWindow() {
    long last = Math.min(lastAcked + window, totalBlocks);
    try {
      for (long k = lastAcked + 1; k <= last; k++) {
        long position = (k - 1) * blockSize;
        int length = (int) Math.max(0, Math.min(blockSize, source.size() - position));
        ByteBuf out = channel.alloc().directBuffer(4 + length);
        try {
          TftpCodec.writeDataHeader(out, (int) k);
          source.read(position, length, out);
        } catch (IOException | RuntimeException e) {
          out.release();
          throw e;
        }
        channel.write(new DatagramPacket(out, client));
      }
    } catch (IOException e) {
      refuse(channel, client, TftpError.NOT_DEFINED, "read error");
      finish("read_error", e.getMessage());
      return;
    }
    channel.flush();
    lastSent = Math.max(lastSent, last);
    armTimer();
  }

  /** The longest wait between two sends of the same window, as a multiple of the timeout. */
  static final int MAX_BACKOFF = 8;

  /**
   * How long to wait for an ACK after the {@code retries}-th retransmission in a row: the timeout, doubled
   * after each silent one up to {@link #MAX_BACKOFF} times it (1, 2, 4, 8, 8 s), and back to the timeout
   * once the client answers. With a fixed interval, a client slowed by a boot storm (1,000 machines at once
   * on a busy provisioner) lost its transfer after six silent seconds, and each retransmitted window was more
   * load on the very link that was late; a lost packet on an idle network is still resent after one timeout.
   */
  static long waitMs(long timeoutMs, int retries) {
    return timeoutMs * Math.min(1L << Math.min(retries, 30), MAX_BACKOFF);
  }

  /** Moves the deadline; one timer per transfer is re-armed only when it fires early, not on every ACK. */
  private void armTimer() {
    long wait = waitMs(timeoutMs, retries);
    deadline = System.nanoTime() + wait * 1_000_000;
    if (timer == null) {
      timer = channel.eventLoop().schedule(this::timerFired, wait, TimeUnit.MILLISECONDS);
    }
  }

  private void timerFired() {
    timer = null;
    if (done) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      timer = channel.eventLoop().schedule(this::timerFired, left, TimeUnit.NANOSECONDS);
      return;
    }
    timedOut();
  }

  private void timedOut() {
    if (++retries > server.settings().retries()) {
      refuse(channel, client, TftpError.NOT_DEFINED, "timed out");
      finish("timeout", "no answer after " + server.settings().retries() + " retries");
      return;
    }
    server.count("boots.tftp.retransmits", "kind", awaitingOptionAck ? "oack" : "data");
    if (awaitingOptionAck) {
      sendOptionAck();
    } else {
      sendWindow();
    }
  }

  private void finish(String result, String detail) {
    if (done) {
      return;
    }
    done = true;
    if (timer != null) {
      timer.cancel(false);
    }
    server.ended(client.getAddress());
    server.count("boots.tftp.transfers", "result", result);
    try {
      source.close();
    } catch (IOException e) {
      log.debug("closing {}: {}", name, e.toString());
    }
    if (channel != null) {
      channel.close();
    }
    if (result.equals("size_probe")) {
      log.debug("TFTP {} to {}: size probe", name, client);
    } else if (detail == null) {
      log.info("TFTP sent {} to {} ({} bytes, blksize {}, windowsize {})", name,
          client.getAddress().getHostAddress(), source.size(), blockSize, window);
    } else {
      log.info("TFTP {} to {} ended: {}", name, client.getAddress().getHostAddress(), detail);
    }
  }

  private static Integer number(String s) {
    try {
      return Integer.valueOf(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The bytes served: the file itself, or its netascii form (CR LF line ends, CR as CR NUL). */
  interface Source extends java.io.Closeable {
    long size();

    void read(long position, int length, ByteBuf out) throws IOException;

    static Source file(Path path) throws IOException {
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
      long size = ch.size();
      return new Source() {
        @Override
        public long size() {
          return size;
        }

        @Override
        public void read(long position, int length, ByteBuf out) throws IOException {
          int done = 0;
          while (done < length) {
            int n = out.writeBytes(ch, position + done, length - done);
            if (n < 0) {
              throw new IOException("file shrank while being sent");
            }
            done += n;
          }
        }

        @Override
        public void close() throws IOException {
          ch.close();
        }
      };
    }

    static Source cachedOrFile(FileCache cache, Path path) throws IOException {
      byte[] bytes = cache.bytes(path);
      return bytes == null ? file(path) : bytes(bytes);
    }

    static Source netascii(Path path) throws IOException {
      byte[] raw = Files.readAllBytes(path);
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(raw.length + raw.length / 16);
      for (byte c : raw) {
        if (c == '\n') {
          b.write('\r');
          b.write('\n');
        } else if (c == '\r') {
          b.write('\r');
          b.write(0);
        } else {
          b.write(c);
        }
      }
      return bytes(b.toByteArray());
    }

    static Source bytes(byte[] bytes) {
      return new Source() {
        @Override
        public long size() {
          return bytes.length;
        }

        @Override
        public void read(long position, int length, ByteBuf out) {
          out.writeBytes(bytes, (int) position, length);
        }

        @Override
        public void close() {}
      };
    }
  }
}
