package io.tinkerjvm.runtime.grpc;

import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes every gRPC answer a server gives, message or status, one line each, to a file: on only when the
 * system property {@value #PROPERTY} names one. The test suite turns it on so that its secret-leak check can
 * read every API response the suite produced (docs/security.md); an operator may for an audit trail, knowing
 * that the file then holds what the API answered.
 */
public final class ResponseRecorder implements ServerInterceptor {
  public static final String PROPERTY = "tinkerjvm.record-responses";
  private static final Object LOCK = new Object();
  private final Path file;

  private ResponseRecorder(Path file) {
    this.file = file;
  }

  /** The recorder the system property asks for, or null. */
  static ResponseRecorder fromSystemProperty() {
    String value = System.getProperty(PROPERTY);
    return value == null || value.isBlank() ? null : new ResponseRecorder(Path.of(value));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        write(method + " -> " + (message instanceof MessageOrBuilder m
            ? TextFormat.printer().emittingSingleLine(true).printToString(m) : String.valueOf(message)));
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        if (!status.isOk()) {
          write(method + " -> " + status.getCode() + ": " + status.getDescription());
        }
        super.close(status, trailers);
      }
    }, headers);
  }

  private void write(String line) {
    synchronized (LOCK) {
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot record a response in " + file + ": " + e.getMessage(), e);
      }
    }
  }
}
