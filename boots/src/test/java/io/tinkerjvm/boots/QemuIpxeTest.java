package io.tinkerjvm.boots;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.boots.support.BootsProcess;
import io.tinkerjvm.runtime.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A virtual machine netboots from Boots: QEMU (TCG) on a tap device in a bridge inside a network namespace,
 * Boots on that bridge. The assertions are on what Boots saw, in order. The "OSIE" served here is iPXE
 * itself (ipxe.lkrn is a bzImage, ipxe.efi an EFI binary), so that iPXE's kernel command accepts it.
 */
class QemuIpxeTest {
  static final String VM_MAC = "52:54:00:aa:bb:01";
  static final String HW_ID = "5a5a5a5a-0000-4000-8000-525400aabb01";
  static final String KEA_LINK = "kv0";

  @TempDir
  Path dir;

  /** SeaBIOS' network ROM is iPXE itself, so it identifies as iPXE at once and goes straight to its script. */
  @Test
  void biosIpxeGetsItsScriptThenKernelAndInitrd() throws IOException {
    try (Netns netns = new Netns()) {
      BootsProcess boots = bootVm(netns, "/usr/lib/ipxe/ipxe.lkrn", List.of("-m", "256",
          "-fw_cfg", "name=etc/sercon-port,file=" + sercon(), "-device",
          "virtio-net-pci,netdev=n0,mac=" + VM_MAC));
      assertInOrder(boots.log(),
          "OFFER " + VM_MAC, "script http://10.214.0.1:8080/" + VM_MAC + "/auto.ipxe",
          "ACK " + VM_MAC,
          "served the iPXE script of hardware " + HW_ID + " to 10.214.0.50",
          "HTTP sent /osie/vmlinuz-x86_64 to 10.214.0.50",
          "HTTP sent /osie/initramfs-x86_64 to 10.214.0.50");
    }
  }

  /**
   * OVMF's own PXE (the NIC's iPXE option ROM is switched off) is a plain UEFI PXE client: DHCP, ipxe.efi
   * over TFTP, then iPXE's own DHCP as user class iPXE, then its script over HTTP.
   */
  @Test
  void uefiPxeGoesDhcpTftpIpxeDhcpHttp() throws IOException {
    Path vars = dir.resolve("OVMF_VARS.fd");
    Files.copy(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), vars);
    try (Netns netns = new Netns()) {
      BootsProcess boots = bootVm(netns, "/usr/lib/ipxe/ipxe.efi", List.of("-machine", "q35", "-m", "512",
          "-drive", "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
          "-drive", "if=pflash,format=raw,file=" + vars,
          "-device", "virtio-net-pci,netdev=n0,mac=" + VM_MAC + ",romfile="));
      assertInOrder(boots.log(),
          "OFFER " + VM_MAC, "10.214.0.50, ipxe.efi for x64 UEFI",
          "ACK " + VM_MAC,
          "TFTP sent ipxe.efi to 10.214.0.50",
          "OFFER " + VM_MAC, "script http://10.214.0.1:8080/" + VM_MAC + "/auto.ipxe",
          "ACK " + VM_MAC,
          "served the iPXE script of hardware " + HW_ID + " to 10.214.0.50",
          "HTTP sent /osie/vmlinuz-x86_64 to 10.214.0.50",
          "HTTP sent /osie/initramfs-x86_64 to 10.214.0.50");
    }
  }

  /**
   * Proxy mode beside another DHCP server (ISC Kea, in its own namespace on the same bridge, handing out
   * addresses from a pool): iPXE takes its address from Kea and its script URL from Boots' ProxyDHCP offer.
   * (iPXE uses the offer's file name as it is; the port-4011 exchange is checked in ModesOnLoopbackTest.)
   */
  @Test
  void proxyModeBesideKeaBootsIpxeToItsScript() throws IOException {
    try (Netns netns = new Netns()) {
      Path kea = dir.resolve("kea-dhcp4.json");
      Files.writeString(kea, """
          {"Dhcp4": {
            "interfaces-config": {"interfaces": ["%s"], "dhcp-socket-type": "raw"},
            "lease-database": {"type": "memfile", "persist": false},
            "valid-lifetime": 3600,
            "subnet4": [{"id": 1, "subnet": "10.214.0.0/24", "pools": [{"pool": "10.214.0.100 - 10.214.0.120"}]}],
            "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "stdout"}], "severity": "INFO"}]
          }}""".formatted(KEA_LINK));
      BootsProcess boots = bootVm(netns, "/usr/lib/ipxe/ipxe.lkrn", List.of("-m", "256",
              "-fw_cfg", "name=etc/sercon-port,file=" + sercon(), "-device",
              "virtio-net-pci,netdev=n0,mac=" + VM_MAC),
          ns -> {
            // Kea is another machine on the same segment: its own namespace, a veth into Boots' bridge.
            String other = netns.create("k");
            Netns.sh("ip", "link", "add", KEA_LINK, "netns", other, "type", "veth", "peer", "name", "kb0", "netns", ns);
            Netns.sh("ip", "-n", ns, "link", "set", "kb0", "master", "br0");
            Netns.sh("ip", "-n", ns, "link", "set", "kb0", "up");
            Netns.sh("ip", "-n", other, "addr", "add", "10.214.0.2/24", "dev", KEA_LINK);
            Netns.sh("ip", "-n", other, "link", "set", KEA_LINK, "up");
            Process k = netns.start(other, dir.resolve("kea.log"), "env", "KEA_PIDFILE_DIR=" + dir,
                "KEA_LOCKFILE_DIR=" + dir, "kea-dhcp4", "-c", kea.toString());
            awaitFile(dir.resolve("kea.log"), "DHCP4_STARTED", k);
          }, "--dhcp-mode=proxy");
      java.util.regex.Matcher lease = java.util.regex.Pattern.compile("lease (10\\.214\\.0\\.\\d+) has been allocated")
          .matcher(read(dir.resolve("kea.log")));
      assertTrue(lease.find(), "Kea leased nothing: " + read(dir.resolve("kea.log")));
      // the script went to the address Kea leased (from its pool), not to the one the record reserves
      assertInOrder(boots.log(),
          "OFFER " + VM_MAC + " to 255.255.255.255: proxy, script http://10.214.0.1:8080/" + VM_MAC + "/auto.ipxe",
          "served the iPXE script of hardware " + HW_ID + " to " + lease.group(1) + " ");
    }
  }

  private static void awaitFile(Path file, String needle, Process p) {
    long end = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < end && !read(file).contains(needle)) {
      if (!p.isAlive()) {
        throw new AssertionError("kea-dhcp4 exited: " + read(file));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    assertTrue(read(file).contains(needle), "kea-dhcp4 did not start: " + read(file));
  }

  private BootsProcess bootVm(Netns netns, String kernel, List<String> machine) throws IOException {
    return bootVm(netns, kernel, machine, ns -> { }, "--dhcp-mode=reservation");
  }

  private BootsProcess bootVm(Netns netns, String kernel, List<String> machine,
      java.util.function.Consumer<String> beforeBoots, String mode) throws IOException {
    String ns = netns.create("q");
    Netns.sh("ip", "-n", ns, "link", "add", "br0", "type", "bridge");
    Netns.sh("ip", "-n", ns, "addr", "add", "10.214.0.1/24", "dev", "br0");
    Netns.sh("ip", "-n", ns, "link", "set", "br0", "up");
    Netns.sh("ip", "-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap");
    Netns.sh("ip", "-n", ns, "link", "set", "tap0", "master", "br0");
    Netns.sh("ip", "-n", ns, "link", "set", "tap0", "up");
    Path osie = Files.createDirectories(dir.resolve("osie"));
    Files.copy(Path.of(kernel), osie.resolve("vmlinuz-x86_64"));
    Files.write(osie.resolve("initramfs-x86_64"), new byte[4096]);
    Files.writeString(dir.resolve("hardware.json"), """
        [{"id":"%s","metadata":{"instance":{"id":"vm1","hostname":"vm1"}},
          "network":{"interfaces":[{"dhcp":{"mac":"%s","hostname":"vm1","lease_time":3600,"arch":"x86_64",
            "ip":{"address":"10.214.0.50","netmask":"255.255.255.0","gateway":"10.214.0.1"}},
           "netboot":{"allow_pxe":true,"allow_workflow":true}}]}}]""".formatted(HW_ID, VM_MAC));
    beforeBoots.accept(ns);
    BootsProcess boots = BootsProcess.start(netns, ns, dir.resolve("boots.log"), "--public-ip=10.214.0.1", mode,
        "--hardware-file=" + dir.resolve("hardware.json"), "--osie-dir=" + osie, "--ipxe-dir=/usr/lib/ipxe");
    List<String> qemu = new java.util.ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-display", "none",
        "-vga", "none", "-no-reboot", "-boot", "n", "-serial", "file:" + dir.resolve("serial.log"),
        "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"));
    qemu.addAll(machine);
    netns.start(ns, dir.resolve("qemu.log"), qemu.toArray(String[]::new));
    boots.await(l -> l.contains("HTTP sent /osie/initramfs-x86_64"), Duration.ofSeconds(150),
        "the VM to fetch its initrd (QEMU said: " + read(dir.resolve("qemu.log")) + ")");
    return boots;
  }

  private Path sercon() throws IOException {
    // SeaBIOS copies its console to the serial port when this fw_cfg file holds the port (0x3f8)
    Path f = dir.resolve("sercon.bin");
    Files.write(f, new byte[] {(byte) 0xf8, 0x03});
    return f;
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p).trim() : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Each needle appears after the previous one. */
  static void assertInOrder(String log, String... needles) {
    int at = 0;
    for (String n : needles) {
      int i = log.indexOf(n, at);
      assertTrue(i >= 0, "expected '" + n + "' after position " + at + " in Boots' log:\n" + log);
      at = i + n.length();
    }
  }
}
