package io.tinkerjvm.tink;

import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.tls.Tls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * tink-server's settings: flags like {@code --grpc-port=42113} or environment variables like
 * {@code TINK_GRPC_PORT}. Tinkerbell's PG* variables and MAX_WORKFLOW_DATA_VERSIONS are honoured.
 */
public record TinkServerConfig(
    String bindAddress,
    int grpcPort,
    int httpPort,
    String dbUrl,
    String dbUser,
    String dbPassword,
    int dbPoolSize,
    Path dataDir,
    int embeddedDbPort,
    int workflowDataVersions,
    Duration deadlineCheckInterval,
    boolean onlyMigration,
    String pbnjAuthority,
    Path bmcKeyFile,
    boolean bmcKeyFileGiven,
    String bmcKey,
    Duration bmcStepTimeout,
    Tls.ServerSettings tls,
    Tls.ClientSettings pbnjTls,
    Path machineKeyFile,
    Duration machineCredentialLifetime,
    boolean workerCredentialRequired) {

  public static final List<String> SETTINGS = Stream.of(List.of("bind-address", "grpc-port", "http-port", "db-url",
      "db-user", "db-password", "db-pool-size", "data-dir", "embedded-db-port", "workflow-data-versions",
      "deadline-check-interval", "only-migration", "pbnj-authority", "bmc-key-file", "bmc-step-timeout",
      "machine-key-file", "machine-credential-lifetime", "worker-credential", "help"), Tls.SERVER_SETTINGS,
      Tls.clientSettings("pbnj-tls", "pbnj-ca-file")).flatMap(List::stream).distinct().toList();

  public static TinkServerConfig load(Map<String, String> env, String... args) {
    Config c = Config.load("TINK_", env, args);
    List<String> unknown = c.unknownFlags(SETTINGS);
    if (!unknown.isEmpty()) {
      throw new Config.ConfigException("unknown setting --" + unknown.getFirst() + "; known: " + SETTINGS);
    }
    String url = c.find("db-url").orElseGet(() -> legacyPgUrl(env));
    Path dataDir = Path.of(c.string("data-dir", Config.defaultDataDir(env)));
    String pbnj = c.string("pbnj-authority", "").trim();
    if (!pbnj.isEmpty() && !pbnj.matches("[A-Za-z0-9.\\[\\]:_-]+:\\d{1,5}")) {
      throw new Config.ConfigException("pbnj-authority must be host:port (like 127.0.0.1:50051), got '" + pbnj + "'");
    }
    Duration stepTimeout = c.duration("bmc-step-timeout", Duration.ofMinutes(3));
    if (stepTimeout.isNegative() || stepTimeout.isZero()) {
      throw new Config.ConfigException("bmc-step-timeout must be longer than zero");
    }
    String workerCredential = c.string("worker-credential", "required").trim().toLowerCase();
    if (!workerCredential.equals("required") && !workerCredential.equals("optional")) {
      throw new Config.ConfigException("worker-credential must be required or optional, got '" + workerCredential + "'");
    }
    Duration lifetime = c.duration("machine-credential-lifetime", MachineCredentials.DEFAULT_LIFETIME);
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new Config.ConfigException("machine-credential-lifetime must be longer than zero");
    }
    return new TinkServerConfig(
        c.string("bind-address", "0.0.0.0"),
        c.integer("grpc-port", 42113),
        c.integer("http-port", 42114),
        url,
        c.string("db-user", null, "PGUSER"),
        c.string("db-password", null, "PGPASSWORD"),
        c.integer("db-pool-size", 20),
        dataDir,
        c.integer("embedded-db-port", 0),
        c.integer("workflow-data-versions", 3, "MAX_WORKFLOW_DATA_VERSIONS"),
        c.duration("deadline-check-interval", Duration.ofSeconds(1)),
        c.bool("only-migration", false, "ONLY_MIGRATION"),
        pbnj.isEmpty() ? null : pbnj,
        Path.of(c.string("bmc-key-file", dataDir.resolve("bmc.key").toString())),
        c.find("bmc-key-file").isPresent(),
        // the key itself only from the environment: a flag would show in the process list
        env.get("TINK_BMC_KEY"),
        stepTimeout,
        Tls.serverSettings(c, dataDir),
        Tls.clientSettings(c, dataDir, "pbnj-tls", "pbnj-ca-file"),
        Path.of(c.string("machine-key-file", dataDir.resolve("machine.key").toString())),
        lifetime,
        workerCredential.equals("required"));
  }

  /** Tinkerbell's deployments set PGHOST and friends; with PGHOST present we build the URL from them. */
  private static String legacyPgUrl(Map<String, String> env) {
    String host = env.get("PGHOST");
    if (host == null || host.isBlank()) {
      return null;
    }
    String port = env.getOrDefault("PGPORT", "5432");
    String db = env.getOrDefault("PGDATABASE", "tinkerbell");
    String ssl = env.getOrDefault("PGSSLMODE", "disable");
    return "jdbc:postgresql://" + host + ":" + port + "/" + db + "?sslmode=" + ssl;
  }

  /** The JDBC URL with any password parameter masked, for logs. */
  public static String redact(String jdbcUrl) {
    return jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  public static String usage() {
    return """
        Usage: tink-server [--name=value ...]   (or the environment variable TINK_<NAME>)
          --bind-address=0.0.0.0        address to listen on
          --grpc-port=42113             Tinkerbell gRPC API (hardware, templates, workflows)
          --http-port=42114             /healthz, /version, /metrics
          --db-url=jdbc:postgresql://…  external Postgres (also PGHOST/PGPORT/PGDATABASE/PGSSLMODE);
                                        without one, an embedded Postgres runs in --data-dir
          --db-user, --db-password      (also PGUSER, PGPASSWORD)
          --data-dir=~/.local/share/tinkerjvm
          --workflow-data-versions=3    versions of workflow data that keep their bytes
          --deadline-check-interval=1s  how often overrun actions are ended as TIMEOUT
          --only-migration              apply database migrations and exit
          --pbnj-authority=host:50051   PBnJ, to netboot a workflow's machines through their BMCs
                                        (metadata.bmc) and boot them from disk when it succeeds
          --bmc-key-file=DATA/bmc.key   the key BMC passwords are sealed with (made on first start);
                                        or TINK_BMC_KEY=<base64 of 32 bytes>
          --bmc-step-timeout=3m         how long one PBnJ step (boot device, power cycle) may take
        Security (docs/security.md):
          --tls=on                      on: TLS with a certificate from the CA in --tls-dir (made on first
                                        start); mutual: the operator API also needs a client certificate
                                        from that CA; off: plaintext
          --tls-dir=DATA/tls            the CA (ca.pem, ca-key.pem) and the certificates issued from it
          --tls-cert-file, --tls-key-file  your own certificate and key (PEM) instead of an issued one
          --tls-ca-file=DATA/tls/ca.pem the CA whose client certificates are trusted
          --tls-san=name,ip             more names for the issued certificate (this host's are in it)
          --machine-key-file=DATA/machine.key  the key machine credentials are checked with; Boots mints
                                        them with the same file (made on first start)
          --machine-credential-lifetime=24h  how long a machine's credential lasts from its boot
          --worker-credential=required  worker calls need the machine's credential or a client certificate;
                                        optional lets a stock tink-worker in without one
          --pbnj-tls=true, --pbnj-ca-file  TLS to PBnJ, trusting DATA/tls/ca.pem when it is there
        """;
  }
}
