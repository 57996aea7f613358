package io.tinkerjvm.e2e.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one dockerd every machine's agent shares, started with the safe flags only (no bridge, no iptables, no
 * forwarding, no masquerade; its own data root, exec root and socket under a short folder in /tmp), Debian's
 * docker-registry on 127.0.0.1, and the action image: the host's static busybox, imported and pushed to that
 * registry, from which every action pulls it (DOCKER_REGISTRY on the kernel command line).
 */
final class ChaosDocker {
  static final String IMAGE = "chaos/busybox:1";
  private static final List<String> APPLETS = List.of("sh", "echo", "cat", "sleep", "date", "true", "ls");

  final Path dir;
  final String registry;
  private final Process dockerd;

  private ChaosDocker(Path dir, String registry, Process dockerd) {
    this.dir = dir;
    this.registry = registry;
    this.dockerd = dockerd;
  }

  static ChaosDocker start(Launcher launcher, Path work, int registryPort) {
    try {
      // short: containerd's sockets under the exec root must stay within 108 bytes
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "dkchaos");
      Files.writeString(dir.resolve("daemon.json"), "{}\n");
      Files.createDirectories(dir.resolve("config"));
      Process dockerd = launcher.start("dockerd", Map.of(), List.of("dockerd", "--bridge=none", "--iptables=false",
          "--ip-forward=false", "--ip-masq=false", "--config-file", dir.resolve("daemon.json").toString(),
          "--data-root", dir.resolve("root").toString(), "--exec-root", dir.resolve("exec").toString(),
          "--pidfile", dir.resolve("dockerd.pid").toString(), "-H", "unix://" + dir.resolve("docker.sock")));
      String registry = "127.0.0.1:" + registryPort;
      ChaosDocker docker = new ChaosDocker(dir, registry, dockerd);
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        try {
          docker.cli("version");
          break;
        } catch (IllegalStateException notYet) {
          if (!dockerd.isAlive() || System.nanoTime() > until) {
            throw new IllegalStateException("dockerd did not start; see logs/dockerd.log", notYet);
          }
          ChaosRun.sleep(Duration.ofMillis(200));
        }
      }
      Path regDir = Files.createDirectories(work.resolve("registry"));
      Files.writeString(regDir.resolve("config.yml"), """
          version: 0.1
          log:
            level: warn
          storage:
            filesystem:
              rootdirectory: %s
          http:
            addr: %s
          """.formatted(regDir.resolve("data"), registry));
      launcher.start("registry", Map.of(), List.of("docker-registry", "serve", regDir.resolve("config.yml").toString()));
      until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!Service.serving("http://" + registry + "/v2/")) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("docker-registry did not answer on " + registry);
        }
        ChaosRun.sleep(Duration.ofMillis(100));
      }
      Path root = work.resolve("image-root");
      Files.createDirectories(root.resolve("bin"));
      Files.createDirectories(root.resolve("tmp"));
      Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
      for (String applet : APPLETS) {
        Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
      }
      Path tar = work.resolve("image.tar");
      Launcher.check(Duration.ofSeconds(60), Map.of(), List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."));
      String ref = registry + "/" + IMAGE;
      docker.cli("import", "--change", "ENV PATH=/bin", "--change", "CMD [\"/bin/sh\"]", tar.toString(), ref);
      docker.cli("push", ref);
      return docker;
    } catch (IOException e) {
      throw new UncheckedIOException("starting dockerd", e);
    }
  }

  String host() {
    return "unix://" + dir.resolve("docker.sock");
  }

  String cli(String... args) {
    List<String> command = new ArrayList<>(List.of(dockerCli(), "-H", host()));
    command.addAll(List.of(args));
    return Launcher.check(Duration.ofSeconds(120), Map.of("DOCKER_CONFIG", dir.resolve("config").toString()), command);
  }

  /** Every container the engine has, running or not, as "name state". */
  List<String> containers() {
    return cli("ps", "-a", "--format", "{{.Names}} {{.State}}").lines().filter(l -> !l.isBlank()).toList();
  }

  /** The containers of one worker's runs, as "action=state". */
  String runsOf(String workerId) {
    return String.join(",", cli("ps", "-a", "--filter", "label=io.tinkerjvm.osie.worker=" + workerId, "--format",
        "{{.Label \"io.tinkerjvm.osie.action\"}}={{.State}}").lines().filter(l -> !l.isBlank()).toList());
  }

  /** The workers that have a container of an action's run now. */
  java.util.Set<String> workersWithRuns() {
    return cli("ps", "-a", "--format", "{{.Label \"io.tinkerjvm.osie.worker\"}}").lines().filter(l -> !l.isBlank())
        .collect(java.util.stream.Collectors.toSet());
  }

  /** Stops dockerd by its PID, unmounts what it left under its folder, and removes the folder. */
  void stop() {
    List<ProcessHandle> children = dockerd.descendants().toList();
    Launcher.stop(dockerd, Duration.ofSeconds(20));
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    try {
      List<String> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mountPoint = line.split(" ")[4].replace("\\040", " ");
        if (mountPoint.startsWith(dir + "/")) {
          mounts.add(mountPoint);
        }
      }
      mounts.sort(Comparator.comparingInt(String::length).reversed());
      for (String m : mounts) {
        Launcher.check(Duration.ofSeconds(20), Map.of(), List.of("umount", "-l", m));
      }
      ChaosRun.deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("removing dockerd's folder " + dir, e);
    }
  }

  private static String dockerCli() {
    return Stream.of("/usr/bin/docker", "/usr/local/bin/docker").filter(c -> Files.isExecutable(Path.of(c)))
        .findFirst().orElse("docker");
  }
}
