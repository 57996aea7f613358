package io.tinkerjvm.e2e.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One machine of the fleet: a hardware record, a marker folder its actions append to, and, once it boots, a
 * real osie-agent process configured the way the OSIE configures it: from the kernel command line of the iPXE
 * script Boots serves for its MAC (fetched over HTTP, retried while Boots is down or does not know it yet).
 */
final class Machine {
  static final String UP_LINE = "is up for hardware";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  final int index;
  final String id;
  final String mac;
  final Path dir;
  final Path markers;
  /** The UDP port of its BMC (ipmi_sim), or 0 for a machine without one (powered on by hand). */
  final int bmcPort;
  private volatile Process agent;
  private volatile boolean booted;

  Machine(int index, Path root, int bmcPort) {
    this.index = index;
    this.id = String.format("c4a05000-0000-4000-8000-%012d", index);
    this.mac = String.format("02:c4:a0:00:%02x:%02x", index / 256, index % 256);
    this.dir = root.resolve(String.format("m%02d", index));
    this.markers = dir.resolve("markers");
    this.bmcPort = bmcPort;
    try {
      Files.createDirectories(markers);
      Files.createDirectories(dir.resolve("worker"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return String.format("agent-%02d", index);
  }

  boolean booted() {
    return booted;
  }

  /**
   * Boots: fetches the iPXE script from Boots until it gets one, keeps its kernel command line (the OSIE reads
   * it from /proc/cmdline; the agent here from that file), and starts the agent.
   */
  void boot(Launcher launcher, AgentJvm jvm, String bootsHttp, String dockerHost, Duration within) {
    long until = System.nanoTime() + within.toNanos();
    String script = null;
    while (script == null) {
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(bootsHttp + "/" + mac + "/auto.ipxe"))
            .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          script = r.body();
          break;
        }
      } catch (IOException bootsDown) {
        // Boots is down (killed): iPXE would retry too
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (System.nanoTime() > until) {
        throw new IllegalStateException(name() + ": no iPXE script from Boots within " + within.toSeconds() + " s");
      }
      ChaosRun.sleep(Duration.ofMillis(300));
    }
    try {
      Files.writeString(dir.resolve("cmdline"), kernelCommandLine(script) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    booted = true;
    startAgent(launcher, jvm, dockerHost);
  }

  /** The arguments of the script's {@code kernel} line, without the kernel's URL. */
  static String kernelCommandLine(String script) {
    Optional<String> line = script.lines().map(String::strip).filter(l -> l.startsWith("kernel ")).findFirst();
    if (line.isEmpty()) {
      throw new IllegalStateException("the iPXE script has no kernel line:\n" + script);
    }
    String[] words = line.get().split("\\s+", 3);
    return words.length < 3 ? "" : words[2];
  }

  /** Starts the agent as the OSIE does (its rc restarts it when it dies), on the shared dockerd. */
  void startAgent(Launcher launcher, AgentJvm jvm, String dockerHost) {
    agent = launcher.start(name(), Map.of(), jvm.command(launcher, List.of("--cmdline=" + dir.resolve("cmdline"),
        "--docker-host=" + dockerHost, "--data-dir=" + dir.resolve("worker"), "--retry-interval=1s")));
  }

  /**
   * How agents are started: from jars, with the AOT cache a training run wrote (as the OSIE image carries one),
   * so that fifty of them starting at once on two cores take less time.
   */
  record AgentJvm(Path jars, Path aotCache) {
    List<String> command(Launcher launcher, List<String> args) {
      List<String> options = aotCache != null && Files.exists(aotCache)
          ? List.of("-XX:AOTCache=" + aotCache) : List.of();
      // niced: here fifty machines share two cores with the control plane, which on real hardware they do not
      List<String> command = new java.util.ArrayList<>(List.of("nice", "-n", "10"));
      command.addAll(launcher.javaFromJars("osie-agent", jars, options, "io.tinkerjvm.osie.OsieAgent", "64m", args));
      return command;
    }

    /** Runs one agent with {@code -XX:AOTCacheOutput} for a while and stops it, which writes the cache. */
    static AgentJvm trained(Launcher launcher, Path work, String tinkAuthority, String dockerHost) {
      Path jars = work.resolve("jars");
      Path cache = work.resolve("agent.aot");
      try {
        Files.createDirectories(jars);
        Files.createDirectories(work.resolve("aot-training"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Process p = launcher.start("aot-training", Map.of(), launcher.javaFromJars("osie-agent", jars,
          List.of("-XX:AOTCacheOutput=" + cache), "io.tinkerjvm.osie.OsieAgent", "64m",
          List.of("--id=aot-training-0000", "--tinkerbell-grpc-authority=" + tinkAuthority, "--docker-host="
              + dockerHost, "--data-dir=" + work.resolve("aot-training"), "--cmdline=/dev/null",
              "--retry-interval=1s")));
      ChaosRun.sleep(Duration.ofSeconds(8));
      Launcher.stop(p, Duration.ofSeconds(60));
      return new AgentJvm(jars, Files.exists(cache) ? cache : null);
    }
  }

  boolean agentAlive() {
    Process p = agent;
    return p != null && p.isAlive();
  }

  void killAgent() {
    Launcher.kill9(agent);
  }

  void stopAgent() {
    Process p = agent;
    if (p != null && p.isAlive()) {
      Launcher.stop(p, Duration.ofSeconds(15));
    }
  }

  /** How many times an agent of this machine has said it is up (its log is appended across restarts). */
  long ups(Path logs) {
    try {
      Path log = logs.resolve(name() + ".log");
      return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains(UP_LINE)).count() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The hardware record, as `tink hardware push` takes it (metadata as a JSON string inside). */
  String hardwareJson(String bmcPassword) {
    String bmc = bmcPort == 0 ? "" : """
        ,"bmc":{"host":"127.0.0.1","port":%d,"username":"admin","password":"%s","efi":false}"""
        .formatted(bmcPort, bmcPassword);
    String metadata = """
        {"state":"provisioning","facility":{"facility_code":"onprem","plan_slug":"chaos"},\
        "instance":{"id":"%s","hostname":"chaos-%02d","operating_system":{"slug":"chaos"}}%s}"""
        .formatted(id, index, bmc);
    return """
        {"id":"%s","metadata":%s,
         "network":{"interfaces":[{"dhcp":{"mac":"%s","hostname":"chaos-%02d","lease_time":86400,"arch":"x86_64",
           "uefi":false,"ip":{"address":"10.250.%d.%d","netmask":"255.255.0.0","gateway":"10.250.0.1","family":4}},
          "netboot":{"allow_pxe":true,"allow_workflow":true}}]}}
        """.formatted(id, quote(metadata), mac, index, index / 200, 10 + index % 200);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
