package io.tinkerjvm.pbnj.ipmi;

import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import java.nio.charset.StandardCharsets;

/** The data bytes of the IPMI 2.0 commands we send (IPMI v2.0 rev 1.1, sections 22, 28). Pure, so tested alone. */
final class IpmiCommands {
  // chassis network function
  static final int CHASSIS_CONTROL = 0x02;
  static final int SET_SYSTEM_BOOT_OPTIONS = 0x08;
  static final int BOOT_FLAGS_PARAMETER = 0x05;
  // application network function
  static final int COLD_RESET = 0x02;
  static final int WARM_RESET = 0x03;
  static final int GET_CHANNEL_INFO = 0x42;
  static final int SET_USER_ACCESS = 0x43;
  static final int GET_USER_ACCESS = 0x44;
  static final int SET_USER_NAME = 0x45;
  static final int GET_USER_NAME = 0x46;
  static final int SET_USER_PASSWORD = 0x47;
  /** "This channel": the one the session runs on. */
  static final int CURRENT_CHANNEL = 0x0e;

  static final int PASSWORD_DISABLE_USER = 0x00;
  static final int PASSWORD_ENABLE_USER = 0x01;
  static final int PASSWORD_SET = 0x02;

  static final int PRIVILEGE_USER = 0x02;
  static final int PRIVILEGE_ADMIN = 0x04;
  static final int PRIVILEGE_NO_ACCESS = 0x0f;

  private IpmiCommands() {}

  /** Chassis Control's one data byte (table 28-4). */
  static byte chassisControl(PowerCommand command) {
    return switch (command) {
      case HARD_OFF -> 0x00;
      case ON -> 0x01;
      case CYCLE -> 0x02;
      case RESET -> 0x03;
      case SOFT_OFF -> 0x05;
    };
  }

  /**
   * Set System Boot Options, parameter 5 (boot flags, table 28-14): valid bit, persistence and BIOS boot
   * type in byte 1, the device selector in bits 5:2 of byte 2. NONE clears the valid bit: no override.
   */
  static byte[] bootFlags(BootDevice boot) {
    int selector = switch (boot.device()) {
      case NONE -> 0x0;
      case PXE -> 0x1;
      case DISK -> 0x2;
      case CDROM -> 0x5;
      case BIOS -> 0x6;
    };
    int flags = boot.device() == BootDevice.Device.NONE ? 0
        : 0x80 | (boot.persistent() ? 0x40 : 0) | (boot.efi() ? 0x20 : 0);
    return new byte[] {BOOT_FLAGS_PARAMETER, (byte) flags, (byte) (selector << 2), 0, 0, 0};
  }

  static byte[] userName(int userId, String name) {
    byte[] out = new byte[17];
    out[0] = (byte) userId;
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(n, 0, out, 1, Math.min(16, n.length));
    return out;
  }

  /** A user name from Get User Name's 16 bytes, NUL-padded. */
  static String nameOf(byte[] response) {
    int end = 0;
    while (end < Math.min(16, response.length) && response[end] != 0) {
      end++;
    }
    return new String(response, 0, end, StandardCharsets.US_ASCII);
  }

  /** Set User Password: a 16-byte password, or the 20-byte form (bit 7 of the id) for longer ones. */
  static byte[] userPassword(int userId, int operation, String password) {
    byte[] p = password == null ? new byte[0] : password.getBytes(StandardCharsets.US_ASCII);
    boolean wide = p.length > 16;
    byte[] out = new byte[operation == PASSWORD_SET ? 2 + (wide ? 20 : 16) : 2];
    out[0] = (byte) (userId | (wide ? 0x80 : 0));
    out[1] = (byte) operation;
    if (operation == PASSWORD_SET) {
      System.arraycopy(p, 0, out, 2, p.length);
    }
    return out;
  }

  /** Set User Access on a channel: IPMI messaging on, the privilege limit, no session limit. */
  static byte[] userAccess(int channel, int userId, int privilege) {
    return new byte[] {(byte) (0x80 | 0x10 | (channel & 0x0f)), (byte) userId, (byte) privilege, 0};
  }

  static byte[] getUserAccess(int channel, int userId) {
    return new byte[] {(byte) (channel & 0x0f), (byte) userId};
  }

  /** The channel number a Get Channel Info answer for "this channel" names. */
  static int channelOf(byte[] response) {
    return response.length == 0 ? 1 : response[0] & 0x0f;
  }

  /** Names the commands we send, for error messages. */
  static String describe(int command) {
    return switch (command) {
      case CHASSIS_CONTROL -> "Chassis Control";
      case SET_SYSTEM_BOOT_OPTIONS -> "Set System Boot Options";
      case GET_CHANNEL_INFO -> "Get Channel Info";
      case SET_USER_ACCESS -> "Set User Access";
      case GET_USER_ACCESS -> "Get User Access";
      case SET_USER_NAME -> "Set User Name";
      case GET_USER_NAME -> "Get User Name";
      case SET_USER_PASSWORD -> "Set User Password";
      default -> String.format("IPMI command %02Xh", command);
    };
  }

  /** The number of user ids a Get User Access answer reports (bits 5:0 of its first byte). */
  static int maxUsers(byte[] response) {
    return response.length == 0 ? 0 : response[0] & 0x3f;
  }
}
