package io.tinkerjvm.boots.dhcp;

import io.tinkerjvm.boots.hardware.Machine;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dhcp4java.DHCPPacket;

/** The parts of a reply both modes share: the header, the reservation's options, and the boot file. */
final class ReplyBuilder {
  private static final byte[] ZERO_IP = new byte[4];
  private final DhcpSettings settings;

  ReplyBuilder(DhcpSettings settings) {
    this.settings = settings;
  }

  /** A BOOTREPLY that matches the request's transaction, flags, relay and client hardware address. */
  DHCPPacket header(DhcpRequest req, MessageType type) {
    DHCPPacket p = new DHCPPacket();
    p.setOp((byte) 2);
    p.setHtype((byte) 1);
    p.setHlen((byte) 6);
    p.setXid(req.packet().getXid());
    // RFC 2131 4.3.2: a NAK through a relay must be broadcast by the relay, so the bit is set for it
    short flags = req.packet().getFlags();
    p.setFlags(type == MessageType.NAK && req.relayed() ? (short) (flags | 0x8000) : flags);
    p.setGiaddrRaw(req.giaddr());
    p.setChaddr(req.packet().getChaddr());
    p.setCiaddrRaw(type == MessageType.NAK ? ZERO_IP : req.ciaddr());
    p.setYiaddrRaw(ZERO_IP);
    p.setSiaddrRaw(ZERO_IP);
    p.setDhcp(true);
    p.setDHCPMessageType(type.code);
    p.setOptionRaw(DhcpOption.SERVER_ID, settings.serverIp().getAddress());
    byte[] relay = req.optionRaw(DhcpOption.RELAY_AGENT_INFO);
    if (relay != null) {
      p.setOptionRaw(DhcpOption.RELAY_AGENT_INFO, relay);
    }
    return p;
  }

  /** yiaddr, lease, mask, router, DNS, NTP, host and domain name, broadcast address. */
  void addReservation(DHCPPacket p, Machine m, boolean withLease) throws UnknownHostException {
    byte[] ip = address(m.ip());
    p.setYiaddrRaw(ip);
    if (withLease) {
      long lease = m.leaseTimeSeconds() > 0 ? m.leaseTimeSeconds() : settings.defaultLeaseSeconds();
      int seconds = (int) Math.min(lease, 0xffffffffL);
      p.setOptionAsInt(DhcpOption.LEASE_TIME, seconds);
      p.setOptionAsInt(DhcpOption.RENEWAL_TIME, (int) (lease / 2));
      p.setOptionAsInt(DhcpOption.REBINDING_TIME, (int) (lease * 7 / 8));
    }
    addHostOptions(p, m);
  }

  /** The options that describe the network, without an address (also for DHCPINFORM). */
  void addHostOptions(DHCPPacket p, Machine m) throws UnknownHostException {
    if (!m.netmask().isBlank()) {
      byte[] mask = address(m.netmask());
      p.setOptionRaw(DhcpOption.SUBNET_MASK, mask);
      if (m.hasAddress()) {
        byte[] ip = address(m.ip());
        byte[] broadcast = new byte[4];
        for (int i = 0; i < 4; i++) {
          broadcast[i] = (byte) (ip[i] | ~mask[i]);
        }
        p.setOptionRaw(DhcpOption.BROADCAST_ADDRESS, broadcast);
      }
    }
    if (!m.gateway().isBlank()) {
      p.setOptionRaw(DhcpOption.ROUTER, address(m.gateway()));
    }
    List<InetAddress> dns = new ArrayList<>();
    for (String s : m.nameServers()) {
      dns.add(InetAddress.getByAddress(address(s)));
    }
    if (dns.isEmpty()) {
      dns.addAll(settings.defaultNameServers());
    }
    if (!dns.isEmpty()) {
      p.setOptionAsInetAddresses(DhcpOption.DOMAIN_NAME_SERVER, dns.toArray(InetAddress[]::new));
    }
    List<InetAddress> ntp = new ArrayList<>();
    for (String s : m.timeServers()) {
      ntp.add(InetAddress.getByAddress(address(s)));
    }
    if (!ntp.isEmpty()) {
      p.setOptionAsInetAddresses(DhcpOption.NTP_SERVERS, ntp.toArray(InetAddress[]::new));
    }
    String host = m.hostname();
    String domain = settings.domainName();
    int dot = host.indexOf('.');
    if (dot > 0) {
      domain = domain.isBlank() ? host.substring(dot + 1) : domain;
      host = host.substring(0, dot);
    }
    if (!host.isBlank()) {
      p.setOptionRaw(DhcpOption.HOST_NAME, host.getBytes(StandardCharsets.US_ASCII));
    }
    if (!domain.isBlank()) {
      p.setOptionRaw(DhcpOption.DOMAIN_NAME, domain.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /**
   * The boot file and the options a netboot client needs, or nothing for a machine that may not netboot or
   * a client that is not a netboot firmware. Returns a description of the choice for the log.
   */
  String addBootFile(DHCPPacket p, DhcpRequest req, Machine m) {
    if (!req.isNetbootClient()) {
      return "no boot file (not a netboot client)";
    }
    if (!m.allowPxe()) {
      return "no boot file (allow_pxe is false)";
    }
    byte[] machineId = req.optionRaw(DhcpOption.CLIENT_MACHINE_ID);
    if (machineId != null) {
      p.setOptionRaw(DhcpOption.CLIENT_MACHINE_ID, machineId);
    }
    if (req.ipxe()) {
      // iPXE has loaded: hand it its script. no-pxedhcp stops it waiting for a ProxyDHCP offer.
      p.setFile(settings.httpBase() + "/" + m.mac() + "/auto.ipxe");
      p.setOptionRaw(DhcpOption.IPXE_ENCAPSULATED, new byte[] {DhcpOption.IPXE_NO_PXEDHCP, 1, 1});
      if (settings.syslogIp() != null) {
        p.setOptionRaw(DhcpOption.LOG_SERVER, settings.syslogIp().getAddress());
      }
      p.setSiaddrRaw(settings.serverIp().getAddress());
      return "script " + p.getFile();
    }
    int arch = req.arch() == null ? 0 : req.arch();
    String binary = ClientArch.binaryFor(arch);
    if (binary == null) {
      return "no boot file (no iPXE build for " + ClientArch.name(arch) + ")";
    }
    if (!settings.availableBinaries().contains(binary)) {
      return "no boot file (" + binary + " for " + ClientArch.name(arch) + " is not in the iPXE folder)";
    }
    if (req.isHttpClient()) {
      p.setFile(settings.httpBase() + "/ipxe/" + binary);
      p.setOptionRaw(DhcpOption.VENDOR_CLASS, "HTTPClient".getBytes(StandardCharsets.US_ASCII));
    } else {
      p.setFile(binary);
      p.setOptionRaw(DhcpOption.VENDOR_CLASS, "PXEClient".getBytes(StandardCharsets.US_ASCII));
      p.setOptionRaw(DhcpOption.VENDOR_SPECIFIC,
          new byte[] {DhcpOption.PXE_DISCOVERY_CONTROL, 1, DhcpOption.PXE_USE_BOOT_FILE, (byte) 255});
    }
    p.setSiaddrRaw(settings.serverIp().getAddress());
    return p.getFile() + " for " + ClientArch.name(arch);
  }

  /** A dotted-quad literal; never a name lookup, which would block the packet loop. */
  static byte[] address(String dotted) throws UnknownHostException {
    String[] parts = dotted.trim().split("\\.", -1);
    if (parts.length != 4) {
      throw new UnknownHostException("'" + dotted + "' is not an IPv4 address");
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      int v;
      try {
        v = parts[i].isEmpty() || parts[i].length() > 3 ? -1 : Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        v = -1;
      }
      if (v < 0 || v > 255) {
        throw new UnknownHostException("'" + dotted + "' is not an IPv4 address");
      }
      out[i] = (byte) v;
    }
    return out;
  }
}
