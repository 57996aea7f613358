package io.tinkerjvm.pbnj;

import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.tls.Tls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** PBnJ's settings: flags like {@code --grpc-port=50051} or variables like {@code PBNJ_GRPC_PORT}. */
public record PbnjConfig(
    String bindAddress,
    int grpcPort,
    int httpPort,
    Duration taskTimeout,
    Duration requestTimeout,
    int retries,
    Duration minInterval,
    Duration powerConfirmTimeout,
    Duration cycleGrace,
    Duration taskRetention,
    int maxTasks,
    List<String> providers,
    int ipmiCipherSuite,
    String ipmitoolPath,
    String racadmPath,
    Path redfishCaFile,
    Tls.ServerSettings tls) {

  public static final List<String> PROVIDERS = List.of("ipmi", "ipmitool", "redfish", "racadm");
  /** racadm only when asked for: it takes the BMC password on its command line, where the process list shows it. */
  public static final List<String> DEFAULT_PROVIDERS = List.of("ipmi", "ipmitool", "redfish");
  public static final List<String> SETTINGS = java.util.stream.Stream.concat(Stream.of("bind-address", "grpc-port",
      "http-port", "task-timeout", "request-timeout", "retries", "min-interval", "power-confirm-timeout",
      "power-cycle-grace", "task-retention", "max-tasks", "providers", "ipmi-cipher-suite", "ipmitool-path",
      "racadm-path", "redfish-ca-file", "data-dir", "help"), Tls.SERVER_SETTINGS.stream()).toList();

  public static PbnjConfig load(Map<String, String> env, String... args) {
    Config c = Config.load("PBNJ_", env, args);
    List<String> unknown = c.unknownFlags(SETTINGS);
    if (!unknown.isEmpty()) {
      throw new Config.ConfigException("unknown setting --" + unknown.getFirst() + "; see --help");
    }
    Duration taskTimeout = positive(c, "task-timeout", Duration.ofSeconds(60));
    Duration requestTimeout = positive(c, "request-timeout", Duration.ofSeconds(10));
    int retries = c.integer("retries", 2);
    if (retries < 0 || retries > 10) {
      throw new Config.ConfigException("retries must be from 0 to 10, got " + retries);
    }
    Duration minInterval = c.duration("min-interval", Duration.ofMillis(500));
    if (minInterval.isNegative()) {
      throw new Config.ConfigException("min-interval cannot be negative");
    }
    List<String> providers = Arrays.stream(c.string("providers", String.join(",", DEFAULT_PROVIDERS)).split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String p : providers) {
      if (!PROVIDERS.contains(p)) {
        throw new Config.ConfigException("providers: unknown provider '" + p + "'; known: " + String.join(",", PROVIDERS));
      }
    }
    if (providers.isEmpty()) {
      throw new Config.ConfigException("providers: name at least one of " + String.join(",", PROVIDERS));
    }
    int suite = c.integer("ipmi-cipher-suite", 3);
    if (suite != 3 && suite != 17) {
      throw new Config.ConfigException("ipmi-cipher-suite must be 3 (HMAC-SHA1, AES-128) or 17 (HMAC-SHA256, "
          + "AES-128), got " + suite);
    }
    Path ca = c.find("redfish-ca-file").map(Path::of).orElse(null);
    if (ca != null && !Files.isReadable(ca)) {
      throw new Config.ConfigException("redfish-ca-file " + ca + " cannot be read");
    }
    return new PbnjConfig(
        c.string("bind-address", "0.0.0.0"),
        c.port("grpc-port", 50051),
        c.port("http-port", 50052),
        taskTimeout, requestTimeout, retries, minInterval,
        positive(c, "power-confirm-timeout", Duration.ofSeconds(30)),
        positive(c, "power-cycle-grace", Duration.ofSeconds(5)),
        positive(c, "task-retention", Duration.ofHours(1)),
        maxTasks(c),
        providers, suite,
        c.string("ipmitool-path", "ipmitool"),
        c.string("racadm-path", "racadm"),
        ca,
        Tls.serverSettings(c, Path.of(c.string("data-dir", Config.defaultDataDir(env)))));
  }

  private static int maxTasks(Config c) {
    int n = c.integer("max-tasks", 100_000);
    if (n < 1) {
      throw new Config.ConfigException("max-tasks must be at least 1, got " + n);
    }
    return n;
  }

  private static Duration positive(Config c, String name, Duration fallback) {
    Duration d = c.duration(name, fallback);
    if (d.isNegative() || d.isZero()) {
      throw new Config.ConfigException(name + " must be longer than zero");
    }
    return d;
  }

  public static String usage() {
    return """
        Usage: pbnj [--name=value ...]   (or the environment variable PBNJ_<NAME>)
          --grpc-port=50051 --http-port=50052 --bind-address=0.0.0.0
                                      PBnJ's api.v1 (Machine, BMC, Task) / healthz, metrics
          --providers=ipmi,ipmitool,redfish
                                      the order tried when a request names no vendor, and which run at all
                                      (add racadm to use Dell's racadm: it shows the password in the process list)
          --task-timeout=60s          a task that has not finished by then ends DEADLINE_EXCEEDED
          --request-timeout=10s       one exchange with a BMC
          --retries=2                 more attempts when a BMC does not answer
          --min-interval=500ms        pause between two operations on one BMC (one runs at a time)
          --power-confirm-timeout=30s how long a power change may take to read back
          --power-cycle-grace=5s      how long a cycled machine may read off before PBnJ powers it on
          --task-retention=1h         how long a finished task's status can be read
          --max-tasks=100000          tasks kept at once; more requests get RESOURCE_EXHAUSTED
          --ipmi-cipher-suite=3       3 or 17; never negotiated
          --ipmitool-path=ipmitool --racadm-path=racadm
          --redfish-ca-file=PEM       verify Redfish BMC certificates against these CAs (default: not verified)
          --tls=on                    TLS with a certificate issued from the CA in --tls-dir (DATA/tls, made on
                                      first start, shared with tink-server); mutual: every call needs a client
                                      certificate from that CA (tink-server presents its own); off: plaintext
          --data-dir=~/.local/share/tinkerjvm  --tls-dir=DATA/tls  --tls-cert-file, --tls-key-file,
          --tls-ca-file, --tls-san    as tink-server's (docs/security.md)
        """;
  }
}
