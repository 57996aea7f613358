package io.tinkerjvm.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the loop needs on this machine, each missing piece named with the Debian package that has it. */
final class Preflight {
  private Preflight() {}

  static List<String> missing(Path osie) {
    List<String> out = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) {
      out.add("root (it makes a network namespace, a bridge and a tap device, and runs DHCP and TFTP in it)");
    }
    String[][] tools = {
        {"qemu-system-x86_64", "qemu-system-x86"}, {"ipmi_sim", "openipmi"}, {"ipmitool", "ipmitool"},
        {"dockerd", "docker.io"}, {"docker-registry", "docker-registry"}, {"mkfs.ext4", "e2fsprogs"},
        {"debugfs", "e2fsprogs"}, {"ip", "iproute2"}, {"tar", "tar"}};
    for (String[] t : tools) {
      if (which(t[0]) == null) {
        out.add(t[0] + " (apt-get install " + t[1] + ")");
      }
    }
    if (!Files.isExecutable(Path.of(ActionImage.dockerCli()))) {
      out.add("the docker CLI (apt-get install docker.io)");
    }
    String[][] files = {
        {"/usr/share/OVMF/OVMF_CODE_4M.fd", "ovmf"}, {"/usr/share/OVMF/OVMF_VARS_4M.fd", "ovmf"},
        {"/usr/lib/ipxe/ipxe.efi", "ipxe"}, {"/bin/busybox", "busybox-static"}};
    for (String[] f : files) {
      if (!Files.exists(Path.of(f[0]))) {
        out.add(f[0] + " (apt-get install " + f[1] + ")");
      }
    }
    if (Files.exists(Path.of("/bin/busybox")) && which("ldd") != null
        && !Procs.run(java.time.Duration.ofSeconds(10), java.util.Map.of(), null, List.of("ldd", "/bin/busybox"))
            .output().contains("not a dynamic executable")) {
      // the action image holds only busybox: a dynamically linked one finds no C library there
      out.add("a static /bin/busybox (apt-get install busybox-static)");
    }
    for (String f : List.of("vmlinuz-x86_64", "initramfs-x86_64")) {
      if (!Files.isRegularFile(osie.resolve(f))) {
        out.add("the OSIE's " + f + " in " + osie + " (build it: deploy/osie/build.sh)");
      }
    }
    return out;
  }

  /** A TCP port free on loopback just now. */
  static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Path which(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    for (String dir : List.of("/usr/sbin", "/sbin")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
