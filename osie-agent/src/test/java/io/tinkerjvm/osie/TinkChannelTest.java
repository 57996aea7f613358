package io.tinkerjvm.osie;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.tls.CertificateAuthority;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's CA fetch: pinned, and patient while Boots (which serves it) is down. */
class TinkChannelTest {
  @TempDir Path dir;

  @Test
  void theCaIsFetchedOnceBootsAnswersAndRefusedWhenItsHashIsNotThePin() throws Exception {
    CertificateAuthority ca = CertificateAuthority.openOrCreate(dir.resolve("tls"));
    byte[] pem = Files.readAllBytes(ca.certFile());
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    HttpServer boots = HttpServer.create();
    boots.createContext("/ca.pem", exchange -> {
      exchange.sendResponseHeaders(200, pem.length);
      exchange.getResponseBody().write(pem);
      exchange.close();
    });
    String url = "http://127.0.0.1:" + port + "/ca.pem";
    // Boots comes up 2.5 s after the agent first asks: the agent keeps asking instead of giving up
    Thread late = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(2500);
        boots.bind(new InetSocketAddress("127.0.0.1", port), 0);
        boots.start();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try {
      assertArrayEquals(pem, TinkChannel.fetchCa(url, ca.fingerprint()));
      String wrong = "0".repeat(64);
      Config.ConfigException refused = assertThrows(Config.ConfigException.class, () -> TinkChannel.fetchCa(url, wrong));
      assertTrue(refused.getMessage().contains("refusing to trust it"), refused.getMessage());
    } finally {
      late.join();
      boots.stop(0);
    }
  }
}
