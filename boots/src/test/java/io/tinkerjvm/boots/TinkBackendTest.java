package io.tinkerjvm.boots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.boots.support.DhcpTestClient;
import io.tinkerjvm.proto.tink.hardware.DeleteRequest;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.support.RunningTink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.function.Supplier;
import org.dhcp4java.DHCPPacket;
import org.junit.jupiter.api.Test;

/**
 * Boots against a real tink-server: hardware pushed, changed and deleted through Tink's API reaches Boots'
 * DHCP answers through the change stream, and Boots keeps answering from its cache when Tink goes away.
 */
class TinkBackendTest {
  static final String A = "02:00:00:00:0a:01";
  static final String B = "02:00:00:00:0b:01";
  static final String ID_A = "aaaaaaaa-0000-4000-8000-000000000001";
  static final String ID_B = "bbbbbbbb-0000-4000-8000-000000000001";

  static PushRequest push(String id, String mac, String ip) {
    return PushRequest.newBuilder().setData(HardwareDocument.parsePushed("""
        {"id":"%s","metadata":{"instance":{"hostname":"h"}},"network":{"interfaces":[{"dhcp":{"mac":"%s",
          "ip":{"address":"%s","netmask":"255.255.255.0"}},"netboot":{"allow_pxe":true,"allow_workflow":true}}]}}"""
        .formatted(id, mac, ip), "test")).build();
  }

  @Test
  void changesInTinkReachDhcpAnswersAndTheCacheOutlivesTink() throws Exception {
    RunningTink tink = new RunningTink();
    try {
      tink.hardware().push(push(ID_A, A, "198.51.100.10"));
      try (Boots boots = Boots.start(BootsConfig.load(Map.of(), "--public-ip=127.0.0.1", "--bind-address=127.0.0.1",
              "--dhcp-port=0", "--tftp-port=0", "--http-port=0", "--syslog-port=0", "--backend=tink",
              "--tinkerbell-grpc-authority=127.0.0.1:" + tink.server.grpcPort()));
          DhcpTestClient client = new DhcpTestClient(boots.dhcpPort())) {
        HttpClient http = HttpClient.newHttpClient();
        String health = "http://127.0.0.1:" + boots.httpPort() + "/healthz";
        eventually(() -> status(http, health) == 200, "the hardware cache to go live");

        assertEquals("198.51.100.10", offeredTo(client, A));

        tink.hardware().push(push(ID_A, A, "198.51.100.20"));
        eventually(() -> "198.51.100.20".equals(offeredTo(client, A)), "the new address of A");

        tink.hardware().push(push(ID_B, B, "198.51.100.30"));
        eventually(() -> "198.51.100.30".equals(offeredTo(client, B)), "B to be answered");
        HttpResponse<String> script = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + boots.httpPort() + "/" + B + "/auto.ipxe")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, script.statusCode());
        assertTrue(script.body().contains("worker_id=" + ID_B), script.body());
        // over TLS to tink-server; the machine gets the CA's address and hash, and a credential for this boot
        // that tink-server checks with the same machine key
        java.util.regex.Matcher args = java.util.regex.Pattern.compile(" tinkerbell_tls=true grpc_cert_url=(\\S+) "
            + "tink_ca_sha256=([0-9a-f]{64}) .* machine_credential=(\\S+) ").matcher(script.body());
        assertTrue(args.find(), script.body());
        assertEquals("http://127.0.0.1:" + boots.httpPort() + "/ca.pem", args.group(1));
        HttpResponse<String> ca = http.send(HttpRequest.newBuilder(URI.create(args.group(1))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(java.nio.file.Files.readString(tink.server.tls().caFile()), ca.body());
        assertEquals(io.tinkerjvm.runtime.tls.CertificateAuthority.fingerprint(
            io.tinkerjvm.runtime.tls.CertificateAuthority.readCertificate(tink.server.tls().caFile())), args.group(2));
        assertEquals(java.util.Optional.of(ID_B), RunningTink.machineCredentials().hardwareIdOf(args.group(3)));

        tink.hardware().delete(DeleteRequest.newBuilder().setId(ID_A).build());
        eventually(() -> offeredTo(client, A) == null, "A to go unanswered once deleted");

        tink.close();
        tink = null;
        eventually(() -> status(http, health) == 503, "/healthz to report the lost stream");
        assertEquals("198.51.100.30", offeredTo(client, B), "the cache stopped answering when Tink went away");
      }
    } finally {
      if (tink != null) {
        tink.close();
      }
    }
  }

  static String offeredTo(DhcpTestClient client, String mac) {
    DHCPPacket offer = client.exchange(DhcpTestClient.request((byte) 1, mac));
    return offer == null ? null : offer.getYiaddr().getHostAddress();
  }

  static int status(HttpClient http, String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static void eventually(Supplier<Boolean> condition, String what) throws InterruptedException {
    long end = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < end) {
      if (condition.get()) {
        return;
      }
      Thread.sleep(100);
    }
    fail("timed out waiting for " + what);
  }
}
