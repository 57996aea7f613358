package io.tinkerjvm.hegel.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 on Netty: each request goes to the {@link MetadataRouter} on the event loop when lookups are
 * answered from memory (the normal case), otherwise on a virtual thread, and the reply's prepared bytes
 * are written without a copy. Keep-alive, HEAD, and idle connections closed after a minute.
 */
public final class HegelHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HegelHttpServer.class);
  private static final int MAX_LINE = 4096;
  private static final int MAX_HEADERS = 8192;
  private static final int IDLE_SECONDS = 60;

  private final Channel channel;

  private HegelHttpServer(Channel channel) {
    this.channel = channel;
  }

  /**
   * @param inline true when the router may run on the event loop (lookups never block)
   * @param blocking runs the router when it may block
   */
  public static HegelHttpServer start(EventLoopGroup boss, EventLoopGroup workers, InetAddress address, int port,
      MetadataRouter router, BooleanSupplier inline, ExecutorService blocking, MeterRegistry registry) {
    Metrics metrics = new Metrics(registry);
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS))
                .addLast(new HttpServerCodec(MAX_LINE, MAX_HEADERS, 8192))
                .addLast(new Handler(router, inline, blocking, metrics));
          }
        });
    try {
      Channel ch = b.bind(new InetSocketAddress(address, port)).sync().channel();
      return new HegelHttpServer(ch);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen for HTTP on " + address.getHostAddress() + ":" + port + ": "
          + e.getMessage(), e);
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }

  private static final class Handler extends SimpleChannelInboundHandler<HttpObject> {
    private final MetadataRouter router;
    private final BooleanSupplier inline;
    private final ExecutorService blocking;
    private final Metrics metrics;

    Handler(MetadataRouter router, BooleanSupplier inline, ExecutorService blocking, Metrics metrics) {
      this.router = router;
      this.inline = inline;
      this.blocking = blocking;
      this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (!(msg instanceof HttpRequest request)) {
        return; // a GET's (empty) content; the reply went out with the head
      }
      if (request.decoderResult().isFailure()) {
        FullHttpResponse bad = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
            Unpooled.copiedBuffer("bad request\n", java.nio.charset.StandardCharsets.UTF_8));
        bad.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, bad.content().readableBytes())
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        metrics.count(MetadataRouter.Route.OTHER, 400);
        ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      InetAddress peer = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
      String method = request.method().name();
      String uri = request.uri();
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      boolean head = request.method().equals(HttpMethod.HEAD);
      if (inline.getAsBoolean()) {
        write(ctx, router.handle(method, uri, peer, name -> header(request.headers(), name)), keepAlive, head,
            request.protocolVersion());
      } else {
        HttpHeaders headers = request.headers().copy();
        HttpVersion version = request.protocolVersion();
        blocking.execute(() -> {
          Reply reply = router.handle(method, uri, peer, name -> header(headers, name));
          ctx.executor().execute(() -> {
            write(ctx, reply, keepAlive, head, version);
            ctx.flush();
          });
        });
      }
    }

    /** A header's lines joined with commas, so that X-Forwarded-For sent on several lines is read whole. */
    private static String header(HttpHeaders headers, String name) {
      List<String> all = headers.getAll(name);
      return all.isEmpty() ? null : all.size() == 1 ? all.getFirst() : String.join(", ", all);
    }

    private void write(ChannelHandlerContext ctx, Reply reply, boolean keepAlive, boolean head, HttpVersion version) {
      metrics.count(reply.route(), reply.status());
      byte[] bytes = reply.body().bytes();
      FullHttpResponse response = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(reply.status()),
          head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
      response.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, reply.body().contentType())
          .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
      reply.headers().forEach(response.headers()::set);
      if (!keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      } else {
        if (version.equals(HttpVersion.HTTP_1_0)) {
          response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.write(response, ctx.voidPromise());
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  /** hegel_http_requests_total by route and status, each counter made once. */
  private static final class Metrics {
    private final MeterRegistry registry;
    private final Map<Integer, Counter> counters = new ConcurrentHashMap<>();

    Metrics(MeterRegistry registry) {
      this.registry = registry;
    }

    void count(MetadataRouter.Route route, int status) {
      counters.computeIfAbsent(route.ordinal() * 1000 + status, k -> Counter.builder("hegel.http.requests")
          .description("HTTP requests by route and status")
          .tag("route", route.name().toLowerCase(java.util.Locale.ROOT))
          .tag("code", Integer.toString(status))
          .register(registry)).increment();
    }
  }
}
