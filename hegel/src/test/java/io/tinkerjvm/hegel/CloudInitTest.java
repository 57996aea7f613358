package io.tinkerjvm.hegel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's cloud-init, the real client, reads Hegel with the Ec2 datasource and with NoCloud-net. It runs
 * in a network namespace that has only lo, with /etc and /var overlaid and its own UTS namespace
 * (reference/test-peers.md §7), so the host is untouched; tink-server and Hegel run in that namespace too.
 */
class CloudInitTest {
  static final String ID = "5f0c6c1e-4d8b-4c5e-9a6f-0c1d2e3f4a5b";
  static final String USERDATA = "#cloud-config\\nfinal_message: pushed to tink for node1\\n";

  static Netns netns;
  static String ns;
  static int port;
  static Path work;
  static String credential;

  @BeforeAll
  static void startStack(@TempDir Path dir) throws Exception {
    work = dir;
    netns = new Netns();
    ns = netns.create("ci");
    Path hw = dir.resolve("node1.json");
    // the namespace's lo is the machine's network: it asks from 127.0.0.1
    Files.writeString(hw, """
        {"id":"%s","metadata":{"userdata":"%s","instance":{"id":"i-0123456789abcdef0","hostname":"node1",
          "facility":"lab-1","ssh_keys":["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake node1@lab"]}},
         "network":{"interfaces":[{"dhcp":{"mac":"02:00:00:00:c1:01","ip":{"address":"127.0.0.1","netmask":"255.0.0.0"}},
           "netboot":{"allow_pxe":true,"allow_workflow":true}}]}}""".formatted(ID, USERDATA));
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    Path keyFile = dir.resolve("machine.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key));
    credential = MachineCredentials.ofKey(key).credentialFor(ID);

    Path log = dir.resolve("stack.log");
    String java = ProcessHandle.current().info().command().orElse("java");
    netns.start(ns, log, java, "-cp", System.getProperty("java.class.path"),
        "io.tinkerjvm.hegel.support.StackInNamespace", hw.toString(), "--", "--machine-key-file=" + keyFile);
    Pattern ready = Pattern.compile("READY (\\d+)");
    long until = System.nanoTime() + 90_000_000_000L;
    while (true) {
      Matcher m = ready.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
        break;
      }
      if (System.nanoTime() > until) {
        throw new AssertionError("tink-server and Hegel did not start in the namespace:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    Files.writeString(dir.resolve("inner.sh"), """
        set -e; W=%s/ovl-$2; mkdir -p $W/eu $W/ew $W/vu $W/vw
        mount -t overlay overlay -o lowerdir=/etc,upperdir=$W/eu,workdir=$W/ew /etc
        mount -t overlay overlay -o lowerdir=/var,upperdir=$W/vu,workdir=$W/vw /var
        mount -t tmpfs tmpfs /run
        cloud-init --file $1 init >/dev/null 2>&1
        cloud-init status --long
        echo "QUERY $(cloud-init query --format '{{v1.instance_id}} {{v1.local_hostname}}')"
        echo "USERDATA $(cloud-init query userdata)"
        echo "HOSTNAME $(hostname)"
        """.formatted(dir));
  }

  @AfterAll
  static void stop() {
    if (netns != null) {
      netns.close();
    }
  }

  static String runCloudInit(String name, String datasourceConfig) throws Exception {
    Path cfg = work.resolve(name + ".cfg");
    Files.writeString(cfg, datasourceConfig + """
        cloud_init_modules: []
        cloud_config_modules: []
        cloud_final_modules: []
        """);
    Netns.Result r = netns.run(ns, 120, "unshare", "-m", "-u", "--propagation", "private", "sh",
        work.resolve("inner.sh").toString(), cfg.toString(), name);
    assertEquals(0, r.exit(), r.output());
    return r.output();
  }

  @Test
  void ec2DatasourceReadsWhatWasPushedToTink() throws Exception {
    String out = runCloudInit("ec2", """
        datasource_list: [Ec2, None]
        datasource: {Ec2: {metadata_urls: ["http://127.0.0.1:%d"], strict_id: false, timeout: 5, max_wait: 10}}
        """.formatted(port));
    assertTrue(out.contains("DataSourceEc2"), out);
    assertTrue(out.contains("QUERY i-0123456789abcdef0 node1"), out);
    assertTrue(out.contains("USERDATA #cloud-config\nfinal_message: pushed to tink for node1"), out);
    assertTrue(out.contains("HOSTNAME node1"), out);
  }

  @Test
  void noCloudNetReadsWhatWasPushedToTinkWithTheCredentialInItsSeedUrl() throws Exception {
    String out = runCloudInit("nocloud", """
        datasource_list: [NoCloud, None]
        datasource: {NoCloud: {seedfrom: "http://127.0.0.1:%d/credential/%s/nocloud/"}}
        """.formatted(port, credential));
    assertTrue(out.contains("DataSourceNoCloudNet"), out);
    assertTrue(out.contains("QUERY i-0123456789abcdef0 node1"), out);
    assertTrue(out.contains("USERDATA #cloud-config\nfinal_message: pushed to tink for node1"), out);
  }
}
