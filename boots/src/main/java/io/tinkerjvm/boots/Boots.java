package io.tinkerjvm.boots;

import io.grpc.Grpc;
import io.tinkerjvm.runtime.tls.CertificateAuthority;
import io.tinkerjvm.runtime.tls.Tls;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tinkerjvm.boots.dhcp.ClientArch;
import io.tinkerjvm.boots.dhcp.DhcpHandler;
import io.tinkerjvm.boots.dhcp.DhcpServer;
import io.tinkerjvm.boots.dhcp.DhcpSettings;
import io.tinkerjvm.boots.dhcp.ProxyHandler;
import io.tinkerjvm.boots.dhcp.ReservationHandler;
import io.tinkerjvm.boots.files.FileRoot;
import io.tinkerjvm.boots.hardware.FileHardwareSource;
import io.tinkerjvm.boots.hardware.HardwareSource;
import io.tinkerjvm.boots.hardware.TinkHardwareSource;
import io.tinkerjvm.boots.http.BootsHttpHandler;
import io.tinkerjvm.boots.ipxe.ScriptSettings;
import io.tinkerjvm.boots.syslog.SyslogServer;
import io.tinkerjvm.boots.tftp.TftpServer;
import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.ServiceProcess;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.http.StatusHttpServer;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Boots' process: owns start-up order and shutdown of the DHCP, TFTP, HTTP and syslog servers. */
public final class Boots implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Boots.class);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private EventLoopGroup loops;
  private HardwareSource hardware;
  private DhcpServer dhcp;
  private TftpServer tftp;
  private StatusHttpServer http;
  private SyslogServer syslog;
  private Set<String> binaries = Set.of();

  private Boots() {}

  /**
   * The CA machines are to trust for tink-server, served at /ca.pem and read again when the file changes (it
   * may not be there yet when Boots starts beside tink-server); null when TLS is off or the system CAs serve.
   */
  private static java.util.function.Supplier<ScriptSettings.TinkCa> tinkCa(Tls.Client tls, String httpBase) {
    if (!tls.enabled() || tls.caFile() == null) {
      return null;
    }
    java.nio.file.Path file = tls.caFile();
    Object[] cache = new Object[2];   // the file's time, the TinkCa made from it
    return () -> {
      synchronized (cache) {
        try {
          if (!java.nio.file.Files.isReadable(file)) {
            return null;
          }
          var modified = java.nio.file.Files.getLastModifiedTime(file);
          if (!modified.equals(cache[0])) {
            String pem = java.nio.file.Files.readString(file);
            String sha256 = CertificateAuthority.fingerprint(CertificateAuthority.readCertificate(file));
            cache[1] = new ScriptSettings.TinkCa(httpBase + "/ca.pem", sha256, pem);
            cache[0] = modified;
          }
          return (ScriptSettings.TinkCa) cache[1];
        } catch (java.io.IOException | RuntimeException e) {
          log.warn("cannot read the CA {} for the machines: {}", file, e.getMessage());
          return (ScriptSettings.TinkCa) cache[1];
        }
      }
    };
  }

  public static Boots start(BootsConfig config) {
    return start(config, null);
  }

  /** @param syslogSink also receives each syslog line (tests); may be null */
  public static Boots start(BootsConfig config, Consumer<SyslogServer.Received> syslogSink) {
    Boots boots = new Boots();
    try {
      boots.startParts(config, syslogSink);
      return boots;
    } catch (RuntimeException e) {
      boots.close();
      throw e;
    }
  }

  private void startParts(BootsConfig config, Consumer<SyslogServer.Received> syslogSink) {
    // dhcp4java reports every odd packet through java.util.logging; we count and log drops ourselves.
    java.util.logging.Logger.getLogger("org.dhcp4java").setLevel(Level.OFF);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);

    Tls.Client tinkTls = config.tinkTls().open("boots");
    if (config.hardwareFile() != null) {
      hardware = FileHardwareSource.open(config.hardwareFile());
    } else {
      ManagedChannel channel = Grpc.newChannelBuilder(config.grpcAuthority(), tinkTls.credentials()).build();
      resources.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
      hardware = new TinkHardwareSource(channel);
    }
    resources.add(hardware);
    Gauge.builder("boots.hardware.interfaces", hardware, HardwareSource::size)
        .description("interfaces Boots knows").register(registry);

    loops = new MultiThreadIoEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
        NioIoHandler.newFactory());
    resources.add(() -> loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
    // DHCP gets a loop of its own: TFTP's file opens and syslog's bursts never delay an address.
    EventLoopGroup dhcpLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    resources.add(() -> dhcpLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());

    FileRoot ipxe = new FileRoot(config.ipxeDir());
    binaries = ipxe.topLevelFiles();
    for (String wanted : List.of(ClientArch.UNDIONLY, ClientArch.IPXE_EFI, ClientArch.SNP_EFI)) {
      if (!binaries.contains(wanted)) {
        log.warn("{} is not in {}: {} clients get no boot file{}", wanted, config.ipxeDir(),
            wanted.equals(ClientArch.SNP_EFI) ? "ARM UEFI" : wanted.equals(ClientArch.IPXE_EFI) ? "x86 UEFI" : "BIOS",
            wanted.equals(ClientArch.SNP_EFI) ? " (Debian's ipxe package has no ARM build; put an arm64 snp.efi there)" : "");
      }
    }

    // HTTP first: with an ephemeral port, the script and OSIE URLs need the port it got.
    HttpHandlerHolder holder = new HttpHandlerHolder();
    http = StatusHttpServer.start(config.httpAddress().getHostAddress(), config.httpPort(), versionJson(), registry,
        hardware::healthProblem, Map.of("/", holder));
    resources.add(http);
    String httpBase = "http://" + config.publicFqdn() + (http.port() == 80 ? "" : ":" + http.port());
    if ((httpBase + "/00:00:00:00:00:00/auto.ipxe").length() > 127) {
      // the DHCP file field holds 128 bytes with its terminating NUL
      throw new Config.ConfigException("public-fqdn is too long: the script URL " + httpBase
          + "/<mac>/auto.ipxe must fit the 127 bytes of the DHCP file field");
    }
    ScriptSettings script = new ScriptSettings("http://" + config.publicFqdn(), config.syslogHost(),
        config.grpcAuthority(), config.tinkerbellTls(), config.facility(),
        config.osieUrl() != null ? config.osieUrl() : httpBase + "/osie",
        config.tinkWorkerImage(), config.dockerRegistry(), config.registryUsername(), config.registryPassword(),
        config.extraKernelArgs(),
        MachineCredentials.fromKeyFileOrNew("machine-key-file", config.machineKeyFile()), tinkCa(tinkTls, httpBase));
    FileRoot osie = config.osieDir() == null ? null : new FileRoot(config.osieDir());
    holder.handler = new BootsHttpHandler(hardware, script, ipxe, osie, config.trustedProxies(), registry);

    if (config.dhcpMode() != BootsConfig.DhcpMode.OFF) {
      DhcpSettings settings = new DhcpSettings(config.publicIp(), httpBase, syslogIp(config),
          config.leaseTime().toSeconds(), List.copyOf(config.dnsServers()), config.domainName(), binaries);
      DhcpHandler handler = config.dhcpMode() == BootsConfig.DhcpMode.PROXY
          ? new ProxyHandler(hardware, settings) : new ReservationHandler(hardware, settings);
      dhcp = DhcpServer.start(dhcpLoop, config.dhcpAddress(), config.dhcpPort(),
          config.dhcpMode() == BootsConfig.DhcpMode.PROXY ? config.dhcpProxyPort() : -1,
          config.publicIp(), handler, hardware, registry);
      resources.add(dhcp);
    }

    TftpServer.Settings tftpSettings;
    try {
      tftpSettings = new TftpServer.Settings(config.tftpMaxBlockSize(), config.tftpMaxWindow(),
          TftpServer.Settings.defaults().timeout(), TftpServer.Settings.defaults().retries(),
          config.tftpMaxPerClient());
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException(e.getMessage());
    }
    tftp = TftpServer.start(loops, config.tftpAddress(), config.tftpPort(), ipxe, tftpSettings, registry);
    resources.add(tftp);

    syslog = SyslogServer.start(loops, config.syslogAddress(), config.syslogPort(), hardware, registry, syslogSink);
    resources.add(syslog);

  }

  /** Lets the HTTP server listen before its handler, which needs the port, exists. */
  private static final class HttpHandlerHolder implements com.sun.net.httpserver.HttpHandler {
    volatile com.sun.net.httpserver.HttpHandler handler;

    @Override
    public void handle(com.sun.net.httpserver.HttpExchange exchange) throws java.io.IOException {
      com.sun.net.httpserver.HttpHandler h = handler;
      if (h == null) {
        exchange.sendResponseHeaders(503, -1);
        exchange.close();
      } else {
        h.handle(exchange);
      }
    }
  }

  /** Option 7 for iPXE: the syslog host when it is an address (a name cannot go in an address option). */
  private static Inet4Address syslogIp(BootsConfig config) {
    String host = config.syslogHost();
    if (host.equals(config.publicIp().getHostAddress())) {
      return config.publicIp();
    }
    try {
      return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") ? (Inet4Address) Inet4Address.getByName(host) : null;
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  public int dhcpPort() {
    return dhcp == null ? -1 : dhcp.port();
  }

  public int dhcpProxyPort() {
    return dhcp == null ? -1 : dhcp.proxyPort();
  }

  public int tftpPort() {
    return tftp.port();
  }

  public int httpPort() {
    return http.port();
  }

  public int syslogPort() {
    return syslog.port();
  }

  public Set<String> binaries() {
    return binaries;
  }

  private static String versionJson() {
    return "{\"name\":\"boots\",\"version\":\"" + version() + "\"}";
  }

  static String version() {
    String v = Boots.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public void close() {
    ServiceProcess.closeAll(resources);
  }

  public static void main(String[] args) throws InterruptedException {
    ServiceProcess.main("boots", args, BootsConfig::usage, BootsConfig::load, Boots::start, (config, boots) -> {
      String ip = config.publicIp().getHostAddress();
      System.out.println("boots " + version() + " is up (public address " + ip + ")");
      if (config.dhcpMode() != BootsConfig.DhcpMode.OFF) {
        System.out.println("  DHCP    " + config.dhcpMode().name().toLowerCase() + " mode on "
            + config.dhcpAddress().getHostAddress() + ":" + boots.dhcpPort()
            + (config.dhcpMode() == BootsConfig.DhcpMode.PROXY ? " and :" + boots.dhcpProxyPort() : ""));
      } else {
        System.out.println("  DHCP    off");
      }
      System.out.println("  TFTP    " + config.tftpAddress().getHostAddress() + ":" + boots.tftpPort() + " serving "
          + config.ipxeDir() + " " + boots.binaries());
      System.out.println("  HTTP    " + config.httpAddress().getHostAddress() + ":" + boots.httpPort()
          + "  /auto.ipxe  /<mac>/auto.ipxe  /ipxe/  /healthz  /metrics");
      System.out.println("  syslog  " + config.syslogAddress().getHostAddress() + ":" + boots.syslogPort());
      System.out.println("  hardware " + (config.hardwareFile() != null ? "from " + config.hardwareFile()
          : "from tink-server at " + config.grpcAuthority()));
      return true;
    });
  }
}
