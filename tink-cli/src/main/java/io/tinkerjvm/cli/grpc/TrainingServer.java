package io.tinkerjvm.cli.grpc;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;

/**
 * Not a gRPC server: a loopback responder that answers every call with one empty message and OK, so that the
 * class-data-sharing training run (see {@code io.tinkerjvm.cli.Training}) walks the client's whole call path
 * without a tink-server. Never used by commands or tests.
 */
public final class TrainingServer implements AutoCloseable {
  private final ServerSocket server;
  private final Thread thread;

  public TrainingServer() throws IOException {
    server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    thread = new Thread(this::serve, "training-responder");
    thread.setDaemon(true);
    thread.start();
  }

  public String authority() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        answer(s);
      } catch (IOException e) {
        // next connection, or closed
      }
    }
  }

  private static void answer(Socket s) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    OutputStream out = new BufferedOutputStream(s.getOutputStream());
    in.readFully(new byte[24]);
    frame(out, 4, 0, 0, new byte[0]);
    out.flush();
    byte[] headers = Hpack.encode(List.of(Map.entry(":status", "200"), Map.entry("content-type", "application/grpc")));
    byte[] trailers = Hpack.encode(List.of(Map.entry("grpc-status", "0")));
    while (true) {
      int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      in.readFully(new byte[length]);
      if (type == 4 && (flags & 1) == 0) {
        frame(out, 4, 1, 0, new byte[0]);
      } else if (type == 0 && (flags & 1) != 0) {
        frame(out, 1, 4, stream, headers);
        frame(out, 0, 0, stream, new byte[5]);
        frame(out, 1, 5, stream, trailers);
      } else if (type == 7) {
        return;
      }
      out.flush();
    }
  }

  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
    out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
        (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
        (byte) stream});
    out.write(payload);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
