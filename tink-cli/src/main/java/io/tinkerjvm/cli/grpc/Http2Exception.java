package io.tinkerjvm.cli.grpc;

import java.io.IOException;

/** The peer broke HTTP/2 or HPACK rules, or does not speak HTTP/2 at all. */
public class Http2Exception extends IOException {
  public Http2Exception(String message) {
    super(message);
  }
}
