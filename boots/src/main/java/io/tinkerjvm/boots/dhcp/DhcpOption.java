package io.tinkerjvm.boots.dhcp;

/** DHCP option codes Boots reads or writes (RFC 2132, 3046, 4578, and iPXE's encapsulated space). */
public final class DhcpOption {
  public static final byte SUBNET_MASK = 1;
  public static final byte ROUTER = 3;
  public static final byte DOMAIN_NAME_SERVER = 6;
  public static final byte LOG_SERVER = 7;
  public static final byte HOST_NAME = 12;
  public static final byte DOMAIN_NAME = 15;
  public static final byte BROADCAST_ADDRESS = 28;
  public static final byte NTP_SERVERS = 42;
  public static final byte VENDOR_SPECIFIC = 43;
  public static final byte REQUESTED_IP = 50;
  public static final byte LEASE_TIME = 51;
  public static final byte MESSAGE_TYPE = 53;
  public static final byte SERVER_ID = 54;
  public static final byte MESSAGE = 56;
  public static final byte RENEWAL_TIME = 58;
  public static final byte REBINDING_TIME = 59;
  public static final byte VENDOR_CLASS = 60;
  public static final byte CLIENT_ID = 61;
  public static final byte USER_CLASS = 77;
  public static final byte RELAY_AGENT_INFO = 82;
  public static final byte CLIENT_ARCH = 93;
  public static final byte CLIENT_NDI = 94;
  public static final byte CLIENT_MACHINE_ID = 97;
  public static final byte IPXE_ENCAPSULATED = (byte) 175;

  /** Inside option 43: PXE_DISCOVERY_CONTROL, and the value that means "boot the file you were given". */
  static final byte PXE_DISCOVERY_CONTROL = 6;
  static final byte PXE_USE_BOOT_FILE = 0x08;
  /** Inside option 175: no-pxedhcp, so iPXE does not wait for a ProxyDHCP offer. */
  static final byte IPXE_NO_PXEDHCP = (byte) 176;

  private DhcpOption() {}
}
