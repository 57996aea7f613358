package io.tinkerjvm.runtime.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The stack's own certificate authority, kept in a folder ({@code DATA/tls}): {@code ca.pem} and
 * {@code ca-key.pem}, made on first start when the folder has none. Every service on the host that shares
 * the folder issues itself a certificate from it ({@code <name>.pem}, {@code <name>-key.pem}), good for
 * both server and client authentication, so one CA file is all a client needs to trust, and mutual TLS
 * needs no extra step. Keys are P-256, written 0600; the folder is locked while it is changed, so services
 * that start together make one CA, not two.
 */
public final class CertificateAuthority {
  public static final String CA_CERT = "ca.pem";
  public static final String CA_KEY = "ca-key.pem";
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration LEAF_LIFETIME = Duration.ofDays(825);
  /** A certificate closer than this to its end is issued afresh on start. */
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final X509Certificate cert;
  private final PrivateKey key;

  private CertificateAuthority(Path dir, X509Certificate cert, PrivateKey key) {
    this.dir = dir;
    this.cert = cert;
    this.key = key;
  }

  /** A certificate and its key, as PEM files. */
  public record Issued(Path certFile, Path keyFile, X509Certificate certificate) {}

  /** Opens the CA in {@code dir}, making the folder and the CA when they are not there. */
  public static CertificateAuthority openOrCreate(Path dir) {
    return locked(dir, () -> {
      Path certFile = dir.resolve(CA_CERT);
      Path keyFile = dir.resolve(CA_KEY);
      if (Files.exists(certFile) || Files.exists(keyFile)) {
        if (!Files.exists(keyFile)) {
          throw new IllegalStateException(dir + " holds " + CA_CERT + " without " + CA_KEY
              + ": give each service its certificate (--tls-cert-file, --tls-key-file) or the CA's key");
        }
        return new CertificateAuthority(dir, readCertificate(certFile), readKey(keyFile));
      }
      KeyPair pair = newKeyPair();
      Instant now = Instant.now();
      X500Name name = new X500Name("CN=tinkerjvm CA " + HexFormat.of().formatHex(randomBytes(4)) + ",O=tinkerjvm");
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(300)),
          Date.from(now.plus(CA_LIFETIME)), name, pair.getPublic());
      try {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("cannot make the CA: " + e.getMessage(), e);
      }
      X509Certificate ca = sign(b, pair.getPrivate());
      writeKey(keyFile, pair.getPrivate());
      writeAtomically(certFile, pem("CERTIFICATE", encoded(ca)), false);
      return new CertificateAuthority(dir, ca, pair.getPrivate());
    });
  }

  public Path certFile() {
    return dir.resolve(CA_CERT);
  }

  public X509Certificate certificate() {
    return cert;
  }

  /** SHA-256 of the CA certificate's DER, lower-case hex: what a machine pins (tink_ca_sha256=). */
  public String fingerprint() {
    return fingerprint(cert);
  }

  public static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The certificate named {@code name} in the folder, issued now when it is missing, is not this CA's, lacks
   * one of {@code subjectNames} (host names or IP addresses) or is near its end; otherwise the one there.
   */
  public Issued issue(String name, Collection<String> subjectNames) {
    if (!name.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException("certificate name must be lower-case letters, digits and '-': " + name);
    }
    Path certFile = dir.resolve(name + ".pem");
    Path keyFile = dir.resolve(name + "-key.pem");
    Set<String> wanted = new LinkedHashSet<>(subjectNames);
    return locked(dir, () -> {
      if (Files.exists(certFile) && Files.exists(keyFile)) {
        X509Certificate existing = readCertificate(certFile);
        if (stillGood(existing, wanted)) {
          return new Issued(certFile, keyFile, existing);
        }
      }
      KeyPair pair = newKeyPair();
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, serial(), Date.from(now.minusSeconds(300)),
          Date.from(now.plus(LEAF_LIFETIME)), new X500Name("CN=" + name + ",O=tinkerjvm"), pair.getPublic());
      try {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        b.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
        if (!wanted.isEmpty()) {
          b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(wanted.stream()
              .map(CertificateAuthority::generalName).toArray(GeneralName[]::new)));
        }
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("cannot issue " + name + ": " + e.getMessage(), e);
      }
      X509Certificate leaf = sign(b, key);
      writeKey(keyFile, pair.getPrivate());
      writeAtomically(certFile, pem("CERTIFICATE", encoded(leaf)), false);
      return new Issued(certFile, keyFile, leaf);
    });
  }

  /** The names a server on this host answers to: localhost, the host name, and every local address. */
  public static List<String> localNames() {
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (UnknownHostException e) {
      // no resolvable host name: the addresses below still serve
    }
    try {
      for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
        nic.inetAddresses().filter(a -> !a.isLinkLocalAddress())
            .forEach(a -> names.add(a.getHostAddress().replaceFirst("%.*$", "")));
      }
    } catch (SocketException e) {
      // without the interface list only loopback and the host name are covered; --tls-san adds more
    }
    return new ArrayList<>(names);
  }

  private boolean stillGood(X509Certificate existing, Set<String> wanted) {
    if (!existing.getIssuerX500Principal().equals(cert.getSubjectX500Principal())) {
      return false;
    }
    try {
      existing.verify(cert.getPublicKey());
      existing.checkValidity(Date.from(Instant.now().plus(RENEW_BEFORE)));
      Set<String> has = new LinkedHashSet<>();
      Collection<List<?>> sans = existing.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          has.add(normalise(String.valueOf(san.get(1))));
        }
      }
      return wanted.stream().map(CertificateAuthority::normalise).allMatch(has::contains);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String normalise(String name) {
    if (name.contains(":")) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (UnknownHostException e) {
        return name;
      }
    }
    return name.toLowerCase();
  }

  private static GeneralName generalName(String name) {
    boolean ip = name.matches("[0-9.]+") || name.contains(":");
    return new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name);
  }

  private interface Work<T> {
    T run();
  }

  private static <T> T locked(Path dir, Work<T> work) {
    // the file lock keeps other processes out; the monitor keeps out this one's other threads, which a
    // file lock would not (it is held per process)
    synchronized (CertificateAuthority.class) {
      return lockedFile(dir, work);
    }
  }

  private static <T> T lockedFile(Path dir, Work<T> work) {
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        return work.run();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use the TLS folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) {
    try {
      byte[] der = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)).getEncoded();
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (OperatorCreationException | IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(1, randomBytes(16));
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static byte[] encoded(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads the first certificate of a PEM file. */
  public static X509Certificate readCertificate(Path file) {
    try {
      byte[] pem = Files.readAllBytes(file);
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalStateException("cannot read a certificate from " + file + ": " + e.getMessage(), e);
    }
  }

  private static PrivateKey readKey(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.US_ASCII);
      String body = text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot read the CA key " + file + " (a PKCS#8 EC key in PEM is expected): "
          + e.getClass().getSimpleName(), e);
    }
  }

  private static void writeKey(Path file, PrivateKey key) {
    writeAtomically(file, pem("PRIVATE KEY", key.getEncoded()), true);
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static void writeAtomically(Path file, String text, boolean secret) {
    try {
      Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
      Files.writeString(tmp, text, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "CertificateAuthority[" + dir + ", key=<redacted>]";
  }
}
