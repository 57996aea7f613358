package io.tinkerjvm.runtime.tls;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.tinkerjvm.runtime.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * TLS for gRPC, the same in every service. A server ({@code --tls=on}, the default) presents a certificate
 * from {@code --tls-cert-file}/{@code --tls-key-file}, or one it issues itself from the CA in
 * {@code --tls-dir} (DATA/tls, made on first start). It asks clients for a certificate and checks any it is
 * given against the CA; {@code --tls=mutual} makes one required for the operator API (the services decide,
 * since machines in the OSIE have no certificate and use their machine credential instead).
 * {@code --tls=off} is plaintext. A client trusts {@code --tinkerbell-ca-file}, else DATA/tls/ca.pem when it
 * exists, else the system's CAs, and presents its own certificate when the CA folder lets it issue one.
 */
public final class Tls {
  public enum Mode {
    OFF, ON, MUTUAL;

    static Mode parse(String value) {
      return switch (value.trim().toLowerCase()) {
        case "off", "false", "no", "0", "plaintext" -> OFF;
        case "on", "true", "yes", "1" -> ON;
        case "mutual", "mtls" -> MUTUAL;
        default -> throw new Config.ConfigException("tls must be on, off or mutual, got '" + value + "'");
      };
    }
  }

  /** The settings a gRPC server reads. */
  public static final List<String> SERVER_SETTINGS = List.of("tls", "tls-dir", "tls-cert-file", "tls-key-file",
      "tls-ca-file", "tls-san");

  /** The settings a gRPC client reads, given the names of its on/off and CA settings. */
  public static List<String> clientSettings(String tlsSetting, String caSetting) {
    return List.of(tlsSetting, caSetting, "tls-dir", "tls-cert-file", "tls-key-file");
  }

  private Tls() {}

  /** A server's TLS: off, or its certificate, its key and the CA it checks client certificates with. */
  public record Server(Mode mode, Path certFile, Path keyFile, Path caFile, String caFingerprint) {
    public ServerCredentials credentials() {
      if (mode == Mode.OFF) {
        return InsecureServerCredentials.create();
      }
      try {
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(certFile.toFile(), keyFile.toFile());
        if (caFile != null) {
          // OPTIONAL at the handshake: a certificate that is given must verify, and the services see who
          // presented one (CallerIdentity); a machine without one still connects with its credential
          b.trustManager(caFile.toFile()).clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL);
        }
        return b.build();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the TLS certificate " + certFile + " or key " + keyFile
            + ": " + e.getMessage(), e);
      }
    }

    public boolean enabled() {
      return mode != Mode.OFF;
    }

    /** One line for the start-up banner. */
    public String describe() {
      return switch (mode) {
        case OFF -> "plaintext (--tls=off)";
        case ON -> "TLS, certificate " + certFile + (caFile == null ? "" : ", CA " + caFile);
        case MUTUAL -> "mutual TLS: operator calls need a client certificate from " + caFile;
      };
    }
  }

  /**
   * A client's TLS: off, or the CA it trusts (null: the system's) and its own certificate (may be null).
   * With {@code followFolder}, {@code caFile} is the data folder's, read at each handshake (FolderTrust), so
   * that it is trusted from the moment a server makes it.
   */
  public record Client(boolean enabled, Path caFile, Path certFile, Path keyFile, boolean followFolder) {
    public static final Client PLAINTEXT = new Client(false, null, null, null, false);

    public Client(boolean enabled, Path caFile, Path certFile, Path keyFile) {
      this(enabled, caFile, certFile, keyFile, false);
    }

    public ChannelCredentials credentials() {
      if (!enabled) {
        return InsecureChannelCredentials.create();
      }
      try {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        if (followFolder) {
          b.trustManager(new FolderTrust(caFile));
        } else if (caFile != null) {
          b.trustManager(caFile.toFile());
        }
        if (certFile != null) {
          b.keyManager(certFile.toFile(), keyFile.toFile());
        }
        return b.build();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read TLS files (" + caFile + ", " + certFile + "): " + e.getMessage(), e);
      }
    }

    public String describe() {
      if (!enabled) {
        return "plaintext";
      }
      return "TLS trusting " + (caFile == null ? "the system CAs" : caFile + (followFolder ? " (once it is there)" : ""))
          + (certFile == null ? "" : ", client certificate " + certFile);
    }
  }

  /** A server's TLS settings as given; {@link #open} makes what is missing. */
  public record ServerSettings(Mode mode, Path dir, Path certFile, Path keyFile, Path caFile, List<String> extraNames) {
    /**
     * The certificate to present: the one given, or one issued as {@code name} from the CA in {@link #dir}
     * (made now when there is none), covering this host's names and addresses and {@code --tls-san}.
     */
    public Server open(String name) {
      if (mode == Mode.OFF) {
        return new Server(Mode.OFF, null, null, null, null);
      }
      if (certFile != null) {
        return new Server(mode, certFile, keyFile, caFile,
            caFile == null ? null : CertificateAuthority.fingerprint(CertificateAuthority.readCertificate(caFile)));
      }
      CertificateAuthority ca = CertificateAuthority.openOrCreate(dir);
      List<String> names = new ArrayList<>(CertificateAuthority.localNames());
      names.addAll(extraNames);
      CertificateAuthority.Issued issued = ca.issue(name, names);
      Path trusted = caFile == null ? ca.certFile() : caFile;
      return new Server(mode, issued.certFile(), issued.keyFile(), trusted,
          CertificateAuthority.fingerprint(CertificateAuthority.readCertificate(trusted)));
    }
  }

  /**
   * Issues a client certificate {@code name} from the CA folder, for an operator on this host (the CLI finds
   * DATA/tls/admin.pem); nothing when the server was given its own certificate and so has no CA here.
   */
  public static void issueClientCertificate(ServerSettings settings, String name) {
    if (settings.mode() != Mode.OFF && settings.certFile() == null) {
      CertificateAuthority.openOrCreate(settings.dir()).issue(name, List.of());
    }
  }

  /** A client's TLS settings as given; {@link #open} issues its certificate when it can. */
  public record ClientSettings(boolean enabled, Path dir, Path caFile, Path certFile, Path keyFile) {
    public static final ClientSettings PLAINTEXT = new ClientSettings(false, null, null, null, null);

    /**
     * @param name the client certificate's name, issued from the CA folder when it holds the CA's key and no
     *     certificate was given; without either the client presents none
     */
    public Client open(String name) {
      if (!enabled) {
        return Client.PLAINTEXT;
      }
      boolean follow = caFile == null;
      Path ca = follow ? dir.resolve(CertificateAuthority.CA_CERT) : caFile;
      if (certFile != null) {
        return new Client(true, ca, certFile, keyFile, follow);
      }
      if (Files.isReadable(dir.resolve(CertificateAuthority.CA_KEY))) {
        CertificateAuthority.Issued issued = CertificateAuthority.openOrCreate(dir).issue(name, List.of());
        return new Client(true, ca, issued.certFile(), issued.keyFile(), follow);
      }
      return new Client(true, ca, null, null, follow);
    }
  }

  public static ServerSettings serverSettings(Config c, Path dataDir) {
    Mode mode = Mode.parse(c.string("tls", "on"));
    Path dir = Path.of(c.string("tls-dir", dataDir.resolve("tls").toString()));
    Path[] pair = certAndKey(c);
    String caSetting = c.string("tls-ca-file", "");
    Path ca = caSetting.isEmpty() ? null : readable("tls-ca-file", caSetting);
    if (mode == Mode.MUTUAL && pair[0] != null && ca == null) {
      throw new Config.ConfigException("tls=mutual with your own certificate needs tls-ca-file: the CA that "
          + "signs the client certificates");
    }
    List<String> extra = Arrays.stream(c.string("tls-san", "").split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList();
    return new ServerSettings(mode, dir, pair[0], pair[1], ca, extra);
  }

  /**
   * @param tlsSetting the client's on/off setting (tinkerbell-tls for clients of tink-server), on by default
   * @param caSetting the setting naming the CA file to trust
   */
  public static ClientSettings clientSettings(Config c, Path dataDir, String tlsSetting, String caSetting,
      String... legacyEnv) {
    if (!c.bool(tlsSetting, true, legacyEnv)) {
      return ClientSettings.PLAINTEXT;
    }
    Path dir = Path.of(c.string("tls-dir", dataDir.resolve("tls").toString()));
    String ca = c.string(caSetting, "");
    Path[] pair = certAndKey(c);
    return new ClientSettings(true, dir, ca.isEmpty() ? null : readable(caSetting, ca), pair[0], pair[1]);
  }

  private static Path[] certAndKey(Config c) {
    String cert = c.string("tls-cert-file", "");
    String key = c.string("tls-key-file", "");
    if (cert.isEmpty() != key.isEmpty()) {
      throw new Config.ConfigException("tls-cert-file and tls-key-file go together: give both or neither");
    }
    return cert.isEmpty() ? new Path[2]
        : new Path[] {readable("tls-cert-file", cert), readable("tls-key-file", key)};
  }

  /**
   * A client of this host's stack as its services are set up by default: TLS trusting DATA/tls/ca.pem of the
   * default data folder, presenting a certificate {@code name} issued from it (tests, benchmarks, tools).
   */
  public static Client localClient(String name) {
    Map<String, String> env = System.getenv();
    return new ClientSettings(true, Path.of(Config.defaultDataDir(env)).resolve("tls"), null, null, null).open(name);
  }

  private static Path readable(String setting, String value) {
    Path p = Path.of(value);
    if (!Files.isReadable(p)) {
      throw new Config.ConfigException(setting + ": cannot read " + value);
    }
    return p;
  }
}
