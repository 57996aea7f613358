package io.tinkerjvm.hegel.http;

import io.tinkerjvm.hegel.metadata.Body;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the router answers: a status, a body and any extra headers. */
public record Reply(MetadataRouter.Route route, int status, Body body, Map<String, String> headers) {

  public static Reply ok(MetadataRouter.Route route, Body body) {
    return new Reply(route, 200, body, Map.of());
  }

  public static Reply error(MetadataRouter.Route route, int status, String message) {
    return new Reply(route, status, Body.text(message.endsWith("\n") || message.isEmpty() ? message : message + "\n"),
        Map.of());
  }

  public static Reply methodNotAllowed(MetadataRouter.Route route, String allow) {
    return new Reply(route, 405, Body.text("method not allowed: use " + allow + "\n"), Map.of("Allow", allow));
  }

  public static Reply unauthorized(MetadataRouter.Route route, String message) {
    return error(route, 401, message).withHeader("WWW-Authenticate", "Bearer");
  }

  public Reply withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Reply(route, status, body, Map.copyOf(h));
  }
}
