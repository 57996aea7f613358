package io.tinkerjvm.boots.dhcp;

import io.tinkerjvm.boots.hardware.HardwareSource;
import io.tinkerjvm.boots.hardware.Machine;
import java.util.Arrays;
import java.util.Optional;
import org.dhcp4java.DHCPPacket;

/**
 * Proxy mode (PXE spec, "ProxyDHCP"): another server hands out addresses; Boots answers netboot firmware
 * only, with the boot file and no address, on 67 (alongside the other server's offer) and on 4011 (the
 * boot-server request a client sends once it has its address). Known machines that may netboot only.
 */
public final class ProxyHandler implements DhcpHandler {
  private final HardwareSource hardware;
  private final DhcpSettings settings;
  private final ReplyBuilder replies;

  public ProxyHandler(HardwareSource hardware, DhcpSettings settings) {
    this.hardware = hardware;
    this.settings = settings;
    this.replies = new ReplyBuilder(settings);
  }

  @Override
  public Reply handle(DhcpRequest req, boolean proxyPort, Outcome outcome) {
    if (!req.isNetbootClient() || req.arch() == null && !req.ipxe()) {
      outcome.ignored("not_a_netboot_client", req);
      return null;
    }
    MessageType type;
    if (req.type() == MessageType.DISCOVER && !proxyPort) {
      type = MessageType.OFFER;
    } else if (req.type() == MessageType.REQUEST && (proxyPort || ours(req))) {
      type = MessageType.ACK;
    } else {
      outcome.ignored(req.type() == MessageType.REQUEST ? "request_for_another_server" : "proxy_" + req.type(), req);
      return null;
    }
    Optional<Machine> found = hardware.byMac(req.mac());
    if (found.isEmpty()) {
      outcome.ignored("unknown_mac", req);
      return null;
    }
    Machine m = found.get();
    if (!m.allowPxe()) {
      outcome.ignored("netboot_not_allowed", req);
      return null;
    }
    DHCPPacket p = replies.header(req, type);
    String boot = replies.addBootFile(p, req, m);
    if (p.getFile().isEmpty()) {
      outcome.ignored("no_boot_file", req);
      return null;
    }
    // This reply is the ProxyDHCP answer, so iPXE must not be told to skip ProxyDHCP.
    p.removeOption(DhcpOption.IPXE_ENCAPSULATED);
    // A ProxyDHCP reply always names the client class, even to iPXE, or PXE ROMs discard it.
    if (p.getOptionRaw(DhcpOption.VENDOR_CLASS) == null) {
      p.setOptionRaw(DhcpOption.VENDOR_CLASS, "PXEClient".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return new Reply(p, type, "proxy, " + boot);
  }

  private boolean ours(DhcpRequest req) {
    return req.serverId() != null && Arrays.equals(req.serverId(), settings.serverIp().getAddress());
  }
}
