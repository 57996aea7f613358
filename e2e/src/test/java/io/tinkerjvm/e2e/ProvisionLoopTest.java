package io.tinkerjvm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The whole story, for real (issue 8): the loop as {@code ./tinkerjvm up --demo} runs it, as its own process,
 * then the VM's disk read from the host. Runs in its own stage ({@code ./tinkerjvm e2e}); it fails, never
 * skips, when a part it needs is missing.
 */
class ProvisionLoopTest {
  @Test
  void aVmIsProvisionedEndToEnd() throws Exception {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Path work = Files.createTempDirectory(Path.of("/tmp"), "tinkerjvm-e2e-");
    Path osie = Path.of(System.getProperty("e2e.osie", repo.resolve("deploy/osie/out").toString()));
    List<String> missing = Preflight.missing(osie);
    assertTrue(missing.isEmpty(), "the end-to-end test needs: " + missing);

    // the class path the launcher's demo mode uses (surefire's own is a manifest-only jar it deletes)
    String cp = repo.resolve("e2e/target/classes") + ":"
        + Files.readString(repo.resolve("e2e/target/classpath.txt")).strip();
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
        "--enable-native-access=ALL-UNNAMED", "-cp", cp,
        ProvisionLoop.class.getName(), "--work=" + work, "--osie=" + osie, "--repo=" + repo,
        "--timeout-minutes=25"));
    Process loop = new ProcessBuilder(command).redirectErrorStream(true).start();
    loop.getOutputStream().close();
    // its live progress, through this JVM's System.out so that surefire shows it
    Thread pump = Thread.ofVirtual().start(() -> {
      try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(loop.getInputStream()))) {
        lines.lines().forEach(System.out::println);
      } catch (IOException e) {
        System.out.println("(the loop's output ended: " + e + ")");
      }
    });
    if (!loop.waitFor(40, TimeUnit.MINUTES)) {
      loop.destroy(); // its shutdown hook removes the namespace and everything in it
      loop.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("the loop did not end within 40 minutes; logs in " + work);
    }
    pump.join(10_000);
    assertEquals(0, loop.exitValue(), "the loop failed; logs in " + work.resolve("logs"));
    System.out.println("result.properties:\n" + Files.readString(work.resolve("result.properties")));

    Properties result = new Properties();
    try (var in = Files.newInputStream(work.resolve("result.properties"))) {
      result.load(in);
    }
    assertEquals("SUCCESS", result.getProperty("outcome"));
    // every phase happened, in the order a netboot takes
    List<String> order = List.of("workflow_created", "bmc_PXE_next_boot", "bmc_powered_on", "dhcp_firmware_lease",
        "tftp_ipxe.efi", "dhcp_iPXE_lease", "http_iPXE_script", "http_kernel", "http_initramfs",
        "osie_Linux_started", "agent_connected", "action_stream-image_done", "action_write-metadata_done",
        "workflow_SUCCESS", "bmc_boot_from_disk");
    double previous = 0;
    for (String phase : order) {
      String at = result.getProperty(phase);
      assertTrue(at != null, "no " + phase + " in " + result);
      double t = Double.parseDouble(at);
      assertTrue(t >= previous, phase + " at " + t + " s came before the phase before it (" + previous + " s)");
      previous = t;
    }

    // what the actions wrote, read from the disk image on the host
    Path disk = work.resolve("vm/disk.raw");
    String motd = DiskImage.cat(disk, "/etc/motd");
    assertTrue(motd.startsWith("Provisioned by the TinkerJVM end-to-end image "), motd);
    assertEquals(ProvisionLoop.HOSTNAME, DiskImage.cat(disk, "/etc/hostname").strip());
    String metadata = DiskImage.cat(disk, "/etc/tinkerjvm/metadata.json");
    assertTrue(metadata.contains("\"hostname\":\"" + ProvisionLoop.HOSTNAME + "\"")
        || metadata.contains("\"hostname\": \"" + ProvisionLoop.HOSTNAME + "\""), metadata);
    assertTrue(metadata.contains(ProvisionLoop.HARDWARE_ID), metadata);

    // the BMC saw: PXE, power on (QEMU from the network), then boot from disk, then off
    List<String> calls = Files.readAllLines(work.resolve("vm/calls.log")).stream()
        .map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    int pxe = indexOf(calls, "set boot pxe");
    int start = indexOf(calls, "qemu start (bootindex net=1");
    int disk0 = indexOf(calls, "set boot default");
    assertTrue(pxe >= 0 && start > pxe && disk0 > start, "BMC calls out of order: " + calls);

    // nothing left behind: no namespace, no QEMU
    String netns = new String(new ProcessBuilder("ip", "netns", "list").start().getInputStream().readAllBytes());
    // Lab's namespace is Netns's "tjb<digits>e2e"
    assertTrue(!java.util.regex.Pattern.compile("(?m)^tjb\\d+e2e\\b").matcher(netns).find(),
        "a namespace was left: " + netns);
    String pid = Files.exists(work.resolve("vm/qemu.pid")) ? Files.readString(work.resolve("vm/qemu.pid")).strip() : "";
    assertTrue(pid.isEmpty() || ProcessHandle.of(Long.parseLong(pid)).isEmpty(), "QEMU still runs: " + pid);
    deleteLater(work);
  }

  private static int indexOf(List<String> calls, String prefix) {
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i).contains(prefix)) {
        return i;
      }
    }
    return -1;
  }

  /** Keeps the work folder of a failed run for its logs; a passing run's goes. */
  private static void deleteLater(Path work) throws IOException {
    try (var files = Files.walk(work)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
