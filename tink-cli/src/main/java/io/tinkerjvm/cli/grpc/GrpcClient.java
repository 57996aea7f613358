package io.tinkerjvm.cli.grpc;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A small blocking gRPC client over HTTP/2 (RFC 9113) on a plain or TLS socket, one call at a time.
 *
 * <p>It exists so that the tink CLI starts in tens of milliseconds: a grpc-java channel spends several hundred
 * milliseconds initialising Netty, name resolution and load balancing before the first byte goes out. It implements
 * what a unary or server-streaming call needs: the connection preface, SETTINGS, HEADERS/CONTINUATION with HPACK,
 * DATA with flow control both ways, PING, RST_STREAM and GOAWAY. Servers are expected to be gRPC servers.
 */
public final class GrpcClient implements AutoCloseable {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5, PING = 6,
      GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9;
  private static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY = 0x20;
  /** Our receive window for every stream and the connection; topped up as messages are consumed. */
  private static final int RECEIVE_WINDOW = 1 << 30;
  private static final int MAX_MESSAGE = 64 << 20;

  private final String host;
  private final int port;
  private final SSLContext tls;
  private final Duration connectTimeout;
  private Socket socket;
  private DataInputStream in;
  private OutputStream out;
  private Hpack.Decoder decoder;
  private int nextStreamId = 1;
  private long connectionSendWindow = 65_535;
  private int peerInitialWindow = 65_535;
  private int peerMaxFrame = 16_384;
  private long unacknowledgedConnectionBytes;
  private int goAwayLastStream = Integer.MAX_VALUE;
  private boolean sawServerSettings;
  private boolean busy;

  /**
   * @param authority host:port of the server
   * @param tls null for plaintext (h2c with prior knowledge), else the context to verify the server with
   */
  public GrpcClient(String authority, SSLContext tls, Duration connectTimeout) {
    int colon = authority.lastIndexOf(':');
    if (colon <= 0 || colon == authority.length() - 1) {
      throw new IllegalArgumentException("authority \"" + authority + "\" must be host:port");
    }
    String h = authority.substring(0, colon);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    try {
      this.port = Integer.parseInt(authority.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("authority \"" + authority + "\" has a port that is not a number");
    }
    this.host = h;
    this.tls = tls;
    this.connectTimeout = connectTimeout;
  }

  public String authority() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** One request, one response. */
  public <T extends MessageLite> T unary(String method, MessageLite request, Parser<T> parser, Duration timeout) {
    List<T> results = new ArrayList<>(1);
    call(method, request, parser, timeout, m -> {
      results.add(m);
      return true;
    });
    if (results.size() != 1) {
      throw new GrpcException(GrpcException.INTERNAL, method + " answered " + results.size() + " messages, not one");
    }
    return results.get(0);
  }

  /**
   * Sends the request and hands each response message to {@code each} until the server ends the stream, or until
   * {@code each} returns false, which cancels the call. A null timeout waits for as long as the stream lasts.
   */
  public <T extends MessageLite> void call(
      String method, MessageLite request, Parser<T> parser, Duration timeout, Predicate<T> each) {
    if (busy) {
      throw new IllegalStateException("one call at a time: " + method + " was started inside another call");
    }
    busy = true;
    try {
      connect();
      int stream = nextStreamId;
      nextStreamId += 2;
      socket.setSoTimeout(timeout == null ? 0 : (int) Math.max(1, timeout.toMillis()));
      sendRequest(stream, method, request, timeout);
      readResponse(stream, method, parser, each);
    } catch (SocketTimeoutException e) {
      closeQuietly();
      throw new GrpcException(GrpcException.DEADLINE_EXCEEDED, method + " got no answer from " + authority()
          + " within " + timeout.toMillis() + " ms");
    } catch (ConnectException e) {
      closeQuietly();
      throw new GrpcException(GrpcException.UNAVAILABLE, "cannot reach tink-server at " + authority()
          + ": connection refused");
    } catch (UnknownHostException e) {
      closeQuietly();
      throw new GrpcException(GrpcException.UNAVAILABLE, "cannot reach tink-server at " + authority()
          + ": unknown host " + host);
    } catch (SSLException e) {
      closeQuietly();
      throw new GrpcException(GrpcException.UNAVAILABLE, "TLS with " + authority() + " failed: " + e.getMessage()
          + " (is the server plaintext? then set TINKERBELL_TLS=false)");
    } catch (Http2Exception e) {
      closeQuietly();
      throw new GrpcException(GrpcException.UNAVAILABLE, authority() + " does not speak gRPC: " + e.getMessage()
          + (tls == null ? " (is the server using TLS? then set TINKERBELL_TLS=true)" : ""));
    } catch (IOException e) {
      closeQuietly();
      throw new GrpcException(GrpcException.UNAVAILABLE, "connection to " + authority() + " failed: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    } finally {
      busy = false;
    }
  }

  private void connect() throws IOException {
    if (socket != null && nextStreamId <= goAwayLastStream && nextStreamId < (1 << 30)) {
      return;
    }
    closeQuietly();
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
    if (tls != null) {
      SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, host, port, true);
      SSLParameters params = ssl.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      params.setEndpointIdentificationAlgorithm("HTTPS");
      ssl.setSSLParameters(params);
      // a port that is not TLS (the HTTP port, say) may never answer the hello: give up as on connecting
      ssl.setSoTimeout((int) connectTimeout.toMillis());
      try {
        ssl.startHandshake();
      } catch (java.net.SocketTimeoutException e) {
        ssl.close();
        throw new Http2Exception("no TLS answer within " + connectTimeout.toSeconds() + " s");
      }
      ssl.setSoTimeout(0);
      if (!"h2".equals(ssl.getApplicationProtocol())) {
        ssl.close();
        throw new Http2Exception("the TLS server did not agree to HTTP/2 (ALPN h2)");
      }
      s = ssl;
    }
    socket = s;
    in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 32 << 10));
    out = new BufferedOutputStream(s.getOutputStream(), 32 << 10);
    decoder = new Hpack.Decoder(4096);
    nextStreamId = 1;
    connectionSendWindow = 65_535;
    peerInitialWindow = 65_535;
    peerMaxFrame = 16_384;
    unacknowledgedConnectionBytes = 0;
    goAwayLastStream = Integer.MAX_VALUE;
    sawServerSettings = false;
    out.write(PREFACE);
    byte[] settings = new byte[12];
    putSetting(settings, 0, 0x2, 0); // ENABLE_PUSH off
    putSetting(settings, 6, 0x4, RECEIVE_WINDOW); // INITIAL_WINDOW_SIZE
    writeFrame(SETTINGS, 0, 0, settings, 0, settings.length);
    writeWindowUpdate(0, RECEIVE_WINDOW - 65_535);
  }

  private static void putSetting(byte[] b, int off, int id, int value) {
    b[off] = (byte) (id >>> 8);
    b[off + 1] = (byte) id;
    b[off + 2] = (byte) (value >>> 24);
    b[off + 3] = (byte) (value >>> 16);
    b[off + 4] = (byte) (value >>> 8);
    b[off + 5] = (byte) value;
  }

  private void sendRequest(int stream, String method, MessageLite request, Duration timeout) throws IOException {
    List<Map.Entry<String, String>> headers = new ArrayList<>(8);
    headers.add(Map.entry(":method", "POST"));
    headers.add(Map.entry(":scheme", tls == null ? "http" : "https"));
    headers.add(Map.entry(":path", "/" + method));
    headers.add(Map.entry(":authority", authority()));
    headers.add(Map.entry("content-type", "application/grpc"));
    headers.add(Map.entry("te", "trailers"));
    headers.add(Map.entry("user-agent", "tink-cli-tinkerjvm"));
    if (timeout != null) {
      headers.add(Map.entry("grpc-timeout", grpcTimeout(timeout)));
    }
    byte[] block = Hpack.encode(headers);
    int off = 0;
    boolean first = true;
    do {
      int n = Math.min(peerMaxFrame, block.length - off);
      boolean last = off + n == block.length;
      writeFrame(first ? HEADERS : CONTINUATION, last ? END_HEADERS : 0, stream, block, off, n);
      first = false;
      off += n;
    } while (off < block.length);

    byte[] body = request.toByteArray();
    byte[] message = new byte[5 + body.length];
    message[1] = (byte) (body.length >>> 24);
    message[2] = (byte) (body.length >>> 16);
    message[3] = (byte) (body.length >>> 8);
    message[4] = (byte) body.length;
    System.arraycopy(body, 0, message, 5, body.length);
    long streamWindow = peerInitialWindow;
    off = 0;
    while (true) {
      int n = (int) Math.min(Math.min(peerMaxFrame, message.length - off), Math.min(connectionSendWindow, streamWindow));
      if (n > 0 || off == message.length) {
        boolean last = off + n == message.length;
        writeFrame(DATA, last ? END_STREAM : 0, stream, message, off, n);
        off += n;
        connectionSendWindow -= n;
        streamWindow -= n;
        if (last) {
          out.flush();
          return;
        }
        continue;
      }
      // Out of window: wait for the server to open it (or to answer early, e.g. with an error).
      out.flush();
      Frame f = readFrame();
      if (f.type == WINDOW_UPDATE && f.stream == stream) {
        streamWindow += windowIncrement(f);
      } else if (f.type == SETTINGS && (f.flags & ACK) == 0) {
        int before = peerInitialWindow;
        handleControl(f);
        streamWindow += peerInitialWindow - before;
      } else if (f.stream == stream && (f.type == HEADERS || f.type == RST_STREAM)) {
        pending = f;
        return;
      } else {
        handleControl(f);
      }
    }
  }

  /** A frame read while sending that belongs to the response. */
  private Frame pending;

  private <T extends MessageLite> void readResponse(int stream, String method, Parser<T> parser, Predicate<T> each)
      throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    String httpStatus = null;
    String grpcStatus = null;
    String grpcMessage = null;
    long unacknowledgedStreamBytes = 0;
    while (true) {
      Frame f = pending != null ? pending : readFrame();
      pending = null;
      if (f.stream != stream) {
        handleControl(f);
        continue;
      }
      switch (f.type) {
        case HEADERS -> {
          for (String[] h : decoder.decode(headerBlock(f))) {
            switch (h[0]) {
              case ":status" -> httpStatus = h[1];
              case "grpc-status" -> grpcStatus = h[1];
              case "grpc-message" -> grpcMessage = URLDecoder.decode(h[1].replace("+", "%2B"), StandardCharsets.UTF_8);
              default -> { }
            }
          }
          if (httpStatus != null && !"200".equals(httpStatus) && grpcStatus == null) {
            throw new GrpcException(GrpcException.UNAVAILABLE, authority() + " answered HTTP " + httpStatus
                + " to " + method + "; is it a gRPC server?");
          }
          if ((f.flags & END_STREAM) != 0) {
            finish(method, grpcStatus, grpcMessage);
            return;
          }
        }
        case DATA -> {
          int off = 0;
          int len = f.length;
          if ((f.flags & PADDED) != 0) {
            int pad = f.payload[0] & 0xff;
            off = 1;
            len = f.length - 1 - pad;
          }
          buffer.write(f.payload, off, len);
          unacknowledgedStreamBytes += f.length;
          unacknowledgedConnectionBytes += f.length;
          if (!deliver(buffer, method, parser, each)) {
            writeFrame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}, 0, 4); // CANCEL
            out.flush();
            return;
          }
          if (unacknowledgedStreamBytes > RECEIVE_WINDOW / 2 && (f.flags & END_STREAM) == 0) {
            writeWindowUpdate(stream, (int) unacknowledgedStreamBytes);
            unacknowledgedStreamBytes = 0;
          }
          if (unacknowledgedConnectionBytes > RECEIVE_WINDOW / 2) {
            writeWindowUpdate(0, (int) unacknowledgedConnectionBytes);
            unacknowledgedConnectionBytes = 0;
          }
          out.flush();
          if ((f.flags & END_STREAM) != 0) {
            finish(method, grpcStatus, grpcMessage);
            return;
          }
        }
        case RST_STREAM -> {
          int code = f.length >= 4 ? readInt32(f.payload, 0) : -1;
          throw new GrpcException(code == 0x7 ? GrpcException.UNAVAILABLE : GrpcException.INTERNAL,
              authority() + " reset " + method + " (HTTP/2 error " + code + ")");
        }
        default -> handleControl(f);
      }
    }
  }

  /** The gRPC timeout header allows at most eight digits before the unit. */
  static String grpcTimeout(Duration timeout) {
    long millis = Math.max(1, timeout.toMillis());
    if (millis <= 99_999_999L) {
      return millis + "m";
    }
    return Math.min(99_999_999L, timeout.toSeconds()) + "S";
  }

  private static void finish(String method, String grpcStatus, String grpcMessage) {
    if (grpcStatus == null) {
      throw new GrpcException(GrpcException.INTERNAL, method + " ended without a grpc-status");
    }
    int code;
    try {
      code = Integer.parseInt(grpcStatus.trim());
    } catch (NumberFormatException e) {
      throw new GrpcException(GrpcException.INTERNAL, method + " ended with grpc-status \"" + grpcStatus + "\"");
    }
    if (code != 0) {
      throw new GrpcException(code, grpcMessage);
    }
  }

  /** Parses every complete length-prefixed message in the buffer; false once the consumer wants no more. */
  private static <T extends MessageLite> boolean deliver(
      ByteArrayOutputStream buffer, String method, Parser<T> parser, Predicate<T> each) throws IOException {
    if (buffer.size() < 5) {
      return true;
    }
    byte[] bytes = buffer.toByteArray();
    int off = 0;
    while (bytes.length - off >= 5) {
      if (bytes[off] != 0) {
        throw new GrpcException(GrpcException.INTERNAL, method + " answered with a compressed message");
      }
      int len = readInt32(bytes, off + 1);
      if (len < 0 || len > MAX_MESSAGE) {
        throw new GrpcException(GrpcException.INTERNAL, method + " answered a message of " + len + " bytes");
      }
      if (bytes.length - off - 5 < len) {
        break;
      }
      T message = parser.parseFrom(bytes, off + 5, len);
      off += 5 + len;
      if (!each.test(message)) {
        return false;
      }
    }
    buffer.reset();
    buffer.write(bytes, off, bytes.length - off);
    return true;
  }

  private void handleControl(Frame f) throws IOException {
    switch (f.type) {
      case SETTINGS -> {
        if ((f.flags & ACK) != 0) {
          return;
        }
        for (int i = 0; i + 6 <= f.length; i += 6) {
          int id = ((f.payload[i] & 0xff) << 8) | (f.payload[i + 1] & 0xff);
          int value = readInt32(f.payload, i + 2);
          if (id == 0x4) {
            peerInitialWindow = value;
          } else if (id == 0x5) {
            peerMaxFrame = value;
          }
        }
        writeFrame(SETTINGS, ACK, 0, new byte[0], 0, 0);
        out.flush();
      }
      case PING -> {
        if ((f.flags & ACK) == 0) {
          writeFrame(PING, ACK, 0, f.payload, 0, f.length);
          out.flush();
        }
      }
      case WINDOW_UPDATE -> {
        if (f.stream == 0) {
          connectionSendWindow += windowIncrement(f);
        }
      }
      case GOAWAY -> goAwayLastStream = readInt32(f.payload, 0) & 0x7fffffff;
      case PUSH_PROMISE -> throw new Http2Exception("server push was refused but the server pushed");
      default -> { } // PRIORITY, frames of finished streams, unknown types: ignored as RFC 9113 says
    }
  }

  private byte[] headerBlock(Frame f) throws IOException {
    int off = 0;
    int len = f.length;
    if ((f.flags & PADDED) != 0) {
      off = 1;
      len -= 1 + (f.payload[0] & 0xff);
    }
    if ((f.flags & PRIORITY) != 0) {
      off += 5;
      len -= 5;
    }
    ByteArrayOutputStream block = new ByteArrayOutputStream(Math.max(0, len));
    block.write(f.payload, off, Math.max(0, len));
    int flags = f.flags;
    while ((flags & END_HEADERS) == 0) {
      Frame c = readFrame();
      if (c.type != CONTINUATION || c.stream != f.stream) {
        throw new Http2Exception("expected CONTINUATION, got frame type " + c.type);
      }
      block.write(c.payload, 0, c.length);
      flags = c.flags;
    }
    return block.toByteArray();
  }

  private static long windowIncrement(Frame f) {
    return readInt32(f.payload, 0) & 0x7fffffffL;
  }

  private record Frame(int type, int flags, int stream, byte[] payload, int length) {}

  private Frame readFrame() throws IOException {
    int b0;
    try {
      b0 = in.readUnsignedByte();
    } catch (EOFException e) {
      throw new EOFException("the server closed the connection");
    }
    int length = (b0 << 16) | in.readUnsignedShort();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    if (length > 16_384) { // we never raised SETTINGS_MAX_FRAME_SIZE from its default
      throw new Http2Exception(b0 == 'H' ? "it answered in HTTP/1" : "it sent a frame of " + length + " bytes");
    }
    if (!sawServerSettings && type != SETTINGS) {
      throw new Http2Exception("its first frame was not SETTINGS");
    }
    sawServerSettings = true;
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Frame(type, flags, stream, payload, length);
  }

  private void writeFrame(int type, int flags, int stream, byte[] payload, int off, int len) throws IOException {
    out.write(len >>> 16);
    out.write(len >>> 8);
    out.write(len);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.write(payload, off, len);
  }

  private void writeWindowUpdate(int stream, int increment) throws IOException {
    byte[] b = {(byte) (increment >>> 24), (byte) (increment >>> 16), (byte) (increment >>> 8), (byte) increment};
    writeFrame(WINDOW_UPDATE, 0, stream, b, 0, 4);
  }

  private static int readInt32(byte[] b, int off) {
    return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }

  private void closeQuietly() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a broken connection
      }
    }
    socket = null;
    pending = null;
  }

  @Override
  public void close() {
    if (socket != null && !socket.isClosed()) {
      try {
        byte[] goAway = new byte[8];
        writeFrame(GOAWAY, 0, 0, goAway, 0, 8);
        out.flush();
      } catch (IOException ignored) {
        // the server may already be gone
      }
    }
    closeQuietly();
  }

}
