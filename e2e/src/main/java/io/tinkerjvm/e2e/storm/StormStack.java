package io.tinkerjvm.e2e.storm;

import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import io.tinkerjvm.e2e.Ready;
import io.tinkerjvm.runtime.tls.Tls;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stack a boot storm hits: tink-server on its embedded Postgres, Boots and Hegel, each its own JVM from the
 * repository's build (target/classes and target/classpath.txt), all on 127.0.0.1 with free ports, Boots in
 * reservation mode. Boots and Hegel share a machine key, so every script carries a machine credential.
 *
 * <p>Processes start in {@link #launch} and gRPC channels are made in {@link #channel}, one place each, so that
 * transport security can be added to both at once.
 */
final class StormStack implements AutoCloseable {
  static final String HOST = "127.0.0.1";

  private final Path repo;
  private final Path work;
  /** The stack's CA folder, once it started: every channel trusts its ca.pem. */
  private static volatile Path tlsDir;
  private final String java;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, Process> services = new LinkedHashMap<>();
  final int tinkGrpcPort;
  final int tinkHttpPort;
  final int dhcpPort;
  final int tftpPort;
  final int bootsHttpPort;
  final int syslogPort;
  final int hegelPort;

  StormStack(Path repo, Path work) {
    this.repo = repo;
    this.work = work;
    this.java = ProcessHandle.current().info().command().orElse("java");
    this.tinkGrpcPort = freeTcpPort();
    this.tinkHttpPort = freeTcpPort();
    this.bootsHttpPort = freeTcpPort();
    this.hegelPort = freeTcpPort();
    this.dhcpPort = freeUdpPort();
    this.tftpPort = freeUdpPort();
    this.syslogPort = freeUdpPort();
  }

  String tinkAuthority() {
    return HOST + ":" + tinkGrpcPort;
  }

  /** Starts the three services and waits until each answers its health check. */
  void start() throws IOException {
    Files.createDirectories(work.resolve("logs"));
    // one data folder, as on one provisioner host: the CA every gRPC port's certificate comes from, and the
    // machine key Boots mints each boot's credential with and tink-server and Hegel check it with
    String data = "--data-dir=" + work.resolve("tink-data");
    tlsDir = work.resolve("tink-data/tls");

    launch("tink-server", "tink-server", "io.tinkerjvm.tink.TinkServer",
        "--bind-address=" + HOST, "--grpc-port=" + tinkGrpcPort, "--http-port=" + tinkHttpPort,
        data);
    awaitHealthy("tink-server", "http://" + HOST + ":" + tinkHttpPort + "/healthz", Duration.ofSeconds(120));
    launch("boots", "boots", "io.tinkerjvm.boots.Boots",
        "--public-ip=" + HOST, "--bind-address=" + HOST, "--dhcp-mode=reservation",
        "--dhcp-port=" + dhcpPort, "--tftp-port=" + tftpPort, "--http-port=" + bootsHttpPort,
        "--syslog-port=" + syslogPort, "--ipxe-dir=/usr/lib/ipxe",
        "--tinkerbell-grpc-authority=" + tinkAuthority(), data);
    launch("hegel", "hegel", "io.tinkerjvm.hegel.Hegel",
        "--http-address=" + HOST, "--http-port=" + hegelPort,
        "--tinkerbell-grpc-authority=" + tinkAuthority(), data);
    awaitHealthy("boots", "http://" + HOST + ":" + bootsHttpPort + "/healthz", Duration.ofSeconds(60));
    awaitHealthy("hegel", "http://" + HOST + ":" + hegelPort + "/healthz", Duration.ofSeconds(60));
  }

  /** Starts one service as its own JVM, as {@code ./tinkerjvm <service>} does, logging to logs/<name>.log. */
  private void launch(String name, String module, String main, String... args) throws IOException {
    Path classes = repo.resolve(module).resolve("target/classes");
    Path classpath = repo.resolve(module).resolve("target/classpath.txt");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(classpath)) {
      throw new IllegalStateException(module + " is not built (" + classes + "); build it first (see docs/benchmarks.md)");
    }
    List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
        "-cp", classes + ":" + fromThisTree(Files.readString(classpath).strip()), main));
    command.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(work.resolve("logs").resolve(name + ".log").toFile());
    Process p = b.start();
    p.getOutputStream().close();
    services.put(name, p);
  }

  private static final Pattern OWN_JAR =
      Pattern.compile(".*/io/tinkerjvm/([a-z-]+)/[^/]+/\\1-[^/]+?(-tests)?\\.jar");

  /**
   * The class path with this project's own modules taken from this tree's target/classes rather than from
   * the jars in ~/.m2 (which hold whatever was installed last), so that the storm runs the code checked out.
   */
  String fromThisTree(String classpath) {
    List<String> out = new ArrayList<>();
    for (String entry : classpath.split(":")) {
      Matcher m = OWN_JAR.matcher(entry);
      Path dir = m.matches() ? repo.resolve(m.group(1)).resolve(m.group(2) == null ? "target/classes"
          : "target/test-classes") : null;
      out.add(dir != null && Files.isDirectory(dir) ? dir.toString() : entry);
    }
    return String.join(":", out);
  }

  /**
   * A channel to tink-server as a machine's agent opens it; with a credential, every call carries
   * {@code authorization: Bearer <credential>}.
   */
  static ManagedChannel channel(String authority, String credential) {
    // TLS trusting the stack's CA. A machine (with a credential) presents no certificate, as in the OSIE;
    // the harness's own calls present one issued from the CA, as an operator's tool on the host does
    Tls.ClientSettings settings = new Tls.ClientSettings(true, tlsDir, tlsDir.resolve("ca.pem"), null, null);
    ChannelCredentials creds = credential != null ? new Tls.Client(true, tlsDir.resolve("ca.pem"), null, null).credentials()
        : settings.open("storm-admin").credentials();
    var builder = Grpc.newChannelBuilder(authority, creds);
    if (credential != null) {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
      ClientInterceptor attach = MetadataUtils.newAttachHeadersInterceptor(headers);
      builder.intercept(attach);
    }
    return builder.build();
  }

  Map<String, Long> pids() {
    Map<String, Long> out = new LinkedHashMap<>();
    services.forEach((name, p) -> out.put(name, p.pid()));
    return out;
  }

  /** The embedded Postgres' postmaster, from its pid file (zonky starts it detached from tink-server). */
  long postgresPid() {
    try {
      List<String> lines = Files.readAllLines(work.resolve("tink-data/postgres/postmaster.pid"));
      return Long.parseLong(lines.getFirst().trim());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  String metrics(String service) {
    int port = switch (service) {
      case "tink-server" -> tinkHttpPort;
      case "boots" -> bootsHttpPort;
      case "hegel" -> hegelPort;
      default -> throw new IllegalArgumentException(service);
    };
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  Path log(String name) {
    return work.resolve("logs").resolve(name + ".log");
  }

  private void awaitHealthy(String name, String url, Duration within) {
    Ready.http(http, name, services.get(name), url, within, "; see " + log(name), "; see " + log(name));
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freeTcpPort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(HOST, 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freeUdpPort() {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(HOST, 0))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM to each service, newest first, then SIGKILL after 10 s; Postgres goes down with tink-server. */
  @Override
  public void close() {
    List<Map.Entry<String, Process>> all = new ArrayList<>(services.entrySet());
    long pg = postgresPid();
    for (int i = all.size() - 1; i >= 0; i--) {
      Process p = all.get(i).getValue();
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    if (pg > 0) {
      // tink-server stops its Postgres on a clean exit; after a forced one the postmaster would stay
      ProcessHandle.of(pg).filter(ProcessHandle::isAlive)
          .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(false)).ifPresent(h -> {
        h.destroy();
        try {
          h.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception notYet) {
          h.destroyForcibly();
        }
      });
    }
  }
}
