package io.tinkerjvm.boots.tftp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.tinkerjvm.boots.files.FileRoot;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only TFTP server (RFC 1350) with option negotiation (RFC 2347): blksize (2348), tsize and timeout
 * (2349) and windowsize (7440). Requests arrive on port 69; each transfer then runs on its own socket (its
 * transfer ID) on the Netty loop. Malformed datagrams are counted and dropped.
 */
public final class TftpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TftpServer.class);

  private final EventLoopGroup group;
  private final InetAddress bind;
  private final FileRoot files;
  private final Settings settings;
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final AtomicInteger active = new AtomicInteger();
  private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
  static final int MAX_TRANSFERS = 2048;
  private final FileCache cache = new FileCache();
  private Channel listener;

  /** Limits and defaults; {@code maxBlockSize} caps what clients may ask, {@code maxWindow} likewise. */
  public record Settings(int maxBlockSize, int maxWindow, Duration timeout, int retries, int maxPerClient) {
    public Settings {
      if (maxPerClient < 1 || maxPerClient > MAX_TRANSFERS) {
        throw new IllegalArgumentException("tftp-max-per-client must be from 1 to " + MAX_TRANSFERS + ", got "
            + maxPerClient);
      }
      if (maxBlockSize < 8 || maxBlockSize > TftpCodec.MAX_BLOCK_SIZE) {
        throw new IllegalArgumentException("tftp-max-block-size must be from 8 to " + TftpCodec.MAX_BLOCK_SIZE
            + ", got " + maxBlockSize);
      }
      if (maxWindow < 1 || maxWindow > 65535) {
        throw new IllegalArgumentException("tftp-max-window must be from 1 to 65535, got " + maxWindow);
      }
    }

    public static Settings defaults() {
      return new Settings(TftpCodec.MAX_BLOCK_SIZE, 64, Duration.ofSeconds(1), 5, 16);
    }
  }

  private TftpServer(EventLoopGroup group, InetAddress bind, FileRoot files, Settings settings, MeterRegistry registry) {
    this.group = group;
    this.bind = bind;
    this.files = files;
    this.settings = settings;
    this.registry = registry;
  }

  public static TftpServer start(EventLoopGroup group, InetAddress bind, int port, FileRoot files,
      Settings settings, MeterRegistry registry) {
    TftpServer server = new TftpServer(group, bind, files, settings, registry);
    try {
      server.listener = server.open(port, server.new Requests()).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding TFTP", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen for TFTP on " + bind.getHostAddress() + ":" + port + ": "
          + e.getMessage(), e);
    }
    registry.gauge("boots.tftp.active", server.active);
    return server;
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Binds a socket without waiting, so that a transfer can be started from the loop itself. */
  ChannelFuture open(int port, SimpleChannelInboundHandler<DatagramPacket> handler) {
    return new Bootstrap().group(group).channel(NioDatagramChannel.class)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(TftpCodec.MAX_BLOCK_SIZE + 8))
        .option(ChannelOption.SO_RCVBUF, port == 0 ? 64 << 10 : 1 << 20)
        .handler(handler)
        .bind(new InetSocketAddress(bind, port));
  }

  /** Port 69: read requests start transfers; anything else gets an error or is dropped. */
  private final class Requests extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
      InetSocketAddress client = msg.sender();
      TftpPacket packet;
      try {
        packet = decode(msg.content());
      } catch (TftpCodec.Malformed e) {
        count("boots.tftp.dropped", "reason", "malformed");
        log.debug("dropped a datagram from {}: {}", client, e.getMessage());
        return;
      }
      if (!(packet instanceof TftpPacket.Request req)) {
        // a stray DATA/ACK/ERROR on the request port: not part of any transfer here
        count("boots.tftp.dropped", "reason", "not_a_request");
        return;
      }
      if (req.write()) {
        count("boots.tftp.refused", "reason", "write");
        Transfer.refuse(ctx.channel(), client, TftpError.ILLEGAL_OPERATION, "this server is read-only");
        return;
      }
      AtomicInteger fromClient = perClient.get(client.getAddress());
      if (active.get() >= MAX_TRANSFERS || fromClient != null && fromClient.get() >= settings.maxPerClient()) {
        // bounds sockets and memory, and what a spoofed source can make us send elsewhere. No error
        // packet: a PXE ROM gives up on an error, but it sends its request again after a timeout, and
        // by then a slot is usually free.
        count("boots.tftp.refused", "reason", "busy");
        return;
      }
      Transfer.begin(TftpServer.this, ctx.channel(), req, client);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      count("boots.tftp.dropped", "reason", "io_error");
    }
  }

  static TftpPacket decode(ByteBuf buf) throws TftpCodec.Malformed {
    byte[] bytes = new byte[buf.readableBytes()];
    buf.getBytes(buf.readerIndex(), bytes);
    return TftpCodec.decode(bytes, bytes.length);
  }

  FileCache cache() {
    return cache;
  }

  FileRoot files() {
    return files;
  }

  Settings settings() {
    return settings;
  }

  void started(InetAddress client) {
    active.incrementAndGet();
    perClient.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
  }

  void ended(InetAddress client) {
    active.decrementAndGet();
    perClient.computeIfPresent(client, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  void count(String name, String tag, String value) {
    counters.computeIfAbsent(name + '|' + value, k -> Counter.builder(name).tag(tag, value).register(registry))
        .increment();
  }

  @Override
  public void close() {
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
  }
}
