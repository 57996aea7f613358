package io.tinkerjvm.osie;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import io.tinkerjvm.runtime.Config;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's connection to tink-server: TLS trusting the CA Boots named (fetched from grpc_cert_url= and
 * checked against tink_ca_sha256=, both from the kernel command line), a CA file, or the system's CAs; and
 * the machine's credential on every call.
 */
public final class TinkChannel {
  private static final Logger log = LoggerFactory.getLogger(TinkChannel.class);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final long MAX_WAIT_MS = 30_000;

  private TinkChannel() {}

  /** The managed channel (to close) and the channel to call through, which carries the credential. */
  public record Pair(ManagedChannel managed, Channel calls) {}

  public static Pair open(AgentConfig config) {
    ManagedChannel managed = Grpc.newChannelBuilder(config.grpcAuthority(), credentials(config))
        // keepalive: a silently dropped connection (a switch reboot) must end the stream, not hang it
        .keepAliveTime(30, TimeUnit.SECONDS).keepAliveTimeout(10, TimeUnit.SECONDS).keepAliveWithoutCalls(true)
        .build();
    if (config.machineCredential().isEmpty()) {
      return new Pair(managed, managed);
    }
    String value = "Bearer " + config.machineCredential();
    ClientInterceptor bearer = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.put(AUTHORIZATION, value);
            super.start(listener, headers);
          }
        };
      }
    };
    return new Pair(managed, ClientInterceptors.intercept(managed, bearer));
  }

  static ChannelCredentials credentials(AgentConfig config) {
    if (!config.tls()) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
      if (config.caFile() != null) {
        b.trustManager(config.caFile().toFile());
      } else if (!config.certUrl().isEmpty()) {
        b.trustManager(new ByteArrayInputStream(fetchCa(config.certUrl(), config.caSha256())));
      }
      return b.build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot use the CA for tink-server: " + e.getMessage(), e);
    }
  }

  /**
   * The CA's PEM from {@code url}, refused unless its certificate's SHA-256 is {@code sha256} (when given).
   * While the URL does not answer (Boots restarting) it keeps asking, the wait doubling to 30 s, as the agent
   * waits out tink-server: an agent that gave up would leave its machine's workflow waiting for nobody. A
   * certificate that does not match the pin is refused at once.
   */
  static byte[] fetchCa(String url, String sha256) {
    long waitMs = 1000;
    for (int attempt = 1; ; attempt++) {
      try {
        byte[] pem = fetch(url);
        checkPin(url, pem, sha256);
        return pem;
      } catch (IOException e) {
        log.warn("cannot fetch the CA from {} (attempt {}): {}; again in {} ms", url, attempt, e.getMessage(), waitMs);
        try {
          Thread.sleep(waitMs);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("stopped while fetching the CA from " + url);
        }
        waitMs = Math.min(MAX_WAIT_MS, waitMs * 2);
      }
    }
  }

  private static byte[] fetch(String url) throws IOException {
    if (url.startsWith("file:")) {
      return Files.readAllBytes(java.nio.file.Path.of(URI.create(url)));
    }
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    try {
      if (c.getResponseCode() != 200) {
        throw new IOException("HTTP " + c.getResponseCode());
      }
      try (InputStream in = c.getInputStream()) {
        return in.readNBytes(64 * 1024);
      }
    } finally {
      c.disconnect();
    }
  }

  static void checkPin(String url, byte[] pem, String sha256) {
    X509Certificate cert;
    try {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new Config.ConfigException("what " + url + " serves is not a PEM certificate: " + e.getMessage());
    }
    if (sha256.isEmpty()) {
      log.warn("trusting the CA from {} without a pin (tink_ca_sha256= is not on the command line)", url);
      return;
    }
    try {
      String got = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
      if (!MessageDigest.isEqual(got.getBytes(), sha256.getBytes())) {
        throw new Config.ConfigException("the CA from " + url + " has SHA-256 " + got + ", not " + sha256
            + " (tink_ca_sha256=): refusing to trust it");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
