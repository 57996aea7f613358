package io.tinkerjvm.boots;

import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.tls.Tls;
import io.tinkerjvm.runtime.http.TrustedProxies;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Boots' settings: flags like {@code --dhcp-mode=proxy} or environment variables like {@code
 * BOOTS_DHCP_MODE}. Tinkerbell's variables (PUBLIC_IP, TINKERBELL_GRPC_AUTHORITY, DOCKER_REGISTRY, ...)
 * are honoured.
 */
public record BootsConfig(
    InetAddress bindAddress,
    Inet4Address publicIp,
    String publicFqdn,
    String syslogHost,
    DhcpMode dhcpMode,
    InetAddress dhcpAddress,
    int dhcpPort,
    int dhcpProxyPort,
    Duration leaseTime,
    List<Inet4Address> dnsServers,
    String domainName,
    InetAddress tftpAddress,
    int tftpPort,
    int tftpMaxBlockSize,
    int tftpMaxWindow,
    int tftpMaxPerClient,
    Path ipxeDir,
    InetAddress httpAddress,
    int httpPort,
    Path osieDir,
    String osieUrl,
    InetAddress syslogAddress,
    int syslogPort,
    Path hardwareFile,
    String grpcAuthority,
    boolean tinkerbellTls,
    String facility,
    String tinkWorkerImage,
    String dockerRegistry,
    String registryUsername,
    String registryPassword,
    String extraKernelArgs,
    TrustedProxies trustedProxies,
    Path machineKeyFile,
    Tls.ClientSettings tinkTls) {

  public enum DhcpMode { RESERVATION, PROXY, OFF }

  public static final List<String> SETTINGS = List.of("bind-address", "public-ip", "public-fqdn", "syslog-host",
      "dhcp-mode", "dhcp-address", "dhcp-port", "dhcp-proxy-port", "dhcp-lease-time", "dns-servers", "domain-name",
      "tftp-address", "tftp-port", "tftp-max-block-size", "tftp-max-window", "tftp-max-per-client", "ipxe-dir", "http-address", "http-port",
      "osie-dir", "osie-url", "mirror-base-url", "syslog-address", "syslog-port", "backend", "hardware-file",
      "tinkerbell-grpc-authority", "tinkerbell-tls", "facility", "tink-worker-image", "docker-registry",
      "registry-username", "registry-password", "extra-kernel-args", "trusted-proxies", "machine-key-file",
      "data-dir", "tinkerbell-ca-file", "tls-dir", "tls-cert-file", "tls-key-file", "help");

  public static BootsConfig load(Map<String, String> env, String... args) {
    Config c = Config.load("BOOTS_", env, args);
    List<String> unknown = c.unknownFlags(SETTINGS);
    if (!unknown.isEmpty()) {
      throw new Config.ConfigException("unknown setting --" + unknown.getFirst() + "; see --help");
    }
    InetAddress bind = c.address("bind-address", "0.0.0.0");
    Inet4Address publicIp = c.find("public-ip", "PUBLIC_IP").map(v -> ipv4("public-ip", v)).orElseGet(BootsConfig::guessPublicIp);
    String fqdn = c.string("public-fqdn", publicIp.getHostAddress(), "PUBLIC_FQDN");
    String backend = c.string("backend", c.find("hardware-file").isPresent() ? "file" : "tink").toLowerCase(Locale.ROOT);
    Path hardwareFile = c.find("hardware-file").map(Path::of).orElse(null);
    if (backend.equals("file") && hardwareFile == null) {
      throw new Config.ConfigException("backend=file needs --hardware-file=<path to hardware JSON or YAML>");
    }
    if (!backend.equals("file") && !backend.equals("tink")) {
      throw new Config.ConfigException("backend must be tink or file, got '" + backend + "'");
    }
    if (backend.equals("tink")) {
      hardwareFile = null;
    }
    String mode = c.string("dhcp-mode", "reservation").toUpperCase(Locale.ROOT);
    DhcpMode dhcpMode;
    try {
      dhcpMode = DhcpMode.valueOf(mode);
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException("dhcp-mode must be reservation, proxy or off, got '" + mode.toLowerCase(Locale.ROOT) + "'");
    }
    // null: OSIE is at /osie/ on Boots' own HTTP port, known once it listens
    String osieUrl = c.find("osie-url").orElseGet(() -> c.find("mirror-base-url", "MIRROR_BASE_URL")
        .map(m -> m + "/misc/osie/current").orElse(null));
    String password = c.string("registry-password", "", "REGISTRY_PASSWORD");
    String user = c.string("registry-username", "", "REGISTRY_USERNAME");
    if (!user.isEmpty() && password.isEmpty()) {
      throw new Config.ConfigException("registry-username is set but registry-password is not");
    }
    Path dataDir = Path.of(c.string("data-dir", Config.defaultDataDir(env)));
    Tls.ClientSettings tinkTls = Tls.clientSettings(c, dataDir, "tinkerbell-tls", "tinkerbell-ca-file", "TINKERBELL_TLS");
    return new BootsConfig(
        bind, publicIp, fqdn,
        c.string("syslog-host", publicIp.getHostAddress(), "PUBLIC_SYSLOG_FQDN", "PUBLIC_SYSLOG_IP"),
        dhcpMode,
        c.address("dhcp-address", bind.getHostAddress()),
        c.port("dhcp-port", 67), c.port("dhcp-proxy-port", 4011),
        c.find("dhcp-lease-time", "DHCP_LEASE_TIME").map(v -> Config.of("", Map.of("dhcp-lease-time", v))
            .duration("dhcp-lease-time", Duration.ZERO)).orElse(Duration.ofHours(48)),
        ipv4List(c, "dns-servers"), c.string("domain-name", ""),
        c.address("tftp-address", bind.getHostAddress()), c.port("tftp-port", 69),
        c.integer("tftp-max-block-size", 65464), c.integer("tftp-max-window", 64),
        c.integer("tftp-max-per-client", 16),
        Path.of(c.string("ipxe-dir", "/usr/lib/ipxe")),
        c.address("http-address", bind.getHostAddress()), c.port("http-port", 8080),
        c.find("osie-dir").map(Path::of).orElse(null), osieUrl,
        c.address("syslog-address", bind.getHostAddress()), c.port("syslog-port", 514),
        hardwareFile,
        c.string("tinkerbell-grpc-authority", "127.0.0.1:42113", "TINKERBELL_GRPC_AUTHORITY"),
        tinkTls.enabled(),
        c.string("facility", "onprem", "FACILITY_CODE"),
        c.string("tink-worker-image", "", "TINK_WORKER_IMAGE"),
        c.string("docker-registry", "", "DOCKER_REGISTRY"),
        user, password,
        c.string("extra-kernel-args", ""),
        TrustedProxies.parse("trusted-proxies", c.string("trusted-proxies", "", "TRUSTED_PROXIES")),
        Path.of(c.string("machine-key-file", dataDir.resolve("machine.key").toString())),
        tinkTls);
  }

  private static Inet4Address ipv4(String name, String v) {
    byte[] literal = TrustedProxies.literal(v.trim());
    if (literal == null || literal.length != 4) {
      throw new Config.ConfigException(name + " must be an IPv4 address, got '" + v + "'");
    }
    try {
      return (Inet4Address) InetAddress.getByAddress(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("four bytes are always an address", e);
    }
  }

  private static List<Inet4Address> ipv4List(Config c, String name) {
    List<Inet4Address> out = new ArrayList<>();
    for (String s : c.string(name, "").split(",")) {
      if (!s.isBlank()) {
        out.add(ipv4(name, s.trim()));
      }
    }
    return List.copyOf(out);
  }

  /** The first IPv4 address of an interface that is up and not loopback, when none is configured. */
  private static Inet4Address guessPublicIp() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address v4) {
            return v4;
          }
        }
      }
    } catch (SocketException e) {
      // fall through to the error below
    }
    throw new Config.ConfigException("no IPv4 address found for public-ip: set --public-ip (or PUBLIC_IP) to the "
        + "address machines reach Boots at");
  }

  @Override
  public String toString() {
    return "BootsConfig[publicIp=" + publicIp.getHostAddress() + ", dhcpMode=" + dhcpMode + ", registryPassword="
        + (registryPassword.isEmpty() ? "" : "<redacted>") + "]";
  }

  public static String usage() {
    return """
        Usage: boots [--name=value ...]   (or the environment variable BOOTS_<NAME>)
          --public-ip=IP                 address machines reach Boots at: DHCP server id, TFTP, HTTP (PUBLIC_IP)
          --public-fqdn=NAME             host name in the script URLs (PUBLIC_FQDN; default: public-ip)
          --syslog-host=HOST             syslog_host on the kernel command line (PUBLIC_SYSLOG_FQDN; default: public-ip)
          --bind-address=0.0.0.0         address every listener binds unless its own is given
          --dhcp-mode=reservation        reservation (answer known MACs with their address), proxy (PXE only,
                                         another server hands out addresses) or off
          --dhcp-port=67 --dhcp-proxy-port=4011 --dhcp-address=ADDR
          --dhcp-lease-time=48h          lease when the hardware record has no lease_time (DHCP_LEASE_TIME)
          --dns-servers=IP,IP            option 6 when the hardware record has no name_servers (default: none)
          --domain-name=NAME             option 15
          --tftp-port=69 --tftp-address=ADDR --tftp-max-block-size=65464 --tftp-max-window=64
          --tftp-max-per-client=16       transfers at once from one address; more requests wait for a slot
          --ipxe-dir=/usr/lib/ipxe       iPXE binaries served over TFTP and at /ipxe/ (Debian's ipxe package)
          --http-port=8080 --http-address=ADDR
          --osie-dir=DIR                 serve OSIE's kernel and initramfs at /osie/ (optional)
          --osie-url=URL                 where scripts load OSIE from (default: http://<public-fqdn>:<http-port>/osie,
                                         or MIRROR_BASE_URL/misc/osie/current)
          --syslog-port=514 --syslog-address=ADDR
          --backend=tink|file            hardware from tink-server (default) or from a file
          --hardware-file=PATH           Tinkerbell hardware JSON or YAML (array or documents); reloaded on change
          --tinkerbell-grpc-authority=127.0.0.1:42113   (TINKERBELL_GRPC_AUTHORITY)
          --tinkerbell-tls=true          TLS to tink-server, and tinkerbell_tls= for the machines (TINKERBELL_TLS)
          --tinkerbell-ca-file=PEM       the CA to trust for it (default DATA/tls/ca.pem when it is there, else
                                         the system's); machines get it from /ca.pem, pinned by its SHA-256
          --data-dir=~/.local/share/tinkerjvm  --tls-dir=DATA/tls  --tls-cert-file, --tls-key-file
                                         Boots' client certificate (issued from the CA folder when it can)
          --facility=onprem              (FACILITY_CODE)
          --tink-worker-image=REF --docker-registry=HOST (DOCKER_REGISTRY)
          --registry-username=U --registry-password=P   (REGISTRY_USERNAME / REGISTRY_PASSWORD)
          --extra-kernel-args=ARGS       appended to OSIE's kernel command line
          --trusted-proxies=CIDR,...     peers whose X-Forwarded-For is believed (TRUSTED_PROXIES)
          --machine-key-file=DATA/machine.key  mint a credential for each boot (machine_credential= on the
                                         kernel command line); tink-server and Hegel check it with the same
                                         file (made on first start)
        """;
  }
}
