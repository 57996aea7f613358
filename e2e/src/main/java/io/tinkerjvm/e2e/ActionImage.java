package io.tinkerjvm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The workflow's action image, built here (no public registry is reachable): the host's static busybox, an
 * ext4 file-system image made with mkfs.ext4, and two action scripts. A dockerd of its own (safe flags: no
 * bridge, no iptables, no forwarding, no masquerade; its own data root and socket) imports it and pushes it to
 * the registry on the provisioning network; then that dockerd is stopped, before the VM starts.
 */
final class ActionImage {
  static final String NAME = "tinkerjvm/e2e-actions:1";
  private static final List<String> APPLETS = List.of("sh", "dd", "mount", "umount", "mkdir", "wget", "cat",
      "sync", "echo", "sleep", "ls", "test", "true", "date", "printf");

  /** What the image's file system holds in /etc/motd; the test finds it on the VM's disk afterwards. */
  static String motd(String nonce) {
    return "Provisioned by the TinkerJVM end-to-end image " + nonce + "\n";
  }

  static final String IMAGE2DISK = """
      #!/bin/sh
      # stream a file-system image onto the disk, as Tinkerbell's image2disk does
      set -e
      echo "image2disk: $IMG_PATH -> $DEST_DISK"
      [ -b "$DEST_DISK" ] || { echo "image2disk: $DEST_DISK is not a block device"; ls /dev; exit 1; }
      dd if="$IMG_PATH" of="$DEST_DISK" bs=1M conv=fsync
      sync
      echo "image2disk: done"
      """;

  static final String WRITE_METADATA = """
      #!/bin/sh
      # mount the written file system and put this machine's metadata from Hegel into it
      set -e
      mkdir -p /mnt/target
      mount -t ext4 "$DEST_DISK" /mnt/target
      mkdir -p /mnt/target/etc/tinkerjvm
      wget -q -O /mnt/target/etc/tinkerjvm/metadata.json "$METADATA_URL"
      wget -q -O /mnt/target/etc/hostname "$HOSTNAME_URL"
      echo "write-metadata: $(cat /mnt/target/etc/hostname) $(cat /mnt/target/etc/tinkerjvm/metadata.json)"
      umount /mnt/target
      sync
      """;

  /** Builds the image and pushes it to {@code registry} (an address dockerd treats as insecure: 127.0.0.1). */
  static void buildAndPush(Path work, Procs procs, String registry, String nonce) {
    try {
      Path root = work.resolve("image-root");
      Files.createDirectories(root.resolve("bin"));
      Files.createDirectories(root.resolve("tmp"));
      Files.createDirectories(root.resolve("mnt"));
      Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
      for (String applet : APPLETS) {
        Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
      }
      Path actions = Files.createDirectories(root.resolve("actions"));
      Files.writeString(actions.resolve("image2disk.sh"), IMAGE2DISK);
      Files.writeString(actions.resolve("writemeta.sh"), WRITE_METADATA);
      // the "OS image": a small ext4 file system, populated from a folder
      Path fs = Files.createDirectories(work.resolve("image-fs/etc"));
      Files.writeString(fs.resolve("motd"), motd(nonce));
      Files.writeString(fs.resolve("os-release"), "NAME=\"TinkerJVM e2e\"\nID=tinkerjvm-e2e\n");
      Files.createDirectories(root.resolve("images"));
      Procs.check(Duration.ofSeconds(60), "mkfs.ext4", "-q", "-F", "-L", "tinkerjvm-e2e", "-d",
          work.resolve("image-fs").toString(), root.resolve("images/disk.img").toString(), "16M");
      Path tar = work.resolve("image.tar");
      Procs.check(Duration.ofSeconds(60), "tar", "-C", root.toString(), "-cf", tar.toString(), ".");

      // short paths: containerd's sockets under the exec root must stay within 108 bytes
      Path dk = Files.createTempDirectory(Path.of("/tmp"), "dke2e");
      Files.writeString(dk.resolve("daemon.json"), "{}\n");
      Process dockerd = procs.start(work.resolve("logs/dockerd-build.log"), Map.of(), List.of("dockerd",
          "--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false",
          "--config-file", dk.resolve("daemon.json").toString(),
          "--data-root", dk.resolve("root").toString(), "--exec-root", dk.resolve("exec").toString(),
          "--pidfile", dk.resolve("dockerd.pid").toString(), "-H", "unix://" + dk.resolve("docker.sock")));
      try {
        String host = "unix://" + dk.resolve("docker.sock");
        Map<String, String> env = Map.of("DOCKER_CONFIG", Files.createDirectories(dk.resolve("config")).toString());
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (docker(env, host, "version").exit() != 0) {
          if (!dockerd.isAlive() || System.nanoTime() > until) {
            String log = Procs.read(work.resolve("logs/dockerd-build.log"));
            throw new IllegalStateException("dockerd did not start: "
                + log.substring(Math.max(0, log.length() - 1500)));
          }
          Thread.sleep(200);
        }
        String ref = registry + "/" + NAME;
        expect(docker(env, host, "import", "--change", "CMD [\"/bin/sh\"]", tar.toString(), ref), "import");
        expect(docker(env, host, "push", ref), "push");
      } finally {
        Procs.stop(dockerd.toHandle(), Duration.ofSeconds(15));
        // dockerd unmounts its layers on a clean stop; anything left under its root goes before the folder
        Procs.run(Duration.ofSeconds(20), Map.of(), null, List.of("sh", "-c",
            "grep -o ' " + dk + "[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l; rm -rf " + dk));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("building the action image", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Procs.Result docker(Map<String, String> env, String host, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of(dockerCli(), "-H", host));
    command.addAll(List.of(args));
    return Procs.run(Duration.ofSeconds(120), env, null, command);
  }

  private static void expect(Procs.Result r, String what) {
    if (r.exit() != 0) {
      throw new IllegalStateException("docker " + what + " failed: " + r.output().strip());
    }
  }

  static String dockerCli() {
    for (String c : List.of("/usr/bin/docker", "/usr/local/bin/docker")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    return "docker";
  }

  static void makeExecutable(Path p) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
