package io.tinkerjvm.hegel.support;

import io.tinkerjvm.runtime.testing.Netns;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** curl, the real HTTP client, sending from a chosen loopback address so that Hegel sees that machine. */
public final class Curl {
  private Curl() {}

  /** What came back: status, body and the response headers (names lower-cased). */
  public record Response(int status, String body, List<String> headers) {
    public String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      for (String h : headers) {
        if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          return h.substring(prefix.length()).trim();
        }
      }
      return null;
    }
  }

  /** @param from the source address (127.0.0.x); {@code headers} as "Name: value" */
  public static Response call(String from, String method, String url, String... headers) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--interface", from,
        "-X", method, "-i", "-w", "\n@@%{http_code}"));
    for (String h : headers) {
      cmd.add("-H");
      cmd.add(h);
    }
    cmd.add(url);
    // -i: the response head, a blank line, then the body
    Netns.Result r = Netns.exec(cmd, 20);
    if (r.exit() != 0) {
      throw new IllegalStateException("curl failed (" + r.exit() + "): " + r.output());
    }
    String out = r.output();
    int code = out.lastIndexOf("\n@@");
    int status = Integer.parseInt(out.substring(code + 3).trim());
    String all = out.substring(0, code);
    int end = all.indexOf("\r\n\r\n");
    String head = end < 0 ? "" : all.substring(0, end);
    String body = end < 0 ? all : all.substring(end + 4);
    List<String> hs = new ArrayList<>(List.of(head.split("\r\n")));
    return new Response(status, body, hs.size() > 1 ? hs.subList(1, hs.size()) : List.of());
  }

  public static Response get(String from, String url, String... headers) {
    return call(from, "GET", url, headers);
  }
}
