package io.tinkerjvm.boots.ipxe;

/**
 * Boots-wide values that go into every machine's iPXE script and OSIE kernel command line.
 *
 * @param tinkerbellUrl {@code http://<public address>} as OSIE expects in {@code tinkerbell=}
 * @param osieBaseUrl where the OSIE kernel and initramfs are, unless the hardware record names its own
 * @param tinkWorkerImage image of the worker to run; empty means OSIE's default ({@code <registry>/tink-worker})
 * @param registryPassword a secret: it reaches the machine's command line and nothing else
 * @param extraKernelArgs appended as given, after the standard arguments
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
    String extraKernelArgs) {

  @Override
  public String toString() {
    // records print every field; this one holds a password
    return "ScriptSettings[tinkerbellUrl=" + tinkerbellUrl + ", grpcAuthority=" + grpcAuthority
        + ", osieBaseUrl=" + osieBaseUrl + ", registry=" + dockerRegistry + ", registryPassword="
        + (registryPassword.isEmpty() ? "" : "<redacted>") + "]";
  }
}
