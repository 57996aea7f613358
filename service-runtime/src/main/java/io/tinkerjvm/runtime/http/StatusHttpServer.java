package io.tinkerjvm.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** /healthz, /version and Prometheus /metrics on a small HTTP server with virtual threads. */
public final class StatusHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  /** One health probe: null when healthy, otherwise what is wrong. */
  public interface HealthProbe extends Supplier<String> {}

  private StatusHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static StatusHttpServer start(String host, int port, String versionJson,
      PrometheusMeterRegistry registry, HealthProbe health) {
    return start(host, port, versionJson, registry, health, java.util.Map.of());
  }

  /**
   * With a service's own routes too: each key is a context path; the longest matching prefix wins, so a
   * handler on {@code /} gets everything the status endpoints do not take.
   */
  public static StatusHttpServer start(String host, int port, String versionJson,
      PrometheusMeterRegistry registry, HealthProbe health, java.util.Map<String, HttpHandler> routes) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 128);
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      server.setExecutor(executor);
      server.createContext("/healthz", get(exchange -> {
        String problem = health.get();
        if (problem == null) {
          send(exchange, 200, "application/json", "{\"status\":\"ok\"}\n");
        } else {
          send(exchange, 503, "application/json",
              "{\"status\":\"unavailable\",\"reason\":\"" + jsonEscape(problem) + "\"}\n");
        }
      }));
      server.createContext("/version", get(exchange -> send(exchange, 200, "application/json", versionJson + "\n")));
      server.createContext("/metrics", get(exchange ->
          send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape())));
      routes.forEach(server::createContext);
      server.start();
      return new StatusHttpServer(server, executor);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for HTTP on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static HttpHandler get(HttpHandler handler) {
    return exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals(exchange.getHttpContext().getPath())) {
          send(exchange, 404, "text/plain", "not found\n");
        } else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
          exchange.getResponseHeaders().add("Allow", "GET, HEAD");
          send(exchange, 405, "text/plain", "method not allowed\n");
        } else {
          handler.handle(exchange);
        }
      }
    };
  }

  public static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  public static String jsonEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
