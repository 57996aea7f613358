package io.tinkerjvm.hegel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.hegel.support.Curl;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.support.RunningTink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hegel over real HTTP with curl as the client, hardware pushed to a real tink-server. Each machine asks
 * from its own loopback address (curl --interface), which is how Hegel tells machines apart.
 */
class HegelHttpTest {
  static final String A_ID = "0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94";
  static final String B_ID = "bbbbbbbb-0000-4000-8000-000000000002";
  static final String A = "127.0.0.2";
  static final String B = "127.0.0.3";
  static final String SHARED = "127.0.0.4";
  static final String UNKNOWN = "127.0.0.5";
  static final String PROXY = "127.0.0.9";
  static final ObjectMapper JSON = new ObjectMapper();

  /** Tinkerbell's hardware shape (reference §1.6) with a full instance, as Hegel's own tests use it. */
  static final String A_JSON = """
      {"id":"%s","metadata":{"state":"","facility":{"facility_code":"onprem","plan_slug":"c2.medium.x86"},
        "userdata":"#cloud-config\\nhostname: a1\\n",
        "instance":{"id":"i-a1","hostname":"a1","iqn":"iqn.2026-11.io.tinkerjvm:a1","plan":"c3.small",
          "facility":"lab1","tags":["rack=7","gpu"],
          "operating_system":{"slug":"debian_12","distro":"debian","version":"12","image_tag":"v1",
            "license_activation":{"state":"unlicensed"}},
          "ssh_keys":["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== ops@lab","ssh-rsa AAAAB3Nza== root@lab"],
          "network":{"addresses":[{"address_family":4,"address":"203.0.113.7","public":true},
            {"address_family":6,"address":"2001:db8::7","public":true},
            {"address_family":4,"address":"%s","public":false}]},
          "storage":{"disks":[],"filesystems":[]}}},
       "network":{"interfaces":[{"dhcp":{"mac":"08:00:27:00:00:01","hostname":"a1","lease_time":86400,"arch":"x86_64",
         "ip":{"address":"%s","netmask":"255.0.0.0","gateway":"127.0.0.1","family":4}},
         "netboot":{"allow_pxe":true,"allow_workflow":true}}]}}""".formatted(A_ID, A, A);

  static RunningTink tink;
  static Hegel hegel;
  static Hegel strict;
  static MachineCredentials credentials;
  static String base;
  static String strictBase;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    tink = new RunningTink();
    push(A_JSON);
    // the common record: instance.id empty, no user-data, no keys (reference §1.6)
    push(minimal(B_ID, "08:00:27:00:00:02", B, "b1"));
    push(minimal("cccccccc-0000-4000-8000-000000000003", "08:00:27:00:00:03", SHARED, "c1"));
    push(minimal("dddddddd-0000-4000-8000-000000000004", "08:00:27:00:00:04", SHARED, "d1"));
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 7 + 1);
    }
    Path keyFile = dir.resolve("machine.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
    credentials = MachineCredentials.ofKey(key);
    String tinkAt = "--tinkerbell-grpc-authority=127.0.0.1:" + tink.server.grpcPort();
    hegel = Hegel.start(HegelConfig.load(Map.of("TRUSTED_PROXIES", PROXY + "/32"), "--http-address=127.0.0.1",
        "--http-port=0", tinkAt, "--machine-key-file=" + keyFile));
    strict = Hegel.start(HegelConfig.load(Map.of(), "--http-address=127.0.0.1", "--http-port=0", tinkAt,
        "--machine-key-file=" + keyFile, "--require-credential=true", "--imds-token=required"));
    base = "http://127.0.0.1:" + hegel.httpPort();
    strictBase = "http://127.0.0.1:" + strict.httpPort();
    eventually(() -> Curl.get(A, base + "/healthz").status() == 200, "the metadata cache to go live");
    eventually(() -> Curl.get(A, strictBase + "/healthz").status() == 200, "the strict Hegel's cache to go live");
  }

  @AfterAll
  static void stop() throws Exception {
    if (hegel != null) {
      hegel.close();
    }
    if (strict != null) {
      strict.close();
    }
    if (tink != null) {
      tink.close();
    }
  }

  static String minimal(String id, String mac, String ip, String hostname) {
    return """
        {"id":"%s","metadata":{"state":"","facility":{"facility_code":"onprem","plan_slug":"c2.medium.x86"},
          "instance":{"id":"","hostname":"%s","operating_system":{"slug":"","distro":"","version":"","image_tag":""},
          "storage":{"disks":[],"filesystems":[]},"ssh_keys":[]},"provisioner_engine":""},
         "network":{"interfaces":[{"dhcp":{"mac":"%s","ip":{"address":"%s","netmask":"255.0.0.0"}},
           "netboot":{"allow_pxe":true,"allow_workflow":true}}]}}""".formatted(id, hostname, mac, ip);
  }

  static void push(String json) {
    tink.hardware().push(PushRequest.newBuilder().setData(HardwareDocument.parsePushed(json, "test")).build());
  }

  static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    long until = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < until) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  static void assertBody(int status, String body, Curl.Response r) {
    assertEquals(status, r.status(), r.body());
    assertEquals(body, r.body());
  }

  @Test
  void servesTinkerbellsEc2TreeAt20090404() {
    assertBody(200, "meta-data\nuser-data", Curl.get(A, base + "/2009-04-04"));
    assertBody(200, "meta-data\nuser-data", Curl.get(A, base + "/2009-04-04/"));
    assertBody(200, "facility\nhostname\ninstance-id\niqn\nlocal-hostname\nlocal-ipv4\noperating-system\nplan\n"
        + "public-ipv4\npublic-ipv6\npublic-keys\ntags", Curl.get(A, base + "/2009-04-04/meta-data"));
    Map<String, String> leaves = Map.ofEntries(
        Map.entry("instance-id", "i-a1"), Map.entry("hostname", "a1"), Map.entry("local-hostname", "a1"),
        Map.entry("iqn", "iqn.2026-11.io.tinkerjvm:a1"), Map.entry("plan", "c3.small"), Map.entry("facility", "lab1"),
        Map.entry("tags", "rack=7\ngpu"), Map.entry("public-ipv4", "203.0.113.7"), Map.entry("public-ipv6", "2001:db8::7"),
        Map.entry("local-ipv4", A),
        Map.entry("public-keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== ops@lab\nssh-rsa AAAAB3Nza== root@lab"),
        Map.entry("operating-system", "distro\nimage_tag\nlicense_activation\nslug\nversion"),
        Map.entry("operating-system/slug", "debian_12"), Map.entry("operating-system/distro", "debian"),
        Map.entry("operating-system/version", "12"), Map.entry("operating-system/image_tag", "v1"),
        Map.entry("operating-system/license_activation", "state"),
        Map.entry("operating-system/license_activation/state", "unlicensed"));
    leaves.forEach((path, value) -> assertBody(200, value, Curl.get(A, base + "/2009-04-04/meta-data/" + path)));
    assertBody(200, "#cloud-config\nhostname: a1\n", Curl.get(A, base + "/2009-04-04/user-data"));
    Curl.Response r = Curl.get(A, base + "/2009-04-04/meta-data/hostname/");
    assertBody(200, "a1", r);
    assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));

    // a missing value is an empty 200; instance-id falls back to the hardware id, which cloud-init needs
    assertBody(200, "", Curl.get(B, base + "/2009-04-04/meta-data/public-keys"));
    assertBody(200, "", Curl.get(B, base + "/2009-04-04/user-data"));
    assertBody(200, B_ID, Curl.get(B, base + "/2009-04-04/meta-data/instance-id"));
    assertEquals(404, Curl.get(A, base + "/2009-04-04/meta-data/invalid").status());
    assertEquals(404, Curl.get(A, base + "/2009-04-04/user-data/hostname").status());
  }

  @Test
  void servesTheVersionsCloudInitCrawlsInEc2sShape() throws Exception {
    for (String v : new String[] {"latest", "2021-03-23", "2018-09-24", "2016-09-02"}) {
      assertBody(200, "dynamic/\nmeta-data/\nuser-data", Curl.get(A, base + "/" + v + "/"));
      assertBody(200, "i-a1", Curl.get(A, base + "/" + v + "/meta-data/instance-id"));
    }
    String listing = Curl.get(A, base + "/latest/meta-data/").body();
    assertEquals("facility\nhostname\ninstance-id\ninstance-type\niqn\nlocal-hostname\nlocal-ipv4\noperating-system/\n"
        + "placement/\nplan\npublic-ipv4\npublic-ipv6\npublic-keys\ntags", listing);
    // every name a listing shows answers 200, or cloud-init throws all of meta-data away
    for (String name : listing.split("\n")) {
      assertEquals(200, Curl.get(A, base + "/latest/meta-data/" + name).status(), name);
    }
    assertBody(200, "availability-zone\nregion", Curl.get(A, base + "/latest/meta-data/placement/"));
    assertBody(200, "lab1", Curl.get(A, base + "/latest/meta-data/placement/availability-zone"));
    assertBody(200, "instance-identity/", Curl.get(A, base + "/latest/dynamic/"));
    assertBody(200, "document", Curl.get(A, base + "/latest/dynamic/instance-identity/"));
    Curl.Response doc = Curl.get(A, base + "/2021-03-23/dynamic/instance-identity/document");
    assertEquals(200, doc.status());
    assertEquals("application/json", doc.header("Content-Type"));
    JsonNode identity = JSON.readTree(doc.body());
    assertEquals("i-a1", identity.path("instanceId").asText());
    assertEquals("lab1", identity.path("region").asText());
    assertEquals("lab1", identity.path("availabilityZone").asText());
    assertEquals(A, identity.path("privateIp").asText());
    assertEquals("x86_64", identity.path("architecture").asText());
    assertEquals("c3.small", identity.path("instanceType").asText());
    // metadata.facility stands in where the instance names no facility or plan
    assertBody(200, "onprem", Curl.get(B, base + "/latest/meta-data/placement/availability-zone"));
    assertBody(200, "c2.medium.x86", Curl.get(B, base + "/latest/meta-data/instance-type"));
    assertTrue(Curl.get(A, base + "/").body().contains("2009-04-04\n"), "GET / lists the versions");
  }

  @Test
  void servesTinkerbellsOwnPathsAndNoCloud() throws Exception {
    Curl.Response metadata = Curl.get(A, base + "/metadata");
    assertEquals(200, metadata.status());
    assertEquals("application/json", metadata.header("Content-Type"));
    // compact, keys sorted, as Hegel's jq output
    assertTrue(metadata.body().startsWith("{\"facility\":\"lab1\",\"hostname\":\"a1\",\"id\":\"i-a1\",\"iqn\":"),
        metadata.body());
    JsonNode hardware = JSON.readTree(Curl.get(A, base + "/hardware").body());
    assertEquals(A_ID, hardware.path("id").asText());
    assertEquals("a1", hardware.path("metadata").path("instance").path("hostname").asText(), "metadata is an object");
    assertEquals(86400, hardware.path("network").path("interfaces").get(0).path("dhcp").path("lease_time").asInt());

    assertBody(200, "instance-id: i-a1\nlocal-hostname: a1\npublic-keys:\n"
        + "- ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== ops@lab\n- ssh-rsa AAAAB3Nza== root@lab\n",
        Curl.get(A, base + "/nocloud/meta-data"));
    assertBody(200, "#cloud-config\nhostname: a1\n", Curl.get(A, base + "/nocloud/user-data"));
    assertBody(200, "", Curl.get(A, base + "/any-prefix/vendor-data"));
    // where there is nothing: 200 and empty, because cloud-init retries anything else ten times
    assertBody(200, "", Curl.get(B, base + "/nocloud/user-data"));
    assertBody(200, "instance-id: " + B_ID + "\nlocal-hostname: b1\n", Curl.get(B, base + "/seed/meta-data"));
  }

  @Test
  void refusesWhatItDoesNotServe() {
    for (String method : new String[] {"POST", "DELETE", "PATCH"}) {
      Curl.Response r = Curl.call(A, method, base + "/2009-04-04/meta-data/hostname");
      assertEquals(405, r.status(), method);
      assertEquals("GET, HEAD", r.header("Allow"));
    }
    assertEquals(405, Curl.call(A, "PUT", base + "/metadata").status());
    assertEquals(405, Curl.call(A, "POST", base + "/nocloud/meta-data").status());
    assertEquals(405, Curl.call(A, "POST", base + "/healthz").status());
    Curl.Response getToken = Curl.get(A, base + "/latest/api/token");
    assertEquals(405, getToken.status());
    assertEquals("PUT", getToken.header("Allow"));

    Curl.Response unknown = Curl.get(UNKNOWN, base + "/2009-04-04/meta-data/hostname");
    assertBody(404, "no hardware record has the address " + UNKNOWN + "\n", unknown);
    assertEquals(404, Curl.get(UNKNOWN, base + "/metadata").status());
    assertEquals(404, Curl.get(A, base + "/no/such/path").status());

    Curl.Response shared = Curl.get(SHARED, base + "/2009-04-04/meta-data/hostname");
    assertEquals(409, shared.status(), "an address two records claim answers nobody");
    assertFalse(shared.body().contains("c1") || shared.body().contains("d1"), shared.body());
  }

  @Test
  void believesForwardedForOnlyFromTrustedProxies() {
    // the proxy speaks for B
    assertBody(200, "b1", Curl.get(PROXY, base + "/2009-04-04/meta-data/hostname", "X-Forwarded-For: " + B));
    // A cannot pass itself off as B
    assertBody(200, "a1", Curl.get(A, base + "/2009-04-04/meta-data/hostname", "X-Forwarded-For: " + B));
    // a chain read from the right: the nearest address the proxy did not add itself
    assertBody(200, "b1", Curl.get(PROXY, base + "/2009-04-04/meta-data/hostname",
        "X-Forwarded-For: " + A + ", " + B));
    // the same chain sent as two header lines
    assertBody(200, "b1", Curl.get(PROXY, base + "/2009-04-04/meta-data/hostname",
        "X-Forwarded-For: " + A, "X-Forwarded-For: " + B));
    // the proxy itself is no machine
    assertEquals(404, Curl.get(PROXY, base + "/2009-04-04/meta-data/hostname").status());
  }

  @Test
  void issuesAndChecksImdsV2SessionTokens() {
    String ttl = "X-aws-ec2-metadata-token-ttl-seconds: ";
    assertEquals(400, Curl.call(A, "PUT", base + "/latest/api/token").status(), "no TTL");
    assertEquals(400, Curl.call(A, "PUT", base + "/latest/api/token", ttl + "0").status());
    assertEquals(400, Curl.call(A, "PUT", base + "/latest/api/token", ttl + "21601").status());
    assertEquals(400, Curl.call(A, "PUT", base + "/latest/api/token", ttl + "soon").status());
    assertEquals(403, Curl.call(A, "PUT", base + "/2021-03-23/api/token", ttl + "60").status());
    assertEquals(403, Curl.call(A, "PUT", base + "/latest/api/token", ttl + "60", "X-Forwarded-For: " + B).status(),
        "a token PUT relayed with X-Forwarded-For by an untrusted peer");

    Curl.Response issued = Curl.call(A, "PUT", base + "/latest/api/token", ttl + "21600");
    assertEquals(200, issued.status(), issued.body());
    assertEquals("21600", issued.header("X-aws-ec2-metadata-token-ttl-seconds"));
    String token = issued.body();
    assertBody(200, "a1", Curl.get(A, base + "/latest/meta-data/hostname", "X-aws-ec2-metadata-token: " + token));
    // optional mode: no token is fine, a bad one is not
    assertBody(200, "a1", Curl.get(A, base + "/latest/meta-data/hostname"));
    assertEquals(401, Curl.get(A, base + "/latest/meta-data/hostname", "X-aws-ec2-metadata-token: x" + token).status());
    assertEquals(401, Curl.get(B, base + "/latest/meta-data/hostname", "X-aws-ec2-metadata-token: " + token).status(),
        "a token issued to A does not work for B");
    // a trusted proxy may fetch one for the machine behind it
    Curl.Response viaProxy = Curl.call(PROXY, "PUT", base + "/latest/api/token", ttl + "60", "X-Forwarded-For: " + B);
    assertEquals(200, viaProxy.status(), viaProxy.body());
    assertBody(200, "b1", Curl.get(PROXY, base + "/latest/meta-data/hostname", "X-Forwarded-For: " + B,
        "X-aws-ec2-metadata-token: " + viaProxy.body()));
  }

  @Test
  void machineCredentialsKeepEachMachineToItsOwnData() {
    String aCredential = credentials.credentialFor(A_ID);
    String bCredential = credentials.credentialFor(B_ID);
    String ttl = "X-aws-ec2-metadata-token-ttl-seconds: 60";

    // required: nothing without it, not even a token
    Curl.Response without = Curl.get(A, strictBase + "/2009-04-04/meta-data/hostname");
    assertEquals(401, without.status());
    assertEquals("Bearer", without.header("WWW-Authenticate"));
    assertEquals(401, Curl.call(A, "PUT", strictBase + "/latest/api/token", ttl).status());
    assertEquals(401, Curl.get(A, strictBase + "/nocloud/meta-data").status());
    assertEquals(401, Curl.get(A, strictBase + "/metadata").status());

    // the credential in the path, for clients that cannot send headers (cloud-init's metadata_urls, seedfrom)
    String withPath = strictBase + "/credential/" + aCredential;
    Curl.Response token = Curl.call(A, "PUT", withPath + "/latest/api/token", ttl);
    assertEquals(200, token.status(), token.body());
    assertBody(200, "a1", Curl.get(A, withPath + "/latest/meta-data/hostname",
        "X-aws-ec2-metadata-token: " + token.body()));
    assertEquals(401, Curl.get(A, withPath + "/latest/meta-data/hostname").status(), "the token is required too");
    assertEquals(200, Curl.get(A, withPath + "/nocloud/meta-data").status());
    // or as a bearer token
    assertEquals(200, Curl.get(A, strictBase + "/metadata", "Authorization: Bearer " + aCredential).status());

    // B's credential from A's address, or A's from B's, is refused: the address says who asks
    assertEquals(401, Curl.get(A, strictBase + "/metadata", "Authorization: Bearer " + bCredential).status());
    assertEquals(401, Curl.get(B, strictBase + "/credential/" + aCredential + "/metadata").status());
    assertEquals(200, Curl.get(B, strictBase + "/credential/" + bCredential + "/metadata").status());

    // optional: a credential that is sent must be right
    assertEquals(200, Curl.get(A, base + "/metadata").status());
    assertEquals(401, Curl.get(A, base + "/metadata", "Authorization: Bearer " + bCredential).status());
    assertNotEquals(aCredential, bCredential);
  }

  @Test
  void statusEndpointsAndChangesFromTink() throws Exception {
    Curl.Response health = Curl.get(UNKNOWN, base + "/healthz");
    assertEquals(200, health.status());
    JsonNode h = JSON.readTree(health.body());
    assertEquals("ok", h.path("status").asText());
    assertTrue(h.path("hardware_client_status").asBoolean());
    assertTrue(h.has("uptime") && h.has("git_rev") && h.has("goroutines"), health.body());
    assertEquals(200, Curl.get(UNKNOWN, base + "/_packet/healthcheck").status());
    assertEquals(200, Curl.get(UNKNOWN, base + "/versionz").status());
    String metrics = Curl.get(UNKNOWN, base + "/metrics").body();
    assertTrue(metrics.contains("hegel_http_requests_total{code=\"200\",route=\"status\"}"), metrics);
    assertTrue(metrics.contains("hegel_machines"), metrics);

    String id = "eeeeeeee-0000-4000-8000-000000000005";
    push(minimal(id, "08:00:27:00:00:05", "127.0.0.6", "before"));
    eventually(() -> Curl.get("127.0.0.6", base + "/2009-04-04/meta-data/hostname").body().equals("before"),
        "a pushed record to be served");
    push(minimal(id, "08:00:27:00:00:05", "127.0.0.6", "after"));
    eventually(() -> Curl.get("127.0.0.6", base + "/2009-04-04/meta-data/hostname").body().equals("after"),
        "a changed record to be served");
    tink.hardware().delete(io.tinkerjvm.proto.tink.hardware.DeleteRequest.newBuilder().setId(id).build());
    eventually(() -> Curl.get("127.0.0.6", base + "/2009-04-04/meta-data/hostname").status() == 404,
        "a deleted record to be gone");
  }
}
