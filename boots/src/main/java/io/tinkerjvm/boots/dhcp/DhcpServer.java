package io.tinkerjvm.boots.dhcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.tinkerjvm.boots.hardware.HardwareSource;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DHCP listener: UDP on 67 (and 4011 in proxy mode), decoding on the Netty loop, one handler per mode,
 * replies routed per RFC 2131 section 4.1. Bad datagrams are counted by reason and dropped; nothing a client
 * sends can stop the loop.
 *
 * <p>A reply to a client without an address goes to 255.255.255.255. Linux sends that only from a socket
 * bound to an interface's own address, so a second socket is bound to the server address for broadcasts.
 */
public final class DhcpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DhcpServer.class);
  private static final int CLIENT_PORT = 68;
  private static final InetAddress BROADCAST = broadcast();

  private final DhcpHandler handler;
  private final HardwareSource hardware;
  private final MeterRegistry registry;
  private final ExecutorService offLoop = Executors.newVirtualThreadPerTaskExecutor();
  /** Lookups waiting on tink-server before the cache is filled; beyond this, requests wait for a retry. */
  private final java.util.concurrent.Semaphore waiting = new java.util.concurrent.Semaphore(256);
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final List<Channel> channels = new ArrayList<>();
  private Channel main;
  private Channel proxy;
  private Channel broadcastSender;

  private DhcpServer(DhcpHandler handler, HardwareSource hardware, MeterRegistry registry) {
    this.handler = handler;
    this.hardware = hardware;
    this.registry = registry;
  }

  /**
   * @param proxyPort the PXE boot-server port to listen on as well (4011), or -1
   */
  public static DhcpServer start(EventLoopGroup group, InetAddress bind, int port, int proxyPort,
      Inet4Address serverIp, DhcpHandler handler, HardwareSource hardware, MeterRegistry registry) {
    DhcpServer server = new DhcpServer(handler, hardware, registry);
    // Every DHCP socket on one loop thread: a reply written from the thread that read the request goes
    // straight to the socket instead of being handed to another thread.
    EventLoopGroup loop = group.next();
    try {
      server.main = server.bind(loop, new InetSocketAddress(bind, port), false);
      server.broadcastSender = server.main;
      if (bind.isAnyLocalAddress()) {
        try {
          server.broadcastSender = server.bind(loop, new InetSocketAddress(serverIp, server.port()), false);
        } catch (RuntimeException e) {
          log.warn("cannot bind {}:{} for broadcast replies ({}); broadcasts follow the routing table",
              serverIp.getHostAddress(), server.port(), e.getMessage());
        }
      }
      if (proxyPort >= 0) {
        server.proxy = server.bind(loop, new InetSocketAddress(bind, proxyPort), true);
      }
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private Channel bind(EventLoopGroup group, InetSocketAddress address, boolean proxyPort) {
    try {
      Channel ch = new Bootstrap().group(group).channel(NioDatagramChannel.class)
          .option(ChannelOption.SO_BROADCAST, true)
          .option(ChannelOption.SO_REUSEADDR, true)
          .option(ChannelOption.SO_RCVBUF, 4 << 20)
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(DhcpCodec.MAX_PACKET + 1))
          .handler(new Inbound(proxyPort))
          .bind(address).sync().channel();
      channels.add(ch);
      return ch;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding DHCP on " + address, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen for DHCP on " + address.getAddress().getHostAddress()
          + ":" + address.getPort() + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return ((InetSocketAddress) main.localAddress()).getPort();
  }

  /** The PXE boot-server port in proxy mode, or -1. */
  public int proxyPort() {
    return proxy == null ? -1 : ((InetSocketAddress) proxy.localAddress()).getPort();
  }

  @ChannelHandler.Sharable
  private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
    private final boolean proxyPort;

    Inbound(boolean proxyPort) {
      this.proxyPort = proxyPort;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
      ByteBuf buf = msg.content();
      byte[] bytes = new byte[buf.readableBytes()];
      buf.getBytes(buf.readerIndex(), bytes);
      InetSocketAddress sender = msg.sender();
      DhcpRequest request;
      try {
        request = DhcpCodec.decode(bytes, 0, bytes.length);
      } catch (DhcpCodec.Refused e) {
        count("boots.dhcp.dropped", "reason", e.reason.name().toLowerCase());
        log.debug("dropped a datagram from {}: {} ({})", sender, e.reason, e.getMessage());
        return;
      } catch (RuntimeException e) {
        count("boots.dhcp.dropped", "reason", "malformed");
        log.debug("dropped a datagram from {}: {}", sender, e.toString());
        return;
      }
      count("boots.dhcp.received", "type", request.type().name().toLowerCase());
      Channel in = ctx.channel();
      if (hardware.answersFromMemory()) {
        answer(request, sender, in);
      } else if (waiting.tryAcquire()) {
        offLoop.execute(() -> {
          try {
            answer(request, sender, in);
          } finally {
            waiting.release();
          }
        });
      } else {
        count("boots.dhcp.dropped", "reason", "lookups_backlog");
      }
    }

    /** @param in the socket the request came in on: a reply to 4011 must leave from 4011 */
    private void answer(DhcpRequest request, InetSocketAddress sender, Channel in) {
      Reply reply;
      byte[] out;
      try {
        reply = handler.handle(request, proxyPort, (reason, req) -> {
          count("boots.dhcp.ignored", "reason", reason.replaceAll(":.*", ""));
          log.debug("no answer to {} from {}: {}", req.type(), req.mac(), reason);
        });
        out = reply == null ? null : DhcpCodec.encode(reply.packet());
      } catch (RuntimeException e) {
        // e.g. an option over 255 bytes from a hardware record: that machine gets no answer, others do
        count("boots.dhcp.dropped", "reason", "handler_error");
        log.warn("could not answer {} from {}: {}", request.type(), request.mac(), e.toString());
        return;
      }
      if (reply == null) {
        return;
      }
      InetSocketAddress to = destination(request, sender, reply.type());
      Channel via = to.getAddress().equals(BROADCAST) ? broadcastSender : in;
      via.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(out), to));
      count("boots.dhcp.sent", "type", reply.type().name().toLowerCase());
      log.info("{} {} to {}{}: {}", reply.type(), request.mac(), to.getAddress().getHostAddress(),
          request.relayed() ? " (relay)" : "", reply.why());
    }

    private InetSocketAddress destination(DhcpRequest req, InetSocketAddress sender, MessageType type) {
      try {
        if (proxyPort) {
          return sender;
        }
        if (req.relayed()) {
          // A relay listens on the server port; it sent from there (tests may use another one).
          return new InetSocketAddress(InetAddress.getByAddress(req.giaddr()), sender.getPort());
        }
        if (req.hasCiaddr() && type != MessageType.NAK) {
          return new InetSocketAddress(InetAddress.getByAddress(req.ciaddr()), CLIENT_PORT);
        }
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e); // four bytes always make an address
      }
      return new InetSocketAddress(BROADCAST, CLIENT_PORT);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      count("boots.dhcp.dropped", "reason", "io_error");
      log.debug("DHCP socket error: {}", cause.toString());
    }
  }

  private void count(String name, String tag, String value) {
    counters.computeIfAbsent(name + '|' + value, k -> Counter.builder(name).tag(tag, value).register(registry))
        .increment();
  }

  private static InetAddress broadcast() {
    try {
      return InetAddress.getByAddress(new byte[] {-1, -1, -1, -1});
    } catch (UnknownHostException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Override
  public void close() {
    for (Channel ch : channels) {
      ch.close().syncUninterruptibly();
    }
    offLoop.shutdownNow();
  }
}
