package io.tinkerjvm.pbnj.racadm;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcException.Kind;
import io.tinkerjvm.pbnj.bmc.BmcProvider;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import io.tinkerjvm.pbnj.process.BmcTool;
import io.tinkerjvm.pbnj.process.CommandRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dell iDRACs through remote racadm, one racadm run per command.
 *
 * <p><b>Remote racadm exposes the password in the process list</b>: it takes it only as {@code -p} (no
 * environment variable or file; {@code -i} prompts on a terminal), so any local user can read it while
 * racadm runs. That is why racadm runs only when asked for (the racadm hint, or {@code --providers}), and
 * why a new user's password, set with {@code set iDRAC.Users.N.Password}, is exposed the same way.
 */
public final class RacadmProvider implements BmcProvider {
  private static final Pattern POWER = Pattern.compile("Server power status:\\s*(ON|OFF)", Pattern.CASE_INSENSITIVE);
  private static final Pattern USER_NAME = Pattern.compile("^UserName=(.*)$", Pattern.MULTILINE);

  private final BmcTool racadm;

  /**
   * @param racadmPath the racadm binary (a path, or a name looked up in PATH)
   * @param requestTimeout the longest one racadm run may take
   */
  public RacadmProvider(String racadmPath, Duration requestTimeout) {
    this.racadm = new BmcTool("racadm", racadmPath, requestTimeout);
  }

  @Override
  public String name() {
    return "racadm";
  }

  @Override
  public BmcSession open(BmcTarget target, Instant loginBy, Instant deadline) throws BmcException {
    Session session = new Session(target, deadline);
    // racadm keeps no session between runs; one cheap command proves the address and the password
    session.readPowerState(loginBy);
    return session;
  }

  private final class Session implements BmcSession {
    private final BmcTarget target;
    private final Instant deadline;

    Session(BmcTarget target, Instant deadline) {
      this.target = target;
      this.deadline = deadline;
    }

    @Override
    public String provider() {
      return name();
    }

    @Override
    public PowerState powerState() throws BmcException {
      return readPowerState(deadline);
    }

    private PowerState readPowerState(Instant by) throws BmcException {
      String out = racadm("read the power state", RacadmCommands.powerStatus(), null, by);
      Matcher m = POWER.matcher(out);
      if (!m.find()) {
        throw new BmcException(Kind.FAILED, "racadm gave no power state for BMC " + target.key() + ": '"
            + BmcTool.firstLine(out) + "'");
      }
      return m.group(1).equalsIgnoreCase("ON") ? PowerState.ON : PowerState.OFF;
    }

    @Override
    public void power(PowerCommand command) throws BmcException {
      racadm("power " + command.name().toLowerCase(Locale.ROOT), RacadmCommands.power(command), null);
    }

    @Override
    public void bootDevice(BootDevice device) throws BmcException {
      for (List<String> command : RacadmCommands.bootDevice(device)) {
        racadm("set the boot device to " + device.describe(), command, null);
      }
    }

    @Override
    public void createUser(UserAccount account) throws BmcException {
      int free = -1;
      for (int slot = RacadmCommands.FIRST_USER_SLOT; slot <= RacadmCommands.LAST_USER_SLOT; slot++) {
        String name = userName(slot);
        if (name.equals(account.username())) {
          throw new BmcException(Kind.PRECONDITION, "user '" + account.username() + "' already exists on BMC "
              + target.key() + " (slot " + slot + "); use UpdateUser");
        }
        if (free < 0 && name.isEmpty()) {
          free = slot;
        }
      }
      if (free < 0) {
        throw new BmcException(Kind.PRECONDITION, "BMC " + target.key() + " has no free user slot");
      }
      for (List<String> command : RacadmCommands.createUser(free, account)) {
        racadm("create user '" + account.username() + "'", command, account);
      }
    }

    @Override
    public void updateUser(UserAccount account) throws BmcException {
      for (List<String> command : RacadmCommands.updateUser(findUser(account.username()), account)) {
        racadm("update user '" + account.username() + "'", command, account);
      }
    }

    @Override
    public void deleteUser(String username) throws BmcException {
      for (List<String> command : RacadmCommands.deleteUser(findUser(username))) {
        racadm("delete user '" + username + "'", command, null);
      }
    }

    @Override
    public void resetBmc(boolean cold) throws BmcException {
      racadm("reset the BMC (" + (cold ? "cold" : "warm") + ")", RacadmCommands.resetBmc(cold), null);
    }

    @Override
    public void close() {
      // each racadm run logs in and out by itself
    }

    private String userName(int slot) throws BmcException {
      Matcher m = USER_NAME.matcher(racadm("read user slot " + slot, RacadmCommands.getUserName(slot), null));
      return m.find() ? m.group(1).strip() : "";
    }

    private int findUser(String username) throws BmcException {
      for (int slot = RacadmCommands.FIRST_USER_SLOT; slot <= RacadmCommands.LAST_USER_SLOT; slot++) {
        if (userName(slot).equals(username)) {
          return slot;
        }
      }
      throw new BmcException(Kind.PRECONDITION, "no user '" + username + "' on BMC " + target.key());
    }

    private String racadm(String what, List<String> subcommand, UserAccount account) throws BmcException {
      return racadm(what, subcommand, account, deadline);
    }

    /** Runs one racadm subcommand by {@code by}; racadm may exit 0 after an ERROR line, so the output decides too. */
    private String racadm(String what, List<String> subcommand, UserAccount account, Instant by)
        throws BmcException {
      Duration limit = racadm.limit(what, target, by);
      // racadm has no other way to take the password: it is in this process list entry (see the class note)
      CommandRunner.Result r = racadm.run(what, target, RacadmCommands.remote(racadm.path(), target, subcommand),
          Map.of(), limit);
      String error = errorLine(r.stdout() + "\n" + r.stderr());
      if (error != null || r.exitCode() != 0) {
        String quoted = BmcTool.redact(error != null ? error : BmcTool.lastLine(r.stdout() + "\n" + r.stderr()),
            target, account);
        throw failure(what, error == null ? "" : error, quoted.isEmpty() ? "exit status " + r.exitCode() : quoted);
      }
      return r.stdout();
    }

    private BmcException failure(String what, String error, String quoted) {
      String l = error.toLowerCase(Locale.ROOT);
      if (l.contains("login failed") || l.contains("invalid username or password")) {
        return new BmcException(Kind.UNAUTHENTICATED, "BMC " + target.key() + " refused user '" + target.username()
            + "' or its password (racadm: " + quoted + ")");
      }
      if (l.contains("unable to connect") || l.contains("timed out") || l.contains("timeout")
          || l.contains("could not resolve") || l.contains("unable to resolve")) {
        return new BmcException(Kind.UNREACHABLE, "no answer from BMC " + target.key() + " to " + what
            + " (racadm: " + quoted + ")");
      }
      if (l.contains("privilege") || l.contains("not authorized") || l.contains("permission")) {
        return new BmcException(Kind.FORBIDDEN, "user '" + target.username() + "' may not " + what + " on BMC "
            + target.key() + " (racadm: " + quoted + ")");
      }
      if (l.contains("invalid subcommand") || l.contains("not supported") || l.contains("invalid object")
          || l.contains("invalid attribute")) {
        return new BmcException(Kind.UNSUPPORTED, "BMC " + target.key() + " cannot " + what + " through racadm"
            + " (racadm: " + quoted + ")");
      }
      return new BmcException(Kind.FAILED, "racadm could not " + what + " on BMC " + target.key() + " (racadm: "
          + quoted + ")");
    }
  }

  /** racadm's first "ERROR: ..." line, or null. */
  static String errorLine(String output) {
    for (String line : output.split("\n")) {
      String l = line.strip();
      if (l.regionMatches(true, 0, "ERROR", 0, 5)) {
        return l;
      }
    }
    return null;
  }
}
