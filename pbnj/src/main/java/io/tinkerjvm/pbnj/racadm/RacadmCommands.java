package io.tinkerjvm.pbnj.racadm;

import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import java.util.ArrayList;
import java.util.List;

/** The exact remote racadm argument lists PBnJ runs; no side effects, so tests can pin every one. */
public final class RacadmCommands {
  /** iDRAC user slots; slot 1 is reserved and cannot be changed. */
  public static final int FIRST_USER_SLOT = 2;
  public static final int LAST_USER_SLOT = 16;

  /** iDRAC privilege bitmasks: every privilege, and login only. */
  public static final String PRIVILEGE_ADMIN = "0x1ff";
  public static final String PRIVILEGE_USER = "0x1";
  public static final String PRIVILEGE_NONE = "0x0";

  private RacadmCommands() {}

  /**
   * {@code racadm -r host[:port] -u user -p password} followed by {@code subcommand}. Remote racadm has no
   * environment variable or file for the password (its only other way, {@code -i}, prompts on a terminal),
   * so the password is an argument, visible in the process list while racadm runs.
   */
  public static List<String> remote(String racadm, BmcTarget target, List<String> subcommand) {
    List<String> cmd = new ArrayList<>(List.of(racadm, "-r", target.key(), "-u", target.username(),
        "-p", target.password().reveal()));
    cmd.addAll(subcommand);
    return cmd;
  }

  public static List<String> powerStatus() {
    return List.of("serveraction", "powerstatus");
  }

  public static List<String> power(PowerCommand command) {
    return List.of("serveraction", switch (command) {
      case ON -> "powerup";
      case HARD_OFF -> "powerdown";
      case SOFT_OFF -> "graceshutdown";
      case CYCLE -> "powercycle";
      case RESET -> "hardreset";
    });
  }

  /**
   * The first boot device, then whether it holds for the next boot only. EFI or legacy is the BIOS's boot
   * mode, which racadm's FirstBootDevice follows and cannot change.
   */
  public static List<List<String>> bootDevice(BootDevice device) {
    String first = switch (device.device()) {
      case NONE -> "Normal";
      case PXE -> "PXE";
      case DISK -> "HDD";
      case CDROM -> "VCD-DVD";
      case BIOS -> "BIOS";
    };
    boolean once = device.device() != BootDevice.Device.NONE && !device.persistent();
    return List.of(
        List.of("set", "iDRAC.ServerBoot.FirstBootDevice", first),
        List.of("set", "iDRAC.ServerBoot.BootOnce", once ? "Enabled" : "Disabled"));
  }

  public static List<String> getUserName(int slot) {
    return List.of("get", "iDRAC.Users." + slot + ".UserName");
  }

  /** Name, password, privilege, enable: a slot is never enabled before its password is set. */
  public static List<List<String>> createUser(int slot, UserAccount account) {
    List<List<String>> commands = new ArrayList<>();
    commands.add(List.of("set", "iDRAC.Users." + slot + ".UserName", account.username()));
    commands.addAll(updateUser(slot, account));
    return commands;
  }

  /** Password, then privilege when a role is given, then enable. */
  public static List<List<String>> updateUser(int slot, UserAccount account) {
    List<List<String>> commands = new ArrayList<>();
    commands.add(List.of("set", "iDRAC.Users." + slot + ".Password", account.password().reveal()));
    if (account.role() != null) {
      commands.add(List.of("set", "iDRAC.Users." + slot + ".Privilege",
          account.role() == UserAccount.Role.ADMIN ? PRIVILEGE_ADMIN : PRIVILEGE_USER));
    }
    commands.add(List.of("set", "iDRAC.Users." + slot + ".Enable", "Enabled"));
    return commands;
  }

  /** Disable, no privileges, empty name: the slot is free again. */
  public static List<List<String>> deleteUser(int slot) {
    return List.of(
        List.of("set", "iDRAC.Users." + slot + ".Enable", "Disabled"),
        List.of("set", "iDRAC.Users." + slot + ".Privilege", PRIVILEGE_NONE),
        List.of("set", "iDRAC.Users." + slot + ".UserName", ""));
  }

  /** A cold reset is racadm's hard one (the iDRAC restarts from scratch), a warm one its soft one. */
  public static List<String> resetBmc(boolean cold) {
    return List.of("racreset", cold ? "hard" : "soft");
  }
}
