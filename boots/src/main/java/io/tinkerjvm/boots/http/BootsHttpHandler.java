package io.tinkerjvm.boots.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tinkerjvm.boots.files.FileRoot;
import io.tinkerjvm.boots.hardware.HardwareSource;
import io.tinkerjvm.boots.hardware.Machine;
import io.tinkerjvm.boots.ipxe.IpxeScript;
import io.tinkerjvm.boots.ipxe.ScriptSettings;
import io.tinkerjvm.runtime.http.StatusHttpServer;
import io.tinkerjvm.runtime.http.TrustedProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boots' HTTP routes: a machine's iPXE script ({@code /auto.ipxe} by the asking address, {@code
 * /<mac>/auto.ipxe} by MAC), the iPXE binaries under {@code /ipxe/}, and OSIE's files under {@code /osie/}
 * when a folder is configured. Only GET and HEAD.
 */
public final class BootsHttpHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(BootsHttpHandler.class);
  private static final Pattern MAC_SCRIPT =
      Pattern.compile("^/((?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2})/auto\\.ipxe$");

  private final HardwareSource hardware;
  private final ScriptSettings settings;
  private final FileRoot binaries;
  private final FileRoot osie;
  private final TrustedProxies proxies;
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /** @param osie OSIE's folder, or null when OSIE is served from elsewhere */
  public BootsHttpHandler(HardwareSource hardware, ScriptSettings settings, FileRoot binaries, FileRoot osie,
      TrustedProxies proxies, MeterRegistry registry) {
    this.hardware = hardware;
    this.settings = settings;
    this.binaries = binaries;
    this.osie = osie;
    this.proxies = proxies;
    this.registry = registry;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().add("Allow", "GET, HEAD");
        reply(exchange, 405, "method not allowed", "method");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      Matcher mac = MAC_SCRIPT.matcher(path);
      if (path.equals("/auto.ipxe")) {
        InetAddress client = proxies.client(exchange.getRemoteAddress().getAddress(),
            forwardedFor(exchange));
        script(exchange, hardware.byIp(client.getHostAddress()), "address " + client.getHostAddress());
      } else if (mac.matches()) {
        String m = mac.group(1).toLowerCase(Locale.ROOT).replace('-', ':');
        script(exchange, hardware.byMac(m), "MAC " + m);
      } else if (path.equals("/ca.pem") && settings.tinkCa() != null && settings.tinkCa().get() != null) {
        // public: a CA certificate; the machine checks it against tink_ca_sha256= from its command line
        byte[] pem = settings.tinkCa().get().pem().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        exchange.getResponseHeaders().set("Content-Type", "application/x-pem-file");
        exchange.sendResponseHeaders(200, method.equals("HEAD") ? -1 : pem.length);
        if (!method.equals("HEAD")) {
          exchange.getResponseBody().write(pem);
        }
      } else if (path.startsWith("/ipxe/")) {
        file(exchange, binaries, path.substring("/ipxe/".length()), "ipxe");
      } else if (osie != null && path.startsWith("/osie/")) {
        file(exchange, osie, path.substring("/osie/".length()), "osie");
      } else {
        reply(exchange, 404, "not found", "not_found");
      }
    }
  }

  /** Every X-Forwarded-For line joined, as a proxy may add its own line rather than extend the first. */
  private static String forwardedFor(HttpExchange exchange) {
    java.util.List<String> lines = exchange.getRequestHeaders().get("X-Forwarded-For");
    return lines == null ? null : String.join(",", lines);
  }

  private void script(HttpExchange exchange, Optional<Machine> found, String who) throws IOException {
    if (found.isEmpty()) {
      log.info("no iPXE script for {}: no hardware has it", who);
      reply(exchange, 404, "no hardware with " + who, "script_unknown");
      return;
    }
    Machine m = found.get();
    if (!m.allowPxe()) {
      log.info("no iPXE script for {} (hardware {}): allow_pxe is false", who, m.hardwareId());
      reply(exchange, 404, "netboot is not allowed for " + who, "script_not_allowed");
      return;
    }
    String script;
    try {
      script = IpxeScript.render(m, settings);
    } catch (IpxeScript.Unrenderable e) {
      log.error("cannot render the iPXE script of hardware {}: {}", m.hardwareId(), e.getMessage());
      reply(exchange, 500, "cannot render the iPXE script: " + e.getMessage(), "script_error");
      return;
    }
    log.info("served the iPXE script of hardware {} to {} ({})", m.hardwareId(),
        exchange.getRemoteAddress().getAddress().getHostAddress(), who);
    count("script");
    StatusHttpServer.send(exchange, 200, "text/plain; charset=utf-8", script);
  }

  private void file(HttpExchange exchange, FileRoot root, String name, String what) throws IOException {
    Path path;
    try {
      path = root.resolve(name);
    } catch (FileRoot.Refused e) {
      reply(exchange, e.outside ? 403 : 404, e.getMessage(), what + (e.outside ? "_forbidden" : "_not_found"));
      return;
    }
    long size = Files.size(path);
    exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(200, head ? -1 : size == 0 ? -1 : size);
    count(what);
    log.info("HTTP sent /{}/{} to {} ({} bytes)", what, io.tinkerjvm.boots.LogSafe.clean(name), exchange.getRemoteAddress().getAddress().getHostAddress(), size);
    if (!head) {
      try (InputStream in = Files.newInputStream(path); OutputStream out = exchange.getResponseBody()) {
        in.transferTo(out);
      }
    }
  }

  private void reply(HttpExchange exchange, int code, String message, String outcome) throws IOException {
    count(outcome);
    StatusHttpServer.send(exchange, code, "text/plain; charset=utf-8", message + "\n");
  }

  private void count(String outcome) {
    counters.computeIfAbsent(outcome, o -> Counter.builder("boots.http.requests").tag("outcome", o)
        .register(registry)).increment();
  }
}
