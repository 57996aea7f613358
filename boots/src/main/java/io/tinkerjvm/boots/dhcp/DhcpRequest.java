package io.tinkerjvm.boots.dhcp;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import org.dhcp4java.DHCPPacket;

/**
 * A client's DHCP request as the handlers need it: who it is, what it asks for, and what kind of boot
 * firmware sent it. Built by {@link DhcpCodec#decode}; the raw packet stays for the fields a reply echoes.
 */
public record DhcpRequest(
    DHCPPacket packet,
    MessageType type,
    String mac,
    byte[] giaddr,
    byte[] ciaddr,
    byte[] requestedIp,
    byte[] serverId,
    Integer arch,
    String vendorClass,
    String userClass,
    boolean ipxe) {

  private static final byte[] ZERO = new byte[4];

  static DhcpRequest of(DHCPPacket p, MessageType type) {
    byte[] chaddr = p.getChaddr();
    String mac = HexFormat.ofDelimiter(":").formatHex(chaddr, 0, 6).toLowerCase(Locale.ROOT);
    byte[] archRaw = p.getOptionRaw(DhcpOption.CLIENT_ARCH);
    Integer arch = archRaw != null && archRaw.length >= 2 ? ((archRaw[0] & 0xff) << 8) | (archRaw[1] & 0xff) : null;
    String vendor = string(p.getOptionRaw(DhcpOption.VENDOR_CLASS));
    String user = userClass(p.getOptionRaw(DhcpOption.USER_CLASS));
    boolean ipxe = p.containsOption(DhcpOption.IPXE_ENCAPSULATED) || user.equals("iPXE") || user.equals("Tinkerbell");
    return new DhcpRequest(p, type, mac, p.getGiaddrRaw(), p.getCiaddrRaw(),
        ipv4(p.getOptionRaw(DhcpOption.REQUESTED_IP)), ipv4(p.getOptionRaw(DhcpOption.SERVER_ID)),
        arch, vendor, user, ipxe);
  }

  /** A PXE ROM (or iPXE, or UEFI HTTP boot) rather than an operating system's DHCP client. */
  public boolean isNetbootClient() {
    return vendorClass.startsWith("PXEClient") || vendorClass.startsWith("HTTPClient") || arch != null || ipxe;
  }

  public boolean isHttpClient() {
    return vendorClass.startsWith("HTTPClient") || (arch != null && ClientArch.isHttpBoot(arch));
  }

  public boolean relayed() {
    return !java.util.Arrays.equals(giaddr, ZERO);
  }

  public boolean hasCiaddr() {
    return !java.util.Arrays.equals(ciaddr, ZERO);
  }

  public byte[] optionRaw(byte code) {
    return packet.getOptionRaw(code);
  }

  private static byte[] ipv4(byte[] raw) {
    return raw != null && raw.length == 4 ? raw : null;
  }

  private static String string(byte[] raw) {
    return raw == null ? "" : new String(raw, StandardCharsets.ISO_8859_1);
  }

  /**
   * Option 77 is sent two ways: iPXE and Tinkerbell's builds send the bare string, RFC 3004 clients send
   * length-prefixed entries. The first entry (or the bare string) is what identifies the firmware.
   */
  static String userClass(byte[] raw) {
    if (raw == null || raw.length == 0) {
      return "";
    }
    int first = raw[0] & 0xff;
    if (first > 0 && first + 1 <= raw.length && first < 0x20) {
      return new String(raw, 1, first, StandardCharsets.ISO_8859_1);
    }
    return new String(raw, StandardCharsets.ISO_8859_1);
  }
}
