package io.tinkerjvm.e2e.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Postgres of the run's own, apart from tink-server so that it outlives tink-server's kills: zonky's
 * binaries (the same ones tink-server embeds, from Maven Central), unpacked here, the postmaster run in the
 * foreground as a child process, so that {@link #kill9} reaches the postmaster itself. As root it runs under
 * {@code unshare -U}, as zonky does (Postgres refuses to run as root).
 */
final class ChaosPostgres {
  private final Launcher launcher;
  private final Path bin;
  private final Path data;
  private final Path socketDir;
  private final int port;
  private Process postmaster;

  private ChaosPostgres(Launcher launcher, Path bin, Path data, Path socketDir, int port) {
    this.launcher = launcher;
    this.bin = bin;
    this.data = data;
    this.socketDir = socketDir;
    this.port = port;
  }

  /** Unpacks the binaries into {@code dir}, runs initdb, and starts the postmaster on 127.0.0.1:{@code port}. */
  static ChaosPostgres create(Launcher launcher, Path dir, int port) {
    try {
      Path root = Files.createDirectories(dir.resolve("pg"));
      try (InputStream txz = ChaosPostgres.class.getResourceAsStream("/postgres-linux-x86_64.txz")) {
        if (txz == null) {
          throw new IllegalStateException("zonky's postgres-linux-x86_64.txz is not on the class path");
        }
        Path archive = root.resolve("postgres.txz");
        Files.copy(txz, archive);
        Launcher.check(Duration.ofSeconds(120), Map.of(), List.of("tar", "-xJf", archive.toString(), "-C",
            root.toString()));
        Files.delete(archive);
      }
      Path socketDir = Files.createDirectories(root.resolve("run"));
      ChaosPostgres pg = new ChaosPostgres(launcher, root.resolve("bin"), root.resolve("data"), socketDir, port);
      Launcher.check(Duration.ofSeconds(120), Map.of(), pg.asPostgresUser(List.of(pg.bin.resolve("initdb").toString(),
          "-D", pg.data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions")));
      pg.start();
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException("preparing Postgres in " + dir, e);
    }
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** Starts the postmaster; true once its port answers (crash recovery included). */
  void start() {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      postmaster = launcher.start("postgres", Map.of(), asPostgresUser(List.of(bin.resolve("postgres").toString(),
          "-D", data.toString(), "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1",
          "-c", "unix_socket_directories=" + socketDir, "-c", "max_connections=200")));
      while (postmaster.isAlive() && !answers()) {
        ChaosRun.sleep(Duration.ofMillis(50));
      }
      if (postmaster.isAlive()) {
        return;
      }
      // the backends of a killed postmaster may still hold its shared memory for a moment: start again
      if (System.nanoTime() > until) {
        throw new IllegalStateException("Postgres did not start within 60 s; see logs/postgres.log");
      }
      ChaosRun.sleep(Duration.ofMillis(200));
    }
  }

  boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** kill -9 of the postmaster (its backends notice and exit). */
  void kill9() {
    Launcher.kill9(postmaster);
  }

  void stop() {
    if (postmaster != null && postmaster.isAlive()) {
      Launcher.stop(postmaster, Duration.ofSeconds(20));
    }
  }

  private static List<String> asPostgresUser(List<String> command) {
    List<String> out = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      out.addAll(List.of("unshare", "-U"));
    }
    out.addAll(command);
    return out;
  }
}
