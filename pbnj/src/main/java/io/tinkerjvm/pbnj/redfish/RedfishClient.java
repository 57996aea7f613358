package io.tinkerjvm.pbnj.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcException.Kind;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.Secret;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON requests to one BMC for one session: the base URL, the session token, each request's timeout cut to
 * the deadline, and HTTP errors turned into kinds. Messages never hold a secret it was told about, even
 * when the BMC echoes one back.
 */
final class RedfishClient {
  private static final Logger log = LoggerFactory.getLogger(RedfishClient.class);
  static final ObjectMapper JSON = new ObjectMapper();

  /** A BMC's answer; {@code body} is a missing node when it sent no JSON. */
  record Response(int status, JsonNode body, String etag, String location, String token) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private final HttpClient http;
  private final BmcTarget target;
  private final URI base;
  private final Duration requestTimeout;
  private final Instant deadline;
  private final List<Secret> secrets = new ArrayList<>();
  private final boolean verifyingCertificates;
  private String token;

  RedfishClient(HttpClient http, BmcTarget target, Duration requestTimeout, Instant deadline,
      boolean verifyingCertificates) {
    this.http = http;
    this.target = target;
    this.base = baseUri(target);
    this.requestTimeout = requestTimeout;
    this.deadline = deadline;
    this.verifyingCertificates = verifyingCertificates;
    secrets.add(target.password());
  }

  static URI baseUri(BmcTarget target) {
    String host = target.host();
    if (host.indexOf(':') >= 0) {
      host = "[" + host.replace("%", "%25") + "]";
    }
    return URI.create("https://" + host + ":" + target.portOr(RedfishProvider.DEFAULT_PORT));
  }

  String bmc() {
    return target.key();
  }

  void useToken(String token) {
    this.token = token;
  }

  /** Keeps {@code secret} out of every later message, as it is about to be sent. */
  void redact(Secret secret) {
    if (!secret.isEmpty()) {
      secrets.add(secret);
    }
  }

  /** Sends a request and returns the answer whatever its status; fails only when no answer came in time. */
  Response send(String method, String path, JsonNode body, Map<String, String> headers) throws BmcException {
    return send(method, path, body, headers, deadline);
  }

  /** As {@link #send(String, String, JsonNode, Map)}, but the answer must come by {@code by}, not the deadline. */
  Response send(String method, String path, JsonNode body, Map<String, String> headers, Instant by)
      throws BmcException {
    Duration left = Duration.between(Instant.now(), by);
    if (left.isNegative() || left.isZero()) {
      throw new BmcException(Kind.UNREACHABLE, "no time left for BMC " + bmc() + " before " + method + " " + path);
    }
    return exchange(method, path, body, headers, left.compareTo(requestTimeout) < 0 ? left : requestTimeout);
  }

  /** Sends a request that must succeed (2xx) and returns its answer. */
  Response call(String method, String path, JsonNode body, Map<String, String> headers) throws BmcException {
    Response r = send(method, path, body, headers);
    if (!r.ok()) {
      throw failure(r, method, path);
    }
    return r;
  }

  Response get(String path) throws BmcException {
    return call("GET", path, null, Map.of());
  }

  /** Ends a session; it gets a short time of its own, as a leaked session holds one of the BMC's few slots. */
  void deleteQuietly(String path, Map<String, String> headers) {
    try {
      Duration t = requestTimeout.compareTo(Duration.ofSeconds(2)) < 0 ? requestTimeout : Duration.ofSeconds(2);
      Response r = exchange("DELETE", path, null, headers, t);
      if (!r.ok()) {
        log.debug("BMC {} answered {} to the logout at {}; it ends idle sessions by itself", bmc(), r.status(), path);
      }
    } catch (BmcException e) {
      // the BMC ends idle sessions by itself
      log.debug("no logout from BMC {} at {}; it ends idle sessions by itself: {}", bmc(), path, e.getMessage());
    }
  }

  private Response exchange(String method, String path, JsonNode body, Map<String, String> headers, Duration timeout)
      throws BmcException {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
        .timeout(timeout)
        .header("Accept", "application/json")
        .header("OData-Version", "4.0");
    if (token != null) {
      request.header("X-Auth-Token", token);
    }
    headers.forEach(request::header);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofByteArray(writeJson(body)));
    }
    CompletableFuture<HttpResponse<byte[]>> pending =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> response;
    try {
      // the request timeout stops at the headers; this bounds the body as well
      response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw noAnswer(method, path, timeout);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new BmcException(Kind.UNREACHABLE, "interrupted while waiting for BMC " + bmc());
    } catch (ExecutionException e) {
      throw transportFailure(e.getCause(), method, path, timeout);
    }
    var h = response.headers();
    return new Response(response.statusCode(), readJson(response.body()),
        h.firstValue("ETag").orElse(null), h.firstValue("Location").orElse(null),
        h.firstValue("X-Auth-Token").orElse(null));
  }

  private static byte[] writeJson(JsonNode body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode readJson(byte[] body) {
    if (body == null || body.length == 0) {
      return MissingNode.getInstance();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      // an error page in HTML, say: the status alone must do
      log.debug("a BMC's answer is not JSON, so only its status counts: {}", e.getMessage());
      return MissingNode.getInstance();
    }
  }

  private BmcException noAnswer(String method, String path, Duration timeout) {
    return new BmcException(Kind.UNREACHABLE, "no answer from BMC " + bmc() + " to " + method + " " + path
        + " within " + timeout.toMillis() + " ms");
  }

  private BmcException transportFailure(Throwable e, String method, String path, Duration timeout) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException) {
        return noAnswer(method, path, timeout);
      }
      if (t instanceof SSLException) {
        return new BmcException(Kind.FAILED, "TLS with BMC " + bmc() + " failed"
            + (verifyingCertificates ? " (is its certificate signed by the configured CA, for this host name?)" : "")
            + ": " + redacted(t.getMessage()));
      }
      if (t instanceof ConnectException) {
        return new BmcException(Kind.UNREACHABLE, "cannot connect to BMC " + bmc() + ": "
            + (t.getMessage() == null ? "connection refused" : t.getMessage()));
      }
      if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
        return new BmcException(Kind.UNREACHABLE, "cannot resolve BMC host '" + target.host() + "'");
      }
    }
    return new BmcException(Kind.UNREACHABLE, "lost the connection to BMC " + bmc() + " during " + method + " "
        + path + ": " + redacted(String.valueOf(e)));
  }

  /** The kind and message for an error answer, with the BMC's own messages when it sent any. */
  BmcException failure(Response r, String method, String path) {
    String what = "BMC " + bmc() + " answered " + r.status() + " to " + method + " " + path + bmcMessages(r.body());
    Kind kind = switch (r.status()) {
      case 401 -> Kind.UNAUTHENTICATED;
      case 403 -> Kind.FORBIDDEN;
      case 404, 405, 501 -> Kind.UNSUPPORTED;
      // the resource changed since it was read (ETag), or the request conflicts with its state
      case 409, 412 -> Kind.PRECONDITION;
      case 503 -> Kind.UNREACHABLE;
      default -> Kind.FAILED;
    };
    return new BmcException(kind, what);
  }

  /** ": message; message" from {@code error.message} and {@code error.@Message.ExtendedInfo[].Message}, or "". */
  private String bmcMessages(JsonNode body) {
    JsonNode error = body.path("error");
    List<String> messages = new ArrayList<>();
    for (JsonNode info : error.path("@Message.ExtendedInfo")) {
      String m = info.path("Message").asText("");
      if (!m.isBlank()) {
        messages.add(m);
      }
    }
    if (messages.isEmpty() && !error.path("message").asText("").isBlank()) {
      messages.add(error.path("message").asText());
    }
    return messages.isEmpty() ? "" : ": " + redacted(String.join("; ", messages));
  }

  private String redacted(String text) {
    if (text == null) {
      return "";
    }
    String out = text;
    for (Secret s : secrets) {
      if (!s.isEmpty()) {
        out = out.replace(s.reveal(), s.toString());
      }
    }
    return out;
  }
}
