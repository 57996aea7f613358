package io.tinkerjvm.boots.ipxe;

import io.tinkerjvm.runtime.auth.MachineCredentials;

/**
 * Boots-wide values that go into every machine's iPXE script and OSIE kernel command line.
 *
 * @param tinkerbellUrl {@code http://<public address>} as OSIE expects in {@code tinkerbell=}
 * @param osieBaseUrl where the OSIE kernel and initramfs are, unless the hardware record names its own
 * @param tinkWorkerImage image of the worker to run; empty means OSIE's default ({@code <registry>/tink-worker})
 * @param registryPassword a secret: it reaches the machine's command line and nothing else
 * @param extraKernelArgs appended as given, after the standard arguments
 * @param credentials makes each machine's credential for its command line (Hegel checks it); null for none
 */
public record ScriptSettings(
    String tinkerbellUrl,
    String syslogHost,
    String grpcAuthority,
    boolean tinkerbellTls,
    String defaultFacility,
    String osieBaseUrl,
    String tinkWorkerImage,
    String dockerRegistry,
    String registryUsername,
    String registryPassword,
    String extraKernelArgs,
    MachineCredentials credentials) {

  @Override
  public String toString() {
    // records print every field; this one holds a password
    return "ScriptSettings[tinkerbellUrl=" + tinkerbellUrl + ", grpcAuthority=" + grpcAuthority
        + ", osieBaseUrl=" + osieBaseUrl + ", registry=" + dockerRegistry + ", registryPassword="
        + (registryPassword.isEmpty() ? "" : "<redacted>") + ", credentials=" + (credentials == null ? "off" : "on") + "]";
  }
}
