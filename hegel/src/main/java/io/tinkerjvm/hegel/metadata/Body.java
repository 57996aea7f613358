package io.tinkerjvm.hegel.metadata;

import java.nio.charset.StandardCharsets;

/** A response body made once, when the hardware record arrives, and written as is to every request for it. */
public record Body(byte[] bytes, String contentType) {
  public static final String TEXT = "text/plain; charset=utf-8";
  public static final String JSON = "application/json";

  public static Body text(String s) {
    return new Body(s.getBytes(StandardCharsets.UTF_8), TEXT);
  }

  public static Body json(String s) {
    return new Body(s.getBytes(StandardCharsets.UTF_8), JSON);
  }

  public String string() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
