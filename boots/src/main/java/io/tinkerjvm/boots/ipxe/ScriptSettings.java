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
 * @param credentials mints each machine's credential for its command line, per boot (tink-server and Hegel
 *     check it); null for none
 * @param tinkCa the CA the machine is to trust for tink-server's TLS, as it is now (it may appear after Boots
 *     starts); null, or a null answer, leaves it to the system CAs
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
    MachineCredentials credentials,
    java.util.function.Supplier<TinkCa> tinkCa) {

  /**
   * @param url where the machine fetches the CA's PEM (grpc_cert_url=, v0.6's TINKERBELL_CERT_URL)
   * @param sha256 the CA certificate's SHA-256, which the agent checks what it fetched against
   * @param pem the CA certificate itself, which Boots serves at /ca.pem
   */
  public record TinkCa(String url, String sha256, String pem) {}

  @Override
  public String toString() {
    // records print every field; this one holds a password
    return "ScriptSettings[tinkerbellUrl=" + tinkerbellUrl + ", grpcAuthority=" + grpcAuthority
        + ", osieBaseUrl=" + osieBaseUrl + ", registry=" + dockerRegistry + ", registryPassword="
        + (registryPassword.isEmpty() ? "" : "<redacted>") + ", credentials=" + (credentials == null ? "off" : "on") + "]";
  }
}
