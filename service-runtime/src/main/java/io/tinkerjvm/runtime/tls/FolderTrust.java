package io.tinkerjvm.runtime.tls;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts the CA file of the data folder as it is at each handshake: a client that started before the first
 * server made the CA (services starting together, a supervisor restarting them in any order) trusts it once it
 * is there, and a replaced CA is picked up on the next connection. While there is no file, the system's CAs
 * decide. Verification, host name included, is the JDK's PKIX trust manager's, given the one CA.
 */
final class FolderTrust extends X509ExtendedTrustManager {
  private final Path caFile;
  private final X509ExtendedTrustManager system;
  private FileTime loadedAt;
  private X509ExtendedTrustManager loaded;

  FolderTrust(Path caFile) {
    this.caFile = caFile;
    this.system = managerFor(null);
  }

  private static X509ExtendedTrustManager managerFor(X509Certificate ca) {
    try {
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (ca == null) {
        f.init((KeyStore) null);
      } else {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        f.init(store);
      }
      for (TrustManager m : f.getTrustManagers()) {
        if (m instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("no X.509 trust manager in this Java runtime");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot set up TLS trust: " + e.getMessage(), e);
    }
  }

  private synchronized X509ExtendedTrustManager current() {
    try {
      if (!Files.isReadable(caFile)) {
        return system;
      }
      FileTime modified = Files.getLastModifiedTime(caFile);
      if (loaded == null || !modified.equals(loadedAt)) {
        loaded = managerFor(CertificateAuthority.readCertificate(caFile));
        loadedAt = modified;
      }
      return loaded;
    } catch (java.io.IOException | RuntimeException e) {
      return loaded != null ? loaded : system;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    current().checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    current().checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    current().checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    current().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    current().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    current().checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return current().getAcceptedIssuers();
  }
}
