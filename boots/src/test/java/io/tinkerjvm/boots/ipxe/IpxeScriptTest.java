package io.tinkerjvm.boots.ipxe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.boots.hardware.Machine;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpxeScriptTest {
  static final ScriptSettings SETTINGS = new ScriptSettings("http://10.0.0.1", "10.0.0.1", "10.0.0.1:42113", false,
      "onprem", "http://10.0.0.1:8080/osie", "", "", "", "", "", null, null);

  static Machine machine(String ipxeUrl, String ipxeContents, String osieBase) {
    return new Machine("0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94", "08:00:27:00:00:01", "192.168.1.5",
        "255.255.255.248", "192.168.1.1", "s1", 86400, List.of(), List.of(), "x86_64", false, true, true,
        ipxeUrl, ipxeContents, osieBase, "", "", "ewr1", "i-1", "provisioning");
  }

  @Test
  void rendersTheOsieScriptWithTheWorkerOnTheKernelCommandLine() throws Exception {
    assertEquals("""
        #!ipxe

        echo Tinkerbell Boots: 08:00:27:00:00:01 boots OSIE for worker 0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94
        set arch x86_64
        set base-url http://10.0.0.1:8080/osie
        kernel ${base-url}/vmlinuz-${arch} ip=dhcp modules=loop,squashfs,sd-mod,usb-storage \
        alpine_repo=${base-url}/repo-${arch}/main modloop=${base-url}/modloop-${arch} tinkerbell=http://10.0.0.1 \
        syslog_host=10.0.0.1 parch=${arch} packet_action=workflow packet_state=provisioning \
        grpc_authority=10.0.0.1:42113 packet_base_url=http://10.0.0.1:8080/osie/workflow tinkerbell_tls=false \
        instance_id=i-1 worker_id=0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94 packet_bootdev_mac=08:00:27:00:00:01 \
        hw_addr=08:00:27:00:00:01 facility=ewr1 intel_iommu=on iommu=pt initrd=initramfs-${arch} console=tty0 \
        console=ttyS1,115200
        initrd ${base-url}/initramfs-${arch}
        boot
        """, IpxeScript.render(machine("", "", ""), SETTINGS));
  }

  @Test
  void registryCredentialsAndWorkerImageGoOnTheCommandLine() throws Exception {
    ScriptSettings s = new ScriptSettings("http://10.0.0.1", "10.0.0.1", "10.0.0.1:42113", true, "onprem",
        "http://mirror/osie/", "registry.lab:5000/tink-worker:v1", "registry.lab:5000", "admin", "s3cret", "vga=791", null,
        () -> new ScriptSettings.TinkCa("http://10.0.0.1:8080/ca.pem", "ab12", "PEM"));
    String script = IpxeScript.render(machine("", "", "http://own/osie"), s);
    assertTrue(script.contains(" tinkerbell_tls=true grpc_cert_url=http://10.0.0.1:8080/ca.pem tink_ca_sha256=ab12"
        + " tink_worker_image=registry.lab:5000/tink-worker:v1"
        + " docker_registry=registry.lab:5000 registry_username=admin registry_password=s3cret "), script);
    assertTrue(script.contains("set base-url http://own/osie\n"), script);
    assertTrue(script.contains("console=ttyS1,115200 vga=791\n"), script);
    assertFalse(s.toString().contains("s3cret"), s.toString());
  }

  @Test
  void aNewMachineCredentialGoesOnTheCommandLineEachBoot() throws Exception {
    MachineCredentials credentials = MachineCredentials.ofKey(new byte[32]);
    ScriptSettings s = new ScriptSettings("http://10.0.0.1", "10.0.0.1", "10.0.0.1:42113", false, "onprem",
        "http://10.0.0.1:8080/osie", "", "", "", "", "", credentials, null);
    Machine m = machine("", "", "");
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(
        " worker_id=" + m.hardwareId() + " machine_credential=([A-Za-z0-9._:-]+) ");
    java.util.regex.Matcher first = p.matcher(IpxeScript.render(m, s));
    java.util.regex.Matcher second = p.matcher(IpxeScript.render(m, s));
    assertTrue(first.find() && second.find(), IpxeScript.render(m, s));
    assertNotEquals(first.group(1), second.group(1), "each rendering is a boot and mints its own");
    assertTrue(credentials.verify(m.hardwareId(), first.group(1)));
    assertTrue(credentials.verify(m.hardwareId(), second.group(1)));
    assertFalse(credentials.verify("aaaaaaaa-0000-4000-8000-000000000001", first.group(1)));
    assertFalse(IpxeScript.render(m, SETTINGS).contains("machine_credential"));
  }

  @Test
  void theRecordsOwnScriptReplacesOurs() throws Exception {
    assertEquals("#!ipxe\nchain --autofree http://elsewhere/boot.ipxe\n",
        IpxeScript.render(machine("http://elsewhere/boot.ipxe", "", ""), SETTINGS));
    assertEquals("#!ipxe\necho hi\nboot\n", IpxeScript.render(machine("", "echo hi\nboot\n", ""), SETTINGS));
    assertEquals("#!ipxe\nshell\n", IpxeScript.render(machine("", "#!ipxe\nshell\n", ""), SETTINGS));
  }

  @Test
  void aValueThatWouldBreakTheCommandLineIsRefusedWithoutShowingIt() {
    ScriptSettings s = new ScriptSettings("http://10.0.0.1", "10.0.0.1", "10.0.0.1:42113", false, "onprem",
        "http://10.0.0.1:8080/osie", "", "r", "admin", "pass word", "", null, null);
    IpxeScript.Unrenderable e = assertThrows(IpxeScript.Unrenderable.class,
        () -> IpxeScript.render(machine("", "", ""), s));
    assertTrue(e.getMessage().startsWith("registry-password contains a space"), e.getMessage());
    assertFalse(e.getMessage().contains("pass word"));
    assertThrows(IpxeScript.Unrenderable.class, () -> IpxeScript.render(machine("http://x/${evil}", "", ""), SETTINGS));
  }
}
