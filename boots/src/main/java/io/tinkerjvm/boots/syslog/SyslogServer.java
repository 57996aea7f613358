package io.tinkerjvm.boots.syslog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.tinkerjvm.boots.hardware.HardwareSource;
import io.tinkerjvm.boots.hardware.Machine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Syslog over UDP (514) from booting machines. Each line is logged with the hardware it came from, found by
 * the sender's address, on the {@code machine.syslog} logger.
 */
public final class SyslogServer implements AutoCloseable {
  private static final Logger lines = LoggerFactory.getLogger("machine.syslog");
  private static final Logger log = LoggerFactory.getLogger(SyslogServer.class);

  /** A parsed line and who sent it; {@code machine} is empty for an address no hardware has. */
  public record Received(InetAddress from, Optional<Machine> machine, SyslogMessage message) {}

  private final HardwareSource hardware;
  private final Consumer<Received> sink;
  private final Counter received;
  private final Counter dropped;
  private final ExecutorService offLoop = Executors.newVirtualThreadPerTaskExecutor();
  private Channel channel;

  private SyslogServer(HardwareSource hardware, Consumer<Received> sink, MeterRegistry registry) {
    this.hardware = hardware;
    this.sink = sink;
    this.received = Counter.builder("boots.syslog.messages").register(registry);
    this.dropped = Counter.builder("boots.syslog.dropped").register(registry);
  }

  /** @param sink also receives each line (tests, and later forwarding); may be null */
  public static SyslogServer start(EventLoopGroup group, InetAddress bind, int port, HardwareSource hardware,
      MeterRegistry registry, Consumer<Received> sink) {
    SyslogServer server = new SyslogServer(hardware, sink, registry);
    try {
      server.channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(SyslogParser.MAX_LENGTH + 1))
          .option(ChannelOption.SO_RCVBUF, 1 << 20)
          .handler(server.new Inbound())
          .bind(new InetSocketAddress(bind, port)).sync().channel();
      return server;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding syslog", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen for syslog on " + bind.getHostAddress() + ":" + port + ": "
          + e.getMessage(), e);
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
      ByteBuf buf = msg.content();
      byte[] bytes = new byte[buf.readableBytes()];
      buf.getBytes(buf.readerIndex(), bytes);
      InetAddress from = msg.sender().getAddress();
      SyslogMessage message;
      try {
        message = SyslogParser.parse(bytes, bytes.length);
      } catch (SyslogParser.Malformed e) {
        dropped.increment();
        log.debug("dropped a syslog datagram from {}: {}", from.getHostAddress(), e.getMessage());
        return;
      }
      received.increment();
      if (hardware.answersFromMemory()) {
        deliver(from, message);
      } else {
        offLoop.execute(() -> deliver(from, message));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      dropped.increment();
    }
  }

  private void deliver(InetAddress from, SyslogMessage m) {
    Optional<Machine> machine = hardware.byIp(from.getHostAddress());
    String who = machine.map(x -> "hardware=" + x.hardwareId() + " mac=" + x.mac()).orElse("hardware=unknown");
    lines.info("{} ip={} {}.{} {}{}: {}", who, from.getHostAddress(), m.facility(), m.severityName(),
        m.app().isEmpty() ? "-" : clean(m.app()), m.procId().isEmpty() ? "" : "[" + clean(m.procId()) + "]",
        clean(m.text()));
    if (sink != null) {
      sink.accept(new Received(from, machine, m));
    }
  }

  private static String clean(String s) {
    return io.tinkerjvm.boots.LogSafe.clean(s);
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
    }
    offLoop.shutdownNow();
  }
}
