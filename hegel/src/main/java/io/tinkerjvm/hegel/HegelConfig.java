package io.tinkerjvm.hegel;

import io.tinkerjvm.hegel.metadata.CustomEndpoint;
import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.tls.Tls;
import io.tinkerjvm.runtime.http.TrustedProxies;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hegel's settings: flags like {@code --http-port=50061} or variables like {@code HEGEL_HTTP_PORT}.
 * Tinkerbell's variables (TINKERBELL_GRPC_AUTHORITY, TINKERBELL_TLS, TRUSTED_PROXIES, CUSTOM_ENDPOINTS,
 * DATA_MODEL_VERSION) are honoured.
 */
public record HegelConfig(
    InetAddress httpAddress,
    int httpPort,
    int httpThreads,
    String grpcAuthority,
    boolean tinkerbellTls,
    TrustedProxies trustedProxies,
    List<CustomEndpoint> customEndpoints,
    Path machineKeyFile,
    boolean requireCredential,
    boolean requireImdsToken,
    Tls.ClientSettings tinkTls) {

  public static final List<String> SETTINGS = List.of("http-address", "http-port", "http-threads", "tinkerbell-grpc-authority",
      "tinkerbell-tls", "trusted-proxies", "http-custom-endpoints", "data-model-version", "machine-key-file",
      "require-credential", "imds-token", "data-dir", "tinkerbell-ca-file", "tls-dir", "tls-cert-file", "tls-key-file",
      "help");

  public static HegelConfig load(Map<String, String> env, String... args) {
    Config c = Config.load("HEGEL_", env, args);
    List<String> unknown = c.unknownFlags(SETTINGS);
    if (!unknown.isEmpty()) {
      throw new Config.ConfigException("unknown setting --" + unknown.getFirst() + "; see --help");
    }
    String model = c.string("data-model-version", "1", "DATA_MODEL_VERSION");
    if (!model.equals("1")) {
      throw new Config.ConfigException("data-model-version: only Tinkerbell's hardware model (1) is served, got '"
          + model + "'");
    }
    Path dataDir = Path.of(c.string("data-dir", Config.defaultDataDir(env)));
    Path keyFile = Path.of(c.string("machine-key-file", dataDir.resolve("machine.key").toString()));
    boolean requireCredential = c.bool("require-credential", false);
    Tls.ClientSettings tinkTls = Tls.clientSettings(c, dataDir, "tinkerbell-tls", "tinkerbell-ca-file", "TINKERBELL_TLS");
    String token = c.string("imds-token", "optional").toLowerCase(Locale.ROOT);
    if (!token.equals("optional") && !token.equals("required")) {
      throw new Config.ConfigException("imds-token must be optional or required, got '" + token + "'");
    }
    int threads = c.integer("http-threads", 0);
    if (threads < 0 || threads > 256) {
      throw new Config.ConfigException("http-threads must be from 1 to 256, or 0 for half the cores; got " + threads);
    }
    return new HegelConfig(
        c.address("http-address", "0.0.0.0"),
        c.port("http-port", 50061),
        // half the cores: the provisioner also runs tink-server, Boots and Postgres, and a loop thread that
        // the kernel preempts stalls all its connections (the p99 in docs/benchmarks.md)
        threads == 0 ? Math.max(1, Runtime.getRuntime().availableProcessors() / 2) : threads,
        c.string("tinkerbell-grpc-authority", "127.0.0.1:42113", "TINKERBELL_GRPC_AUTHORITY"),
        tinkTls.enabled(),
        TrustedProxies.parse("trusted-proxies", c.string("trusted-proxies", "", "TRUSTED_PROXIES")),
        CustomEndpoint.parseAll("http-custom-endpoints",
            c.string("http-custom-endpoints", CustomEndpoint.DEFAULT, "CUSTOM_ENDPOINTS")),
        keyFile, requireCredential, token.equals("required"), tinkTls);
  }

  public static String usage() {
    return """
        Usage: hegel [--name=value ...]   (or the environment variable HEGEL_<NAME>)
          --http-port=50061 --http-address=0.0.0.0
          --http-threads=0               event-loop threads serving HTTP (0: half the cores, at least 1)
          --tinkerbell-grpc-authority=127.0.0.1:42113   where tink-server is (TINKERBELL_GRPC_AUTHORITY)
          --tinkerbell-tls=true          TLS to tink-server (TINKERBELL_TLS)
          --tinkerbell-ca-file=PEM       the CA to trust (default DATA/tls/ca.pem when it is there, else the system's)
          --data-dir=~/.local/share/tinkerjvm  --tls-dir=DATA/tls  --tls-cert-file, --tls-key-file
          --trusted-proxies=CIDR,...     peers whose X-Forwarded-For is believed (TRUSTED_PROXIES)
          --http-custom-endpoints=JSON   path to filter, default {"/metadata":".metadata.instance","/hardware":"."}
                                         (CUSTOM_ENDPOINTS; a filter is '.' or a key path like .metadata.instance)
          --machine-key-file=DATA/machine.key  the key Boots mints machine credentials with (same file on
                                         both; made on first start)
          --require-credential=false     refuse (401) a request without the asking machine's credential
          --imds-token=optional          or required: EC2 paths need an IMDSv2 session token
        """;
  }
}
