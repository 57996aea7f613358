package io.tinkerjvm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLConnection;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The TLS context for the connection: none, the system CAs, or a CA bundle fetched from a URL (v0.6's cert URL). */
final class Tls {
  private Tls() {}

  static SSLContext context(boolean tls, String certUrl) {
    if (certUrl != null && !certUrl.isBlank()) {
      return pinned(certUrl.trim());
    }
    if (!tls) {
      return null;
    }
    try {
      return SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new CliException("TLS is not available in this Java runtime: " + e.getMessage());
    }
  }

  private static SSLContext pinned(String url) {
    Collection<? extends Certificate> certs;
    try {
      URLConnection connection = URI.create(url).toURL().openConnection();
      connection.setConnectTimeout(5_000);
      connection.setReadTimeout(10_000);
      try (InputStream in = connection.getInputStream()) {
        certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
    } catch (IllegalArgumentException | IOException e) {
      throw new CliException("TINKERBELL_CERT_URL " + url + ": cannot fetch the CA bundle: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new CliException("TINKERBELL_CERT_URL " + url + ": not a PEM certificate bundle: " + e.getMessage());
    }
    if (certs.isEmpty()) {
      throw new CliException("TINKERBELL_CERT_URL " + url + ": holds no certificates");
    }
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
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new CliException("cannot build a TLS context from " + url + ": " + e.getMessage());
    }
  }
}
