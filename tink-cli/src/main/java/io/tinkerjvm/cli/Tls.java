package io.tinkerjvm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context for the connection. Trusted: a CA bundle fetched from a URL (v0.6's cert URL), a CA file,
 * the stack's CA in the data folder when it is there (DATA/tls/ca.pem, made by tink-server on this host), or
 * the system's CAs. Presented: a client certificate given, or DATA/tls/admin.pem, which tink-server issues for
 * the operator on its host (mutual TLS needs it). Plaintext only when TLS is turned off.
 */
final class Tls {
  private Tls() {}

  /** What to trust and present; null fields fall back as the class says. */
  record Files(String certUrl, String caFile, String clientCert, String clientKey, Path dataDir) {}

  static SSLContext context(boolean tls, Files f) {
    if (f.certUrl() != null && !f.certUrl().isBlank()) {
      return build(fetch(f.certUrl().trim(), "TINKERBELL_CERT_URL " + f.certUrl().trim()), keyManagers(f));
    }
    if (!tls) {
      return null;
    }
    Path ca = f.caFile() != null && !f.caFile().isBlank() ? Path.of(f.caFile().trim()) : f.dataDir().resolve("tls/ca.pem");
    if (f.caFile() != null && !f.caFile().isBlank() || java.nio.file.Files.isReadable(ca)) {
      return build(fetch(ca.toUri().toString(), "the CA file " + ca), keyManagers(f));
    }
    KeyManager[] keys = keyManagers(f);
    if (keys == null) {
      try {
        return SSLContext.getDefault();
      } catch (GeneralSecurityException e) {
        throw new CliException("TLS is not available in this Java runtime: " + e.getMessage());
      }
    }
    return build(null, keys);
  }

  /** The client certificate's key managers, or null when there is none to present. */
  private static KeyManager[] keyManagers(Files f) {
    boolean given = f.clientCert() != null && !f.clientCert().isBlank();
    if (given != (f.clientKey() != null && !f.clientKey().isBlank())) {
      throw new CliException("--tinkerbell-client-cert and --tinkerbell-client-key go together", ExitCodes.USAGE);
    }
    Path cert = given ? Path.of(f.clientCert().trim()) : f.dataDir().resolve("tls/admin.pem");
    Path key = given ? Path.of(f.clientKey().trim()) : f.dataDir().resolve("tls/admin-key.pem");
    if (!given && !(java.nio.file.Files.isReadable(cert) && java.nio.file.Files.isReadable(key))) {
      return null;
    }
    try {
      Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
          .generateCertificates(new java.io.ByteArrayInputStream(java.nio.file.Files.readAllBytes(cert)));
      String pem = java.nio.file.Files.readString(key);
      String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
      byte[] der = java.util.Base64.getDecoder().decode(body);
      PrivateKey pk;
      try {
        pk = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException notEc) {
        pk = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("client", pk, new char[0], chain.toArray(Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, new char[0]);
      return kmf.getKeyManagers();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new CliException("cannot use the client certificate " + cert + " / " + key
          + " (PEM certificate and PKCS#8 key expected): " + e.getClass().getSimpleName());
    }
  }

  private static Collection<? extends Certificate> fetch(String url, String what) {
    Collection<? extends Certificate> certs;
    try {
      URLConnection connection = URI.create(url).toURL().openConnection();
      connection.setConnectTimeout(5_000);
      connection.setReadTimeout(10_000);
      try (InputStream in = connection.getInputStream()) {
        certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
    } catch (IllegalArgumentException | IOException e) {
      throw new CliException(what + ": cannot fetch the CA bundle: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new CliException(what + ": not a PEM certificate bundle: " + e.getMessage());
    }
    if (certs.isEmpty()) {
      throw new CliException(what + ": holds no certificates");
    }
    return certs;
  }

  /** @param certs the CAs to trust; null for the system's */
  private static SSLContext build(Collection<? extends Certificate> certs, KeyManager[] keys) {
    if (certs == null) {
      try {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, null, null);
        return ctx;
      } catch (GeneralSecurityException e) {
        throw new CliException("cannot build a TLS context: " + e.getMessage());
      }
    }
    String url = "the CA bundle";
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new CliException("cannot build a TLS context from " + url + ": " + e.getMessage());
    }
  }
}
