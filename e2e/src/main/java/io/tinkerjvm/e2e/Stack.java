package io.tinkerjvm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stack, each service as its own process from the repository's build (target/classes and
 * target/classpath.txt), as {@code ./tinkerjvm up|boots|hegel|pbnj} starts them: tink-server on its embedded
 * Postgres, PBnJ, Boots and Hegel, plus Debian's docker-registry for the action image. Everything listens on
 * the provisioning bridge inside the loop's namespace.
 */
final class Stack {
  static final int REGISTRY_PORT = 5000;
  static final String TINK = Lab.HOST_IP + ":42113";
  static final String REGISTRY = Lab.HOST_IP + ":" + REGISTRY_PORT;
  static final String HEGEL = "http://" + Lab.HOST_IP + ":50061";

  private final Path repo;
  private final Path work;
  private final Procs procs;
  private final String java;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  Stack(Path repo, Path work, Procs procs) {
    this.repo = repo;
    this.work = work;
    this.procs = procs;
    this.java = ProcessHandle.current().info().command().orElse("java");
  }

  Path log(String name) {
    return work.resolve("logs").resolve(name + ".log");
  }

  /** Debian's docker-registry on {@code addr}, storing under the work folder (the same store every time). */
  static Process registry(Path work, Procs procs, String addr, HttpClient http) {
    try {
      Path dir = Files.createDirectories(work.resolve("registry"));
      Path config = dir.resolve("config-" + addr.replace(':', '-') + ".yml");
      Files.writeString(config, """
          version: 0.1
          log:
            level: warn
          storage:
            filesystem:
              rootdirectory: %s
          http:
            addr: %s
          """.formatted(dir.resolve("data"), addr));
      Process p = procs.start(work.resolve("logs/registry-" + addr.replace(':', '-') + ".log"), Map.of(),
          List.of("docker-registry", "serve", config.toString()));
      String port = addr.substring(addr.lastIndexOf(':') + 1);
      awaitHttp(http, "docker-registry", p, "http://127.0.0.1:" + port + "/v2/", Duration.ofSeconds(20), "");
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void registry() {
    registry(work, procs, "0.0.0.0:" + REGISTRY_PORT, http);
  }

  void tinkServer() {
    Process p = service("tink-server", "tink-server", "io.tinkerjvm.tink.TinkServer", Map.of(),
        "--bind-address=0.0.0.0", dataDir(), "--pbnj-authority=127.0.0.1:50051");
    awaitHttp("tink-server", p, "http://127.0.0.1:42114/healthz", Duration.ofSeconds(120));
  }

  void pbnj() {
    Process p = service("pbnj", "pbnj", "io.tinkerjvm.pbnj.Pbnj", Map.of(), "--bind-address=127.0.0.1", dataDir());
    awaitHttp("PBnJ", p, "http://127.0.0.1:50052/healthz", Duration.ofSeconds(60));
  }

  void boots(Path osie) {
    Process p = service("boots", "boots", "io.tinkerjvm.boots.Boots", Map.of(),
        "--public-ip=" + Lab.HOST_IP, "--osie-dir=" + osie, "--ipxe-dir=/usr/lib/ipxe",
        "--tinkerbell-grpc-authority=" + TINK, "--docker-registry=" + REGISTRY, dataDir());
    awaitHttp("Boots", p, "http://127.0.0.1:8080/healthz", Duration.ofSeconds(60));
  }

  void hegel() {
    Process p = service("hegel", "hegel", "io.tinkerjvm.hegel.Hegel", Map.of(),
        "--tinkerbell-grpc-authority=127.0.0.1:42113", dataDir());
    awaitHttp("Hegel", p, "http://127.0.0.1:50061/healthz", Duration.ofSeconds(60));
  }

  /** Runs the tink CLI, as an operator does, against tink-server; returns its output or fails with it. */
  String tink(String... args) {
    List<String> command = new ArrayList<>(javaCommand("tink-cli", "io.tinkerjvm.cli.Tink"));
    command.addAll(List.of(args));
    Procs.Result r = Procs.run(Duration.ofSeconds(60), Map.of("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1:42113",
        "TINKERBELL_CA_FILE", dataPath().resolve("tls/ca.pem").toString()), null, command);
    if (r.exit() != 0) {
      throw new IllegalStateException("tink " + String.join(" ", args) + " exited " + r.exit() + ": "
          + r.output().strip());
    }
    return r.output();
  }

  /**
   * The data folder every service shares, as on one provisioner host with defaults: tink-server's embedded
   * Postgres, the CA and the certificates issued from it (TLS on every gRPC port), the machine key Boots
   * mints each boot's credential with and tink-server and Hegel check it with.
   */
  Path dataPath() {
    return work.resolve("tink-data");
  }

  private String dataDir() {
    return "--data-dir=" + dataPath();
  }

  private Process service(String name, String module, String main, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(javaCommand(module, main));
    command.addAll(List.of(args));
    return procs.start(log(name), env, command);
  }

  private List<String> javaCommand(String module, String main) {
    Path classes = repo.resolve(module).resolve("target/classes");
    Path classpath = repo.resolve(module).resolve("target/classpath.txt");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(classpath)) {
      throw new IllegalStateException(module + " is not built (" + classes + "): run ./tinkerjvm build first");
    }
    String cp = classes + ":" + Procs.read(classpath).strip();
    // C1 only and the serial collector: the VM's emulation needs the two cores more than these need peak speed
    return List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", cp, main);
  }

  private void awaitHttp(String what, Process p, String url, Duration within) {
    awaitHttp(http, what, p, url, within, tail(what));
  }

  private static void awaitHttp(HttpClient http, String what, Process p, String url, Duration within,
      String logTail) {
    Ready.http(http, what, p, url, within, "; its log:\n" + logTail, "");
  }

  private String tail(String what) {
    for (Path f : List.of(log(what.toLowerCase()), log(what))) {
      String s = Procs.read(f);
      if (!s.isEmpty()) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
      }
    }
    return "";
  }
}
