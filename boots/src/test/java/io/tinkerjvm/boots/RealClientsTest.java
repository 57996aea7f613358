package io.tinkerjvm.boots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.boots.support.BootsProcess;
import io.tinkerjvm.runtime.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots in a network namespace, and the real clients of reference/test-peers.md in another, joined by a
 * veth pair: busybox udhcpc, ISC dhclient, perfdhcp, curl and atftp, util-linux logger.
 */
class RealClientsTest {
  static final String CLIENT_MAC = "02:00:0a:d5:00:10";
  static final String NO_PXE_MAC = "02:00:0a:d5:00:11";
  static final String UNKNOWN_MAC = "02:00:0a:d5:00:99";
  static final String HW_ID = "6f2b1b9e-5d1c-4a53-9a55-0a0000000010";
  static final int PERF_CLIENTS = 50;

  @TempDir
  static Path dir;
  static Netns netns;
  static String srv;
  static String cli;
  static String veth;
  static BootsProcess boots;

  @BeforeAll
  static void start() throws IOException {
    netns = new Netns();
    String[] pair = netns.pair("10.213.0.1/16");
    srv = pair[0];
    cli = pair[1];
    veth = Netns.veth(cli);
    Netns.sh("ip", "-n", cli, "link", "set", "dev", veth, "address", CLIENT_MAC);
    List<String> docs = new ArrayList<>();
    docs.add(hardware(HW_ID, CLIENT_MAC, "10.213.0.10", "node1.lab.test", true));
    docs.add(hardware("6f2b1b9e-5d1c-4a53-9a55-0a0000000011", NO_PXE_MAC, "10.213.0.11", "node2", false));
    List<String> perfMacs = new ArrayList<>();
    for (int i = 0; i < PERF_CLIENTS; i++) {
      String mac = String.format("00:0c:01:02:%02x:%02x", i / 256, i % 256);
      perfMacs.add(mac);
      docs.add(hardware(String.format("00000000-0000-4000-8000-%012d", i), mac,
          "10.213.1." + (i + 1), "perf" + i, true));
    }
    Files.writeString(dir.resolve("hardware.json"), "[" + String.join(",\n", docs) + "]");
    Files.write(dir.resolve("perf-macs.txt"), perfMacs);
    Files.writeString(dir.resolve("hook.sh"), "#!/bin/sh\nenv | sort > \"" + dir + "/${1:-$reason}.env\"\n");
    Files.setPosixFilePermissions(dir.resolve("hook.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
    boots = BootsProcess.start(netns, srv, dir.resolve("boots.log"), "--public-ip=10.213.0.1",
        "--hardware-file=" + dir.resolve("hardware.json"), "--ipxe-dir=/usr/lib/ipxe");
  }

  @AfterAll
  static void stop() {
    if (netns != null) {
      netns.close();
    }
  }

  static String hardware(String id, String mac, String ip, String hostname, boolean pxe) {
    return """
        {"id":"%s","metadata":{"facility":{"facility_code":"lab1"},"instance":{"id":"i-%s","hostname":"%s"}},
         "network":{"interfaces":[{"dhcp":{"mac":"%s","hostname":"%s","lease_time":3600,"arch":"x86_64",
           "name_servers":["10.213.0.53"],"time_servers":["10.213.0.123"],
           "ip":{"address":"%s","netmask":"255.255.0.0","gateway":"10.213.0.1"}},
          "netboot":{"allow_pxe":%s,"allow_workflow":true}}]}}""".formatted(id, hostname, hostname, mac, hostname, ip, pxe);
  }

  /** One udhcpc run with extra options; returns the variables its script saw on "bound", or null. */
  static Map<String, String> udhcpc(String... extra) throws IOException {
    Files.deleteIfExists(dir.resolve("bound.env"));
    List<String> cmd = new ArrayList<>(List.of("udhcpc", "-i", veth, "-f", "-q", "-n", "-t", "3", "-T", "1",
        "-s", dir.resolve("hook.sh").toString()));
    cmd.addAll(List.of(extra));
    Netns.Result r = netns.run(cli, 20, cmd.toArray(String[]::new));
    Path env = dir.resolve("bound.env");
    if (r.exit() != 0 || !Files.exists(env)) {
      return null;
    }
    return parseEnv(Files.readString(env));
  }

  static Map<String, String> parseEnv(String text) {
    Map<String, String> vars = new HashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        vars.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return vars;
  }

  @Test
  void udhcpcGetsTheReservedAddressAndEveryOption() throws IOException {
    Map<String, String> v = udhcpc("-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000");
    assertTrue(v != null, "udhcpc got no lease; Boots' log:\n" + boots.log());
    assertEquals("10.213.0.10", v.get("ip"));
    assertEquals("255.255.0.0", v.get("subnet"));
    assertEquals("10.213.0.1", v.get("router").trim());
    assertEquals("10.213.0.53", v.get("dns").trim());
    assertEquals("node1", v.get("hostname"));
    assertEquals("lab.test", v.get("domain"));
    assertEquals("10.213.255.255", v.get("broadcast"));
    assertEquals("3600", v.get("lease"));
    assertEquals("10.213.0.1", v.get("serverid"));
    assertEquals("10.213.0.123", v.get("ntpsrv").trim());
    assertEquals("10.213.0.1", v.get("siaddr"));
    assertEquals("undionly.kpxe", v.get("boot_file"));
    boots.await(l -> l.contains("ACK " + CLIENT_MAC) && l.contains("undionly.kpxe for x86 BIOS"),
        Duration.ofSeconds(5), "the ACK in Boots' log");
  }

  @Test
  void bootFileFollowsTheClientArchitectureAndFirmware() throws IOException {
    assertEquals("ipxe.efi", udhcpc("-V", "PXEClient:Arch:00007:UNDI:003016", "-x", "0x5d:0007").get("boot_file"));
    assertEquals("ipxe.efi", udhcpc("-V", "PXEClient:Arch:00009:UNDI:003016", "-x", "0x5d:0009").get("boot_file"));
    // iPXE (user class "iPXE", option 77) and Tinkerbell's builds get their script
    assertEquals("http://10.213.0.1:8080/" + CLIENT_MAC + "/auto.ipxe",
        udhcpc("-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000", "-x", "0x4d:69505845").get("boot_file"));
    assertEquals("http://10.213.0.1:8080/" + CLIENT_MAC + "/auto.ipxe",
        udhcpc("-x", "0x4d:54696e6b657262656c6c").get("boot_file"));
    // UEFI HTTP boot gets a URL and the HTTPClient class
    Map<String, String> http = udhcpc("-V", "HTTPClient:Arch:00016:UNDI:003001", "-x", "0x5d:0010");
    assertEquals("http://10.213.0.1:8080/ipxe/ipxe.efi", http.get("boot_file"));
    // ARM64 UEFI: Debian ships no snp.efi, so the address comes without a boot file
    Map<String, String> arm = udhcpc("-V", "PXEClient:Arch:00011:UNDI:003000", "-x", "0x5d:000b");
    assertEquals("10.213.0.10", arm.get("ip"));
    assertFalse(arm.containsKey("boot_file"), "ARM64 got a boot file: " + arm.get("boot_file"));
    boots.await(l -> l.contains("snp.efi for ARM64 UEFI is not in the iPXE folder"), Duration.ofSeconds(5),
        "the missing snp.efi to be named");
    // an operating system's DHCP client (no PXE class, no arch) gets its address and no boot file
    Map<String, String> os = udhcpc();
    assertEquals("10.213.0.10", os.get("ip"));
    assertFalse(os.containsKey("boot_file"));
  }

  @Test
  void machinesThatMayNotNetbootAndUnknownMacs() throws IOException {
    try {
      Netns.sh("ip", "-n", cli, "link", "set", "dev", veth, "address", NO_PXE_MAC);
      Map<String, String> v = udhcpc("-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000");
      assertEquals("10.213.0.11", v.get("ip"));
      assertFalse(v.containsKey("boot_file"), "allow_pxe=false still got " + v.get("boot_file"));

      Netns.sh("ip", "-n", cli, "link", "set", "dev", veth, "address", UNKNOWN_MAC);
      assertEquals(null, udhcpc("-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000"));
      assertFalse(boots.log().contains("OFFER " + UNKNOWN_MAC), "an unknown MAC was answered");
      String metrics = netns.run(srv, 10, "curl", "-sS", "http://10.213.0.1:8080/metrics").output();
      assertTrue(metrics.contains("boots_dhcp_ignored_total{reason=\"unknown_mac\"}"), metrics);
    } finally {
      Netns.sh("ip", "-n", cli, "link", "set", "dev", veth, "address", CLIENT_MAC);
    }
  }

  @Test
  void dhclientGetsTheReservedAddress() throws Exception {
    Path env = dir.resolve("BOUND.env");
    Files.deleteIfExists(env);
    Process p = netns.start(cli, dir.resolve("dhclient.log"), "dhclient", "-4", "-d", "-1", "-v",
        "-sf", dir.resolve("hook.sh").toString(), "-pf", dir.resolve("dhclient.pid").toString(),
        "-lf", dir.resolve("dhclient.leases").toString(), veth);
    try {
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!Files.exists(env) && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(env), "dhclient did not bind:\n" + Files.readString(dir.resolve("dhclient.log")));
      Map<String, String> v = parseEnv(Files.readString(env));
      assertEquals("10.213.0.10", v.get("new_ip_address"));
      assertEquals("255.255.0.0", v.get("new_subnet_mask"));
      assertEquals("10.213.0.1", v.get("new_routers"));
      assertEquals("10.213.0.53", v.get("new_domain_name_servers"));
      assertEquals("node1", v.get("new_host_name"));
      assertEquals("lab.test", v.get("new_domain_name"));
      assertEquals("3600", v.get("new_dhcp_lease_time"));
      assertEquals("10.213.0.1", v.get("new_dhcp_server_identifier"));
      assertEquals("10.213.255.255", v.get("new_broadcast_address"));
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void perfdhcpCompletesItsExchanges() {
    String out = netns.run(cli, 60, "perfdhcp", "-4", "-l", veth, "-r", "100", "-n", "300",
        "-M", dir.resolve("perf-macs.txt").toString(), "-W", "2000000", "all").output();
    Matcher rate = Pattern.compile("Rate: ([0-9.]+) 4-way").matcher(out);
    assertTrue(rate.find(), out);
    assertTrue(Double.parseDouble(rate.group(1)) > 0, out);
    Matcher drops = Pattern.compile("drops: (\\d+)").matcher(out);
    int total = 0;
    while (drops.find()) {
      total += Integer.parseInt(drops.group(1));
    }
    // a handful lost at the very end is perfdhcp stopping; anything more is Boots failing to answer
    assertTrue(total <= 3, "perfdhcp saw " + total + " drops:\n" + out);
  }

  @Test
  void tftpClientsFetchByteIdenticalFilesWithOptions() throws IOException {
    clientAddress();
    Path curlOut = dir.resolve("curl.kpxe");
    Netns.Result curl = netns.run(cli, 30, "curl", "-sS", "--tftp-blksize", "1468", "-o", curlOut.toString(),
        "tftp://10.213.0.1/undionly.kpxe");
    assertEquals(0, curl.exit(), curl.output());
    assertEquals(-1, Files.mismatch(curlOut, Path.of("/usr/lib/ipxe/undionly.kpxe")));

    Path atftpOut = dir.resolve("atftp.efi");
    Netns.Result atftp = netns.run(cli, 30, "atftp", "-g", "-r", "ipxe.efi", "-l", atftpOut.toString(),
        "--option", "blksize 1428", "--option", "tsize 0", "--option", "windowsize 8", "--trace", "10.213.0.1", "69");
    assertEquals(0, atftp.exit(), atftp.output());
    assertTrue(atftp.output().contains("tsize"), atftp.output());
    assertEquals(-1, Files.mismatch(atftpOut, Path.of("/usr/lib/ipxe/ipxe.efi")));
    assertTrue(atftp.output().contains("OACK"), atftp.output());

    Netns.Result outside = netns.run(cli, 30, "atftp", "-g", "-r", "../../etc/passwd", "-l",
        dir.resolve("x").toString(), "10.213.0.1", "69");
    assertNotEquals(0, outside.exit());
    assertTrue(outside.output().contains("outside the served folder"), outside.output());
    Netns.Result missing = netns.run(cli, 30, "atftp", "-g", "-r", "nope.efi", "-l",
        dir.resolve("y").toString(), "10.213.0.1", "69");
    assertTrue(missing.output().contains("file not found"), missing.output());
    Netns.Result write = netns.run(cli, 30, "atftp", "-p", "-r", "up.bin", "-l",
        dir.resolve("hardware.json").toString(), "10.213.0.1", "69");
    assertTrue(write.output().contains("read-only"), write.output());
  }

  @Test
  void scriptBySourceAddressAndSyslogWithTheHardware() throws IOException {
    clientAddress();
    Netns.Result script = netns.run(cli, 20, "curl", "-sS", "-f", "http://10.213.0.1:8080/auto.ipxe");
    assertEquals(0, script.exit(), script.output());
    assertTrue(script.output().contains("worker_id=" + HW_ID), script.output());
    assertTrue(script.output().contains("facility=lab1"), script.output());
    assertTrue(script.output().contains("instance_id=i-node1.lab.test"), script.output());
    Netns.Result binary = netns.run(cli, 20, "curl", "-sS", "-f", "-o", dir.resolve("http.kpxe").toString(),
        "http://10.213.0.1:8080/ipxe/undionly.kpxe");
    assertEquals(0, binary.exit(), binary.output());
    assertEquals(-1, Files.mismatch(dir.resolve("http.kpxe"), Path.of("/usr/lib/ipxe/undionly.kpxe")));

    netns.run(cli, 10, "logger", "-n", "10.213.0.1", "-P", "514", "-d", "--rfc5424", "-t", "osie-agent",
        "action 1 started");
    netns.run(cli, 10, "logger", "-n", "10.213.0.1", "-P", "514", "-d", "--rfc3164", "-t", "dockerd",
        "pulled image");
    boots.await(l -> l.contains("hardware=" + HW_ID) && l.contains("osie-agent") && l.contains("action 1 started"),
        Duration.ofSeconds(5), "the RFC 5424 line with its hardware");
    boots.await(l -> l.contains("hardware=" + HW_ID) && l.contains("dockerd") && l.contains("pulled image"),
        Duration.ofSeconds(5), "the RFC 3164 line with its hardware");
  }

  /** The client end holds the reserved address, as a machine does after its DHCP. */
  private static synchronized void clientAddress() {
    String shown = netns.run(cli, 10, "ip", "-4", "addr", "show", "dev", veth).output();
    if (!shown.contains("10.213.0.10/16")) {
      Netns.sh("ip", "-n", cli, "addr", "add", "10.213.0.10/16", "dev", veth);
    }
  }
}
