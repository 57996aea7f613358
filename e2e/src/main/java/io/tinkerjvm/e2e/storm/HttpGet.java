package io.tinkerjvm.e2e.storm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 GET from a given source address, as iPXE and an OSIE's tools make it from the machine's own
 * address. java.net.http cannot choose the local address on Java 21, and Hegel and Boots decide who is asking
 * by it, so this opens the socket itself: one request, {@code Connection: close}, body to the end.
 */
final class HttpGet {
  private static final int TIMEOUT_MS = 30_000;

  record Response(int status, String body) {}

  private HttpGet() {}

  static Response get(InetAddress from, URI url, String bearer) throws IOException {
    try (Socket s = new Socket()) {
      s.setSoTimeout(TIMEOUT_MS);
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress(url.getHost(), url.getPort()), TIMEOUT_MS);
      String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
      StringBuilder req = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: ")
          .append(url.getHost()).append(':').append(url.getPort()).append("\r\nUser-Agent: iPXE/1.21.1\r\n")
          .append("Connection: close\r\n");
      if (bearer != null) {
        req.append("Authorization: Bearer ").append(bearer).append("\r\n");
      }
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return parse(s.getInputStream().readAllBytes());
    }
  }

  static Response parse(byte[] raw) throws IOException {
    int headerEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    if (headerEnd < 0) {
      throw new IOException("an HTTP response without the end of its headers (" + raw.length + " bytes)");
    }
    String head = new String(raw, 0, headerEnd, StandardCharsets.ISO_8859_1);
    String[] lines = head.split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x status line: " + lines[0]);
    }
    int status = Integer.parseInt(statusLine[1]);
    boolean chunked = false;
    int length = -1;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = lines[i].substring(0, colon).trim();
      String value = lines[i].substring(colon + 1).trim();
      if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
        chunked = true;
      } else if (name.equalsIgnoreCase("content-length")) {
        length = Integer.parseInt(value);
      }
    }
    int start = headerEnd + 4;
    byte[] body;
    if (chunked) {
      body = dechunk(raw, start);
    } else {
      int end = length >= 0 ? start + length : raw.length;
      if (end > raw.length) {
        throw new IOException("HTTP body cut short: " + (raw.length - start) + " of " + length + " bytes");
      }
      body = java.util.Arrays.copyOfRange(raw, start, end);
    }
    return new Response(status, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] raw, int at) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int eol = indexOf(raw, at, "\r\n".getBytes(StandardCharsets.US_ASCII));
      if (eol < 0) {
        throw new IOException("a chunked HTTP body cut short");
      }
      String size = new String(raw, at, eol - at, StandardCharsets.US_ASCII);
      int semi = size.indexOf(';');
      int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      if (n == 0) {
        return out.toByteArray();
      }
      if (eol + 2 + n > raw.length) {
        throw new IOException("a chunk cut short");
      }
      out.write(raw, eol + 2, n);
      at = eol + 2 + n + 2;
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    return indexOf(hay, 0, needle);
  }

  private static int indexOf(byte[] hay, int from, byte[] needle) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
