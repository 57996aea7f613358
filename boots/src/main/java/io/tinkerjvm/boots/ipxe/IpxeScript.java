package io.tinkerjvm.boots.ipxe;

import io.tinkerjvm.boots.hardware.Machine;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a machine's iPXE script (reference §2.3, boots v0.7 in tink mode): OSIE's kernel and initramfs,
 * and a kernel command line that tells the OSIE agent where Tink is and which worker it is. A hardware
 * record's own {@code ipxe.url} or {@code ipxe.contents} replaces the whole script. Pure: no I/O.
 */
public final class IpxeScript {
  private IpxeScript() {}

  /** A value that cannot go on a kernel command line; the message names the field, never the value. */
  public static final class Unrenderable extends Exception {
    Unrenderable(String message) {
      super(message, null, false, false);
    }
  }

  public static String render(Machine m, ScriptSettings s) throws Unrenderable {
    if (!m.ipxeContents().isBlank()) {
      String contents = m.ipxeContents();
      return contents.startsWith("#!ipxe") ? contents : "#!ipxe\n" + contents;
    }
    if (!m.ipxeUrl().isBlank()) {
      return "#!ipxe\nchain --autofree " + arg("netboot.ipxe.url", m.ipxeUrl()) + "\n";
    }
    String base = stripSlash(m.osieBaseUrl().isBlank() ? s.osieBaseUrl() : m.osieBaseUrl());
    String kernel = m.osieKernel().isBlank() ? "vmlinuz-${arch}" : arg("netboot.osie.kernel", m.osieKernel());
    String initrd = m.osieInitrd().isBlank() ? "initramfs-${arch}" : arg("netboot.osie.initrd", m.osieInitrd());
    String facility = m.facility().isBlank() ? s.defaultFacility() : m.facility();

    List<String> args = new ArrayList<>();
    args.add("ip=dhcp");
    args.add("modules=loop,squashfs,sd-mod,usb-storage");
    args.add("alpine_repo=${base-url}/repo-${arch}/main");
    args.add("modloop=${base-url}/modloop-${arch}");
    args.add("tinkerbell=" + arg("public address", s.tinkerbellUrl()));
    args.add("syslog_host=" + arg("syslog host", s.syslogHost()));
    args.add("parch=${arch}");
    args.add("packet_action=" + (m.allowWorkflow() ? "workflow" : "install"));
    if (!m.state().isBlank()) {
      args.add("packet_state=" + arg("metadata.state", m.state()));
    }
    args.add("grpc_authority=" + arg("tinkerbell-grpc-authority", s.grpcAuthority()));
    args.add("packet_base_url=" + base + "/workflow");
    args.add("tinkerbell_tls=" + s.tinkerbellTls());
    ScriptSettings.TinkCa ca = s.tinkCa() == null ? null : s.tinkCa().get();
    if (s.tinkerbellTls() && ca != null) {
      args.add("grpc_cert_url=" + arg("CA URL", ca.url()));
      args.add("tink_ca_sha256=" + ca.sha256());
    }
    if (!s.tinkWorkerImage().isBlank()) {
      args.add("tink_worker_image=" + arg("tink-worker-image", s.tinkWorkerImage()));
    }
    if (!s.dockerRegistry().isBlank()) {
      args.add("docker_registry=" + arg("docker-registry", s.dockerRegistry()));
    }
    if (!s.registryUsername().isBlank()) {
      args.add("registry_username=" + arg("registry-username", s.registryUsername()));
      args.add("registry_password=" + arg("registry-password", s.registryPassword()));
    }
    if (!m.instanceId().isBlank()) {
      args.add("instance_id=" + arg("metadata.instance.id", m.instanceId()));
    }
    args.add("worker_id=" + arg("hardware id", m.hardwareId()));
    if (s.credentials() != null) {
      args.add(MachineCredentials.KERNEL_PARAMETER + "=" + s.credentials().credentialFor(m.hardwareId()));
    }
    args.add("packet_bootdev_mac=" + m.mac());
    args.add("hw_addr=" + m.mac());
    args.add("facility=" + arg("facility", facility));
    args.add("intel_iommu=on");
    args.add("iommu=pt");
    args.add("initrd=" + fileName(initrd));
    args.add("console=tty0");
    args.add("console=ttyS1,115200");
    if (!s.extraKernelArgs().isBlank()) {
      args.add(s.extraKernelArgs().trim());
    }

    StringBuilder b = new StringBuilder(1024);
    b.append("#!ipxe\n\n");
    b.append("echo Tinkerbell Boots: ").append(m.mac()).append(" boots OSIE for worker ")
        .append(m.hardwareId()).append('\n');
    b.append("set arch ").append(m.osieArch()).append('\n');
    b.append("set base-url ").append(arg("OSIE base URL", base)).append('\n');
    b.append("kernel ${base-url}/").append(kernel).append(' ').append(String.join(" ", args)).append('\n');
    b.append("initrd ${base-url}/").append(initrd).append('\n');
    b.append("boot\n");
    return b.toString();
  }

  /**
   * A kernel-command-line word: printable ASCII without spaces, and without {@code ${}, which iPXE would
   * expand.
   */
  static String arg(String field, String value) throws Unrenderable {
    if (value.contains("${")) {
      throw new Unrenderable(field + " contains '${', which iPXE would expand");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c > '~') {
        throw new Unrenderable(field + " contains a space or a non-printable character;"
            + " it cannot be put on a kernel command line");
      }
    }
    return value;
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String fileName(String path) {
    int slash = path.lastIndexOf('/');
    return slash >= 0 ? path.substring(slash + 1) : path;
  }
}
