package io.tinkerjvm.osie.support;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real dockerd of its own (reference/test-peers.md §1): safe flags only (no bridge, no iptables, no forwarding,
 * no masquerade), its socket, data root, exec root and pidfile in a temp dir, with {@code local/busybox:latest}
 * imported from the host's static busybox. Stopped by its PID, leftover mounts unmounted, its dirs removed.
 */
public final class Dockerd implements AutoCloseable {
  public static final String BUSYBOX = "local/busybox:latest";
  private static final String DOCKERD = "/usr/sbin/dockerd";
  // the preinstalled newer client if there is one, else docker.io's own
  private static final List<String> DOCKER_CLIS = List.of("/usr/local/bin/docker", "/usr/bin/docker");
  private static final String BUSYBOX_BINARY = "/bin/busybox";
  private static final List<String> APPLETS = List.of("sh", "ls", "echo", "cat", "sleep", "wget", "env", "true",
      "false", "test", "mkdir", "touch", "grep", "id");

  private final Path dir;
  private final Process process;
  private final DockerClient client;

  private Dockerd(Path dir, Process process, DockerClient client) {
    this.dir = dir;
    this.process = process;
    this.client = client;
  }

  public static Dockerd start() {
    if (!Files.isExecutable(Path.of(DOCKERD))) {
      throw new IllegalStateException("dockerd not found at " + DOCKERD + ": apt-get install docker.io");
    }
    if (dockerCli() == null) {
      throw new IllegalStateException("docker CLI not found at " + DOCKER_CLIS + ": apt-get install docker.io");
    }
    if (!Files.isExecutable(Path.of(BUSYBOX_BINARY))) {
      throw new IllegalStateException("static busybox not found at " + BUSYBOX_BINARY
          + ": apt-get install busybox-static");
    }
    try {
      // short, so the sockets containerd makes under the exec root stay within the 108-byte limit
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "dk");
      Files.createDirectories(dir.resolve("config"));
      Files.writeString(dir.resolve("daemon.json"), "{}\n");
      Process p = new ProcessBuilder(DOCKERD, "--bridge=none", "--iptables=false", "--ip-forward=false",
          "--ip-masq=false", "--config-file", dir.resolve("daemon.json").toString(),
          "--data-root", dir.resolve("root").toString(), "--exec-root", dir.resolve("exec").toString(),
          "--pidfile", dir.resolve("dockerd.pid").toString(), "-H", "unix://" + dir.resolve("docker.sock"))
          .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
      URI host = URI.create("unix://" + dir.resolve("docker.sock"));
      DockerClient client = DockerClientImpl.getInstance(
          DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host.toString()).build(),
          new ZerodepDockerHttpClient.Builder().dockerHost(host).build());
      Dockerd dockerd = new Dockerd(dir, p, client);
      try {
        dockerd.awaitPing();
        dockerd.importBusybox();
      } catch (RuntimeException e) {
        dockerd.close();
        throw e;
      }
      return dockerd;
    } catch (IOException e) {
      throw new UncheckedIOException("starting dockerd", e);
    }
  }

  public URI host() {
    return URI.create("unix://" + dir.resolve("docker.sock"));
  }

  public DockerClient client() {
    return client;
  }

  public Path dir() {
    return dir;
  }

  /** Runs the docker CLI against this dockerd, with its own config dir so a login stays here. */
  public String cli(String stdin, String... args) {
    List<String> command = new ArrayList<>(List.of(dockerCli(), "-H", host().toString()));
    command.addAll(List.of(args));
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("DOCKER_CONFIG", dir.resolve("config").toString());
      Process p = builder.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("docker " + String.join(" ", args) + " did not finish");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("docker " + args[0] + " exited " + p.exitValue() + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("running docker " + args[0], e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running docker " + args[0], e);
    }
  }

  /** {@code docker build -t tag} of a Dockerfile (FROM local/busybox:latest, say) in a fresh context dir. */
  public void build(String tag, String dockerfile) {
    try {
      Path context = Files.createTempDirectory(dir, "build");
      Files.writeString(context.resolve("Dockerfile"), dockerfile);
      cli(null, "build", "-q", "-t", tag, context.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("writing the build context for " + tag, e);
    }
  }

  private static String dockerCli() {
    return DOCKER_CLIS.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
  }

  private void awaitPing() {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    RuntimeException last = null;
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException("dockerd exited " + process.exitValue() + ": " + log());
      }
      try {
        client.pingCmd().exec();
        return;
      } catch (RuntimeException e) {
        last = e;
      }
      sleep(Duration.ofMillis(100));
    }
    throw new IllegalStateException("dockerd did not answer a ping within 30 s (" + last + "): " + log(), last);
  }

  private void importBusybox() throws IOException {
    Path rootfs = dir.resolve("busybox-rootfs");
    Files.createDirectories(rootfs.resolve("bin"));
    Files.createDirectories(rootfs.resolve("tmp"));
    Files.copy(Path.of(BUSYBOX_BINARY), rootfs.resolve("bin/busybox"));
    for (String applet : APPLETS) {
      Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    Path tar = dir.resolve("busybox.tar");
    run(List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), "."));
    cli(null, "import", "-c", "ENV PATH=/bin", tar.toString(), BUSYBOX);
  }

  public String log() {
    try {
      String text = Files.readString(dir.resolve("dockerd.log"));
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return "(no dockerd.log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing the Docker client", e);
    } finally {
      stopProcess();
      unmountAndDelete();
    }
  }

  private void stopProcess() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    // containerd and shims it started, if dockerd could not stop them itself
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private void unmountAndDelete() {
    try {
      List<String> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mountPoint = line.split(" ")[4].replace("\\040", " ");
        if (mountPoint.startsWith(dir + "/")) {
          mounts.add(mountPoint);
        }
      }
      mounts.sort(Comparator.comparingInt(String::length).reversed());
      for (String mount : mounts) {
        run(List.of("umount", "-l", mount));
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("removing dockerd's dir " + dir, e);
    }
  }

  static void run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(command.get(0) + " exited " + p.exitValue() + ": " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("running " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.get(0), e);
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
