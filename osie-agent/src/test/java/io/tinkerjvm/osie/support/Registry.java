package io.tinkerjvm.osie.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1 at a free port, with htpasswd basic auth and its
 * storage in a temp dir. dockerd treats 127.0.0.0/8 registries as insecure, so plain HTTP is enough. Stopped by PID.
 */
public final class Registry implements AutoCloseable {
  public static final String USER = "osie";
  public static final String PASSWORD = "s3cret-Registry-pw";
  private static final String REGISTRY = "/usr/bin/docker-registry";
  private static final String HTPASSWD = "/usr/bin/htpasswd";

  private final Path dir;
  private final int port;
  private final Process process;

  private Registry(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  public static Registry start() {
    if (!Files.isExecutable(Path.of(REGISTRY))) {
      throw new IllegalStateException("docker-registry not found at " + REGISTRY + ": apt-get install docker-registry");
    }
    if (!Files.isExecutable(Path.of(HTPASSWD))) {
      throw new IllegalStateException("htpasswd not found at " + HTPASSWD + ": apt-get install apache2-utils");
    }
    try {
      Path dir = Files.createTempDirectory("osie-registry");
      Process htpasswd = new ProcessBuilder(HTPASSWD, "-Bbn", USER, PASSWORD).redirectErrorStream(true).start();
      String entry = new String(htpasswd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (htpasswd.waitFor() != 0) {
        throw new IllegalStateException("htpasswd exited " + htpasswd.exitValue());
      }
      Files.writeString(dir.resolve("htpasswd"), entry);
      int port = freePort();
      Files.writeString(dir.resolve("config.yml"), """
          version: 0.1
          log:
            level: warn
          storage:
            filesystem:
              rootdirectory: %s
          http:
            addr: 127.0.0.1:%d
          auth:
            htpasswd:
              realm: osie-test
              path: %s
          """.formatted(dir.resolve("data"), port, dir.resolve("htpasswd")));
      Process p = new ProcessBuilder(REGISTRY, "serve", dir.resolve("config.yml").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
      Registry registry = new Registry(dir, port, p);
      try {
        registry.awaitReady();
      } catch (RuntimeException e) {
        registry.close();
        throw e;
      }
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException("starting docker-registry", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted starting docker-registry", e);
    }
  }

  /** {@code 127.0.0.1:port}, the DOCKER_REGISTRY prefix for images pushed here. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Tags a local image as {@code address/name} and pushes it, logged in with the CLI (password on stdin). */
  public void push(Dockerd dockerd, String localImage, String name) {
    dockerd.cli(PASSWORD, "login", "-u", USER, "--password-stdin", address());
    dockerd.cli(null, "tag", localImage, address() + "/" + name);
    dockerd.cli(null, "push", "-q", address() + "/" + name);
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    Exception last = null;
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException("docker-registry exited " + process.exitValue() + ": " + log());
      }
      try {
        int status = http.send(HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 401) {
          return;
        }
        last = new IllegalStateException("/v2/ answered " + status + " instead of 401");
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for docker-registry", e);
      }
      Dockerd.sleep(Duration.ofMillis(100));
    }
    throw new IllegalStateException("docker-registry on " + address() + " not ready (" + last + "): " + log(), last);
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("registry.log"));
    } catch (IOException e) {
      return "(no registry.log: " + e.getMessage() + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("removing the registry's dir " + dir, e);
    }
  }
}
