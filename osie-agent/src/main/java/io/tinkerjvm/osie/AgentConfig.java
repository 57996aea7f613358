package io.tinkerjvm.osie;

import io.tinkerjvm.runtime.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings, read as tink-worker reads them (reference §1.3): flags ({@code --id}), variables
 * ({@code ID}/{@code WORKER_ID}, {@code TINKERBELL_GRPC_AUTHORITY}, {@code TINKERBELL_TLS},
 * {@code DOCKER_REGISTRY}, {@code REGISTRY_USERNAME}, {@code REGISTRY_PASSWORD}) and, lowest, the
 * parameters Boots puts on the kernel command line ({@code worker_id=}, {@code grpc_authority=} ...). Flags
 * win over variables, variables over the command line.
 */
public record AgentConfig(
    String workerId,
    String grpcAuthority,
    boolean tls,
    String dockerRegistry,
    String registryUsername,
    String registryPassword,
    String dockerHost,
    Path dataDir,
    Duration retryInterval,
    long maxFileSize,
    String privilegeMode,
    String syslogHost,
    boolean captureActionLogs,
    String certUrl,
    String caSha256,
    Path caFile,
    String machineCredential) {

  public static final List<String> SETTINGS = List.of("id", "tinkerbell-grpc-authority", "tinkerbell-tls",
      "docker-registry", "registry-username", "registry-password", "docker-host", "data-dir", "retry-interval",
      "max-file-size", "privilege-mode", "syslog-host", "capture-action-logs", "cmdline", "tinkerbell-cert-url",
      "tinkerbell-ca-sha256", "tinkerbell-ca-file", "machine-credential", "help");

  /** Kernel command-line parameter for each setting, as Boots writes them (reference §2.3). */
  static final Map<String, String> CMDLINE = Map.of(
      // WORKER_ID, not ID: a variable of either name then wins over the command line
      "worker_id", "WORKER_ID",
      "grpc_authority", "TINKERBELL_GRPC_AUTHORITY",
      "tinkerbell_tls", "TINKERBELL_TLS",
      "docker_registry", "DOCKER_REGISTRY",
      "registry_username", "REGISTRY_USERNAME",
      "registry_password", "REGISTRY_PASSWORD",
      "syslog_host", "OSIE_SYSLOG_HOST",
      "grpc_cert_url", "TINKERBELL_CERT_URL",
      "tink_ca_sha256", "OSIE_TINKERBELL_CA_SHA256",
      "machine_credential", "OSIE_MACHINE_CREDENTIAL");

  /** tink-worker's short flags, as the long ones they stand for. */
  static final Map<String, String> SHORT_FLAGS = Map.of("-i", "--id", "-r", "--docker-registry",
      "-u", "--registry-username", "-p", "--registry-password");

  public static AgentConfig load(Map<String, String> env, String... given) {
    String[] args = longFlags(given);
    Config flagsOnly = Config.load("OSIE_", Map.of(), args);
    Path cmdline = Path.of(flagsOnly.string("cmdline", "/proc/cmdline"));
    Map<String, String> merged = new HashMap<>(fromCmdline(cmdline));
    env.forEach((k, v) -> {
      if (v != null && !v.isEmpty()) {
        merged.put(k, v);
      }
    });
    Config c = Config.load("OSIE_", merged, args);
    List<String> unknown = c.unknownFlags(SETTINGS);
    if (!unknown.isEmpty()) {
      throw new Config.ConfigException("unknown setting --" + unknown.getFirst() + "; see --help");
    }
    String id = c.string("id", "", "ID", "WORKER_ID").trim();
    if (id.isEmpty()) {
      throw new Config.ConfigException("id is required: the hardware id this agent works for (--id, ID or "
          + "WORKER_ID, or worker_id= on the kernel command line)");
    }
    String authority = c.string("tinkerbell-grpc-authority", "", "TINKERBELL_GRPC_AUTHORITY").trim();
    if (authority.isEmpty()) {
      throw new Config.ConfigException("tinkerbell-grpc-authority is required: where tink-server is, as host:port "
          + "(TINKERBELL_GRPC_AUTHORITY, or grpc_authority= on the kernel command line)");
    }
    if (!authority.matches("[A-Za-z0-9.\\[\\]:_-]+:\\d{1,5}")) {
      throw new Config.ConfigException("tinkerbell-grpc-authority must be host:port, got '" + authority + "'");
    }
    String privilege = c.string("privilege-mode", "auto");
    if (!List.of("auto", "full", "all-allowed-caps").contains(privilege)) {
      throw new Config.ConfigException("privilege-mode must be auto, full or all-allowed-caps, got '" + privilege + "'");
    }
    long maxFileSize = c.integer("max-file-size", 10 * 1024 * 1024, "MAX_FILE_SIZE");
    if (maxFileSize < 1) {
      throw new Config.ConfigException("max-file-size must be at least 1 byte");
    }
    String sha256 = c.string("tinkerbell-ca-sha256", "").trim().toLowerCase(java.util.Locale.ROOT).replace(":", "");
    if (!sha256.isEmpty() && !sha256.matches("[0-9a-f]{64}")) {
      throw new Config.ConfigException("tinkerbell-ca-sha256 (tink_ca_sha256=) must be 64 hex digits, the SHA-256 of "
          + "the CA certificate");
    }
    Path caFile = c.find("tinkerbell-ca-file").map(Path::of).orElse(null);
    if (caFile != null && !Files.isReadable(caFile)) {
      throw new Config.ConfigException("tinkerbell-ca-file: cannot read " + caFile);
    }
    return new AgentConfig(id, authority,
        // tink-worker's default, and tink-server's: TLS
        c.bool("tinkerbell-tls", true, "TINKERBELL_TLS"),
        c.string("docker-registry", "", "DOCKER_REGISTRY").trim(),
        c.string("registry-username", "", "REGISTRY_USERNAME"),
        c.string("registry-password", "", "REGISTRY_PASSWORD"),
        c.string("docker-host", "unix:///var/run/docker.sock", "DOCKER_HOST"),
        Path.of(c.string("data-dir", "/worker")),
        retryInterval(c),
        maxFileSize,
        privilege,
        c.string("syslog-host", "", "OSIE_SYSLOG_HOST").trim(),
        c.bool("capture-action-logs", true, "CAPTURE_ACTION_LOGS"),
        c.string("tinkerbell-cert-url", "", "TINKERBELL_CERT_URL").trim(),
        sha256, caFile,
        c.string("machine-credential", "", "MACHINE_CREDENTIAL").trim());
  }

  private static Duration retryInterval(Config c) {
    String value = c.string("retry-interval", "3s", "RETRY_INTERVAL");
    Duration d = Config.of("OSIE_", Map.of("retry-interval", value)).duration("retry-interval", Duration.ofSeconds(3));
    if (d.isNegative() || d.isZero()) {
      throw new Config.ConfigException("retry-interval must be longer than zero, got '" + value + "'");
    }
    return d;
  }

  /**
   * {@code -i X} and {@code -p=X} as {@code --id=X} and {@code --registry-password=X}; anything else unchanged.
   * A short flag we do not know is refused by name only, so a mistyped password flag never echoes its value.
   */
  static String[] longFlags(String[] args) {
    String[] out = new String[args.length];
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("-") && !a.startsWith("--") && a.length() >= 2) {
        String flag = a.substring(0, 2);
        String longFlag = SHORT_FLAGS.get(flag);
        if (longFlag == null) {
          throw new Config.ConfigException("unknown flag " + flag + "; tink-worker's short flags are -i, -r, -u, -p");
        }
        String rest = a.substring(2);
        out[i] = rest.isEmpty() ? longFlag : longFlag + "=" + (rest.startsWith("=") ? rest.substring(1) : rest);
      } else {
        out[i] = a;
      }
    }
    return out;
  }

  /** The kernel parameters we read, as the variables they stand for; a missing file (not Linux) gives none. */
  static Map<String, String> fromCmdline(Path cmdline) {
    Map<String, String> out = new HashMap<>();
    String text;
    try {
      text = Files.exists(cmdline) ? Files.readString(cmdline, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new Config.ConfigException("cannot read " + cmdline + ": " + e.getMessage());
    }
    for (String word : text.trim().split("\\s+")) {
      int eq = word.indexOf('=');
      if (eq > 0 && CMDLINE.containsKey(word.substring(0, eq))) {
        out.put(CMDLINE.get(word.substring(0, eq)), word.substring(eq + 1));
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "AgentConfig[id=" + workerId + ", authority=" + grpcAuthority + ", registry=" + dockerRegistry
        + ", registryUser=" + registryUsername + ", registryPassword=" + (registryPassword.isEmpty() ? "" : "<redacted>")
        + ", machineCredential=" + (machineCredential.isEmpty() ? "" : "<redacted>") + "]";
  }

  public static String usage() {
    return """
        Usage: osie-agent [--name=value ...]   (also tink-worker's variables, and /proc/cmdline)
          --id=HARDWARE_ID                  (ID, WORKER_ID; worker_id=)        required
          --tinkerbell-grpc-authority=H:P   (TINKERBELL_GRPC_AUTHORITY; grpc_authority=)   required
          --tinkerbell-tls=true             (TINKERBELL_TLS; tinkerbell_tls=)
          --tinkerbell-cert-url=URL         fetch the CA to trust from here (TINKERBELL_CERT_URL; grpc_cert_url=)
          --tinkerbell-ca-sha256=HEX        and refuse it unless its SHA-256 is this (tink_ca_sha256=)
          --tinkerbell-ca-file=PEM          or trust this CA file; with neither, the system's CAs
          --machine-credential=CRED         sent with every call to tink-server (MACHINE_CREDENTIAL;
                                            machine_credential=, minted by Boots for each boot)
          --docker-registry=HOST[:PORT]     prefix for action images (DOCKER_REGISTRY; docker_registry=)
          --registry-username, --registry-password   (REGISTRY_USERNAME, REGISTRY_PASSWORD)
          --docker-host=unix:///var/run/docker.sock
          --data-dir=/worker                each workflow's data folder, bound at /workflow
          --retry-interval=3s               first wait after tink-server does not answer (it doubles to 30s)
          --max-file-size=10485760          largest workflow data sent back
          --privilege-mode=auto             full, all-allowed-caps (hosts that refuse full privilege), or auto
          --syslog-host=HOST                where action logs go over syslog (syslog_host=)
          --capture-action-logs=true
          --cmdline=/proc/cmdline
        """;
  }
}
