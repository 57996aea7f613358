package io.tinkerjvm.pbnj.ipmitool;

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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IPMI through ipmitool (lanplus), one ipmitool run per operation. Passwords never reach a command line:
 * the login password goes in the environment ({@code -E} reads IPMI_PASSWORD) and a new user's password
 * in a commands file for {@code ipmitool exec}, readable only by us and deleted afterwards. The cipher
 * suite is fixed by configuration: without {@code -C} ipmitool asks the BMC for its suites, which takes
 * about 10 s on ipmi_sim and lets a downgrade pick a weak one.
 */
public final class IpmitoolProvider implements BmcProvider {
  private static final Logger log = LoggerFactory.getLogger(IpmitoolProvider.class);
  public static final int DEFAULT_PORT = 623;

  /** ipmitool's own timing gives up after this many tries at most (its default). */
  static final int MAX_TRIES = 4;

  /** Time for starting ipmitool and for its exit, kept free of its retransmissions. */
  private static final Duration START_MARGIN = Duration.ofMillis(300);

  private static final Pattern POWER = Pattern.compile("Chassis Power is (on|off)");
  private static final Pattern CHANNEL = Pattern.compile("Channel 0x([0-9a-fA-F]+) info");
  private static final Pattern USER_ROW = Pattern.compile("^(\\d+)\\s");

  private final BmcTool ipmitool;
  private final int cipherSuite;

  /**
   * @param ipmitoolPath the ipmitool binary (a path, or a name looked up in PATH)
   * @param cipherSuite the RMCP+ cipher suite, e.g. 3 (SHA1) or 17 (SHA-256)
   * @param requestTimeout the longest one ipmitool run may take
   */
  public IpmitoolProvider(String ipmitoolPath, int cipherSuite, Duration requestTimeout) {
    if (cipherSuite < 0 || cipherSuite > 255) {
      throw new IllegalArgumentException("cipher suite must be from 0 to 255, not " + cipherSuite);
    }
    this.ipmitool = new BmcTool("ipmitool", ipmitoolPath, requestTimeout);
    this.cipherSuite = cipherSuite;
  }

  @Override
  public String name() {
    return "ipmitool";
  }

  @Override
  public BmcSession open(BmcTarget target, Instant loginBy, Instant deadline) throws BmcException {
    Session session = new Session(target, deadline);
    // ipmitool keeps no session between runs; one cheap command proves the address and the password, and
    // its answer serves the task's first power read (one process per status task instead of two)
    session.loginState = session.readPowerState(loginBy);
    return session;
  }

  /** How ipmitool retransmits: {@code -N} seconds for the first try, one second more for each next one. */
  record Timing(int retransmitSeconds, int tries) {
    /**
     * How long ipmitool takes to give up on a BMC that never answers: the tries of one request, twice,
     * because it asks for the authentication capabilities again without the IPMI 2.0 bit. Measured with
     * ipmitool 1.8.19 against a silent port: N=1 R=1 2.1 s, N=1 R=2 6.1 s, N=2 R=1 4.1 s, N=3 R=0 (4 tries) 36 s.
     */
    Duration giveUp() {
      int oneRequest = tries * retransmitSeconds + tries * (tries - 1) / 2;
      return Duration.ofSeconds(2L * oneRequest);
    }

    /** The most tries (one second apart at first) that give up within {@code budget}; at least one. */
    static Timing within(Duration budget) {
      Duration usable = budget.minus(START_MARGIN);
      Timing best = new Timing(1, 1);
      for (int tries = 2; tries <= MAX_TRIES; tries++) {
        Timing t = new Timing(1, tries);
        if (t.giveUp().compareTo(usable) <= 0) {
          best = t;
        }
      }
      return best;
    }
  }

  private final class Session implements BmcSession {
    private final BmcTarget target;
    private final Instant deadline;

    /** The power state the login check read; taken by the first power read, then gone. */
    private PowerState loginState;

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
      PowerState fresh = loginState;
      if (fresh != null) {
        loginState = null;
        return fresh;
      }
      return readPowerState(deadline);
    }

    private PowerState readPowerState(Instant by) throws BmcException {
      String out = ipmitool("read the power state", List.of("chassis", "power", "status"), null, by);
      Matcher m = POWER.matcher(out);
      if (!m.find()) {
        throw new BmcException(Kind.FAILED, "ipmitool gave no power state for BMC " + target.key() + ": '"
            + BmcTool.firstLine(out) + "'");
      }
      return m.group(1).equals("on") ? PowerState.ON : PowerState.OFF;
    }

    @Override
    public void power(PowerCommand command) throws BmcException {
      String verb = switch (command) {
        case ON -> "on";
        case HARD_OFF -> "off";
        case SOFT_OFF -> "soft";
        case CYCLE -> "cycle";
        case RESET -> "reset";
      };
      loginState = null;
      ipmitool("power " + verb, List.of("chassis", "power", verb));
    }

    @Override
    public void bootDevice(BootDevice device) throws BmcException {
      ipmitool("set the boot device to " + device.describe(), bootdevArguments(device));
    }

    @Override
    public void createUser(UserAccount account) throws BmcException {
      checkName(account.username());
      int channel = channel();
      Map<Integer, String> users = users(channel);
      int free = -1;
      for (Map.Entry<Integer, String> user : users.entrySet()) {
        if (user.getValue().equals(account.username())) {
          throw new BmcException(Kind.PRECONDITION, "user '" + account.username() + "' already exists on BMC "
              + target.key() + " (id " + user.getKey() + "); use UpdateUser");
        }
        // id 1 is the anonymous (null) user that IPMI reserves
        if (free < 0 && user.getKey() >= 2 && user.getValue().isEmpty()) {
          free = user.getKey();
        }
      }
      if (free < 0) {
        throw new BmcException(Kind.PRECONDITION, "BMC " + target.key() + " has no free user slot (" + users.size()
            + " in use)");
      }
      List<String> commands = new ArrayList<>();
      commands.add("user set name " + free + " " + account.username());
      commands.addAll(passwordAndAccess(free, channel, account));
      exec("create user '" + account.username() + "'", commands, account);
    }

    @Override
    public void updateUser(UserAccount account) throws BmcException {
      int channel = channel();
      int id = findUser(channel, account.username());
      exec("update user '" + account.username() + "'", passwordAndAccess(id, channel, account), account);
    }

    private List<String> passwordAndAccess(int id, int channel, UserAccount account) throws BmcException {
      String password = account.password().reveal();
      List<String> commands = new ArrayList<>();
      int bytes = password.getBytes(StandardCharsets.UTF_8).length;
      if (bytes == 0) {
        throw new BmcException(Kind.INVALID, "a password is required for user '" + account.username() + "'");
      }
      if (bytes > 20) {
        throw new BmcException(Kind.INVALID, "IPMI passwords are at most 20 bytes; the one for '"
            + account.username() + "' has " + bytes);
      }
      commands.add("user set password " + id + " " + execToken(password, "the password of '" + account.username()
          + "'") + " " + (bytes > 16 ? 20 : 16));
      if (account.role() != null) {
        int privilege = account.role() == UserAccount.Role.ADMIN ? 4 : 2;
        commands.add("channel setaccess " + channel + " " + id + " link=off ipmi=on callin=on privilege=" + privilege);
      }
      commands.add("user enable " + id);
      return commands;
    }

    @Override
    public void deleteUser(String username) throws BmcException {
      int channel = channel();
      int id = findUser(channel, username);
      exec("delete user '" + username + "'", List.of(
          "user disable " + id,
          "channel setaccess " + channel + " " + id + " link=off ipmi=off callin=off privilege=15",
          "user set name " + id + " \"\""), null);
    }

    @Override
    public void resetBmc(boolean cold) throws BmcException {
      String how = cold ? "cold" : "warm";
      // ipmitool sends a cold reset without waiting for the answer, so a BMC that refuses one goes unnoticed
      ipmitool("reset the BMC (" + how + ")", List.of("mc", "reset", how));
    }

    @Override
    public void close() {
      // each ipmitool run opens and closes its own IPMI session
    }

    /** The LAN channel we reach the BMC through (0x0E asks for "this channel"), 1 if the answer is unclear. */
    private int channel() throws BmcException {
      Matcher m = CHANNEL.matcher(ipmitool("read the LAN channel", List.of("channel", "info")));
      return m.find() ? Integer.parseInt(m.group(1), 16) : 1;
    }

    /** User ids and names from {@code user list}, whose rows are "%-4d%-17s..." (a name may hold no spaces). */
    private Map<Integer, String> users(int channel) throws BmcException {
      String out = ipmitool("list the users", List.of("user", "list", Integer.toString(channel)));
      Map<Integer, String> users = new LinkedHashMap<>();
      for (String line : out.split("\n")) {
        Matcher m = USER_ROW.matcher(line);
        if (m.find()) {
          String rest = line.length() > 4 ? line.substring(4) : "";
          String name = rest.length() > 17 ? rest.substring(0, 17) : rest;
          users.put(Integer.parseInt(m.group(1)), name.trim());
        }
      }
      if (users.isEmpty()) {
        throw new BmcException(Kind.FAILED, "ipmitool listed no users on BMC " + target.key() + ": '"
            + BmcTool.firstLine(out) + "'");
      }
      return users;
    }

    private int findUser(int channel, String username) throws BmcException {
      for (Map.Entry<Integer, String> user : users(channel).entrySet()) {
        if (user.getValue().equals(username)) {
          return user.getKey();
        }
      }
      throw new BmcException(Kind.PRECONDITION, "no user '" + username + "' on BMC " + target.key());
    }

    /** Runs commands from a file only we can read, so a new password never shows in the process list. */
    private void exec(String what, List<String> commands, UserAccount account) throws BmcException {
      Path dir = null;
      Path file = null;
      try {
        dir = Files.createTempDirectory("pbnj-ipmitool-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        file = Files.createFile(dir.resolve("commands"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, String.join("\n", commands) + "\n");
        ipmitool(what, List.of("exec", file.toString()), account, deadline);
      } catch (IOException e) {
        throw new BmcException(Kind.FAILED, "cannot write the ipmitool commands file to " + what + ": "
            + e.getMessage(), e);
      } finally {
        deleteQuietly(file);
        deleteQuietly(dir);
      }
    }

    private String ipmitool(String what, List<String> arguments) throws BmcException {
      return ipmitool(what, arguments, null, deadline);
    }

    /** Runs one ipmitool command by {@code by} and returns its stdout, or fails with the kind its error line shows. */
    private String ipmitool(String what, List<String> arguments, UserAccount account, Instant by)
        throws BmcException {
      Duration limit = ipmitool.limit(what, target, by);
      List<String> command = command(ipmitool.path(), target, cipherSuite, Timing.within(limit), arguments);
      CommandRunner.Result r = ipmitool.run(what, target, command,
          Map.of("IPMI_PASSWORD", target.password().reveal()), limit);
      if (r.exitCode() != 0) {
        throw failure(what, r.stderr(), r.exitCode(), account);
      }
      return r.stdout();
    }

    private BmcException failure(String what, String stderr, int exit, UserAccount account) {
      List<String> lines = errorLines(stderr);
      for (String line : lines) {
        Kind kind = kindOf(line);
        if (kind != null) {
          return new BmcException(kind, describe(kind, what) + " (ipmitool: " + BmcTool.redact(line, target, account)
              + ")");
        }
      }
      String quoted = lines.isEmpty() ? "exit status " + exit : BmcTool.redact(lines.getLast(), target, account);
      return new BmcException(Kind.FAILED, "ipmitool could not " + what + " on BMC " + target.key() + " ("
          + "ipmitool: " + quoted + ")");
    }

    private String describe(Kind kind, String what) {
      return switch (kind) {
        case UNAUTHENTICATED -> "BMC " + target.key() + " refused user '" + target.username() + "' or its password";
        case UNREACHABLE -> "no answer from BMC " + target.key() + " to " + what;
        case UNSUPPORTED -> "BMC " + target.key() + " cannot " + what + " through ipmitool";
        case FORBIDDEN -> "user '" + target.username() + "' may not " + what + " on BMC " + target.key()
            + " (Administrator privilege needed)";
        default -> "ipmitool could not " + what + " on BMC " + target.key();
      };
    }
  }

  /** The whole ipmitool command line; it holds no password. */
  static List<String> command(String ipmitool, BmcTarget target, int cipherSuite, Timing timing,
      List<String> arguments) {
    List<String> cmd = new ArrayList<>(List.of(ipmitool, "-I", "lanplus", "-C", Integer.toString(cipherSuite),
        "-H", target.host(), "-p", Integer.toString(target.portOr(DEFAULT_PORT))));
    if (!target.username().isEmpty()) {
      cmd.addAll(List.of("-U", target.username()));
    }
    cmd.addAll(List.of("-E", "-v", "-N", Integer.toString(timing.retransmitSeconds()),
        "-R", Integer.toString(timing.tries())));
    cmd.addAll(arguments);
    return cmd;
  }

  static List<String> bootdevArguments(BootDevice device) {
    String name = switch (device.device()) {
      case NONE -> "none";
      case PXE -> "pxe";
      case DISK -> "disk";
      case CDROM -> "cdrom";
      case BIOS -> "bios";
    };
    List<String> args = new ArrayList<>(List.of("chassis", "bootdev", name));
    List<String> options = new ArrayList<>();
    if (device.persistent()) {
      options.add("persistent");
    }
    if (device.efi()) {
      options.add("efiboot");
    }
    // "none" clears the override, so options for the next boot mean nothing there
    if (device.device() != BootDevice.Device.NONE && !options.isEmpty()) {
      args.add("options=" + String.join(",", options));
    }
    return args;
  }

  /**
   * One argument of a line in an {@code ipmitool exec} file. ipmitool cuts each line at the first '#', even
   * inside quotes, and splits it at blanks unless a token is wrapped in "..." or '...' (no escapes).
   */
  static String execToken(String value, String what) throws BmcException {
    if (value.indexOf('#') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      throw new BmcException(Kind.UNSUPPORTED, "ipmitool cannot take " + what
          + " from a commands file: it contains '#' or a line break (the ipmi provider can)");
    }
    boolean plain = value.chars().noneMatch(c -> c == ' ' || c == '\t' || c == '"' || c == '\'');
    if (plain) {
      return value;
    }
    if (value.indexOf('"') < 0) {
      return "\"" + value + "\"";
    }
    if (value.indexOf('\'') < 0) {
      return "'" + value + "'";
    }
    throw new BmcException(Kind.UNSUPPORTED, "ipmitool cannot take " + what
        + " from a commands file: it contains both kinds of quote (the ipmi provider can)");
  }

  /** IPMI user names: 1 to 16 bytes; ipmitool's user list and exec files also need them free of blanks and quotes. */
  static void checkName(String username) throws BmcException {
    int bytes = username.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > 16) {
      throw new BmcException(Kind.INVALID, "IPMI user names have 1 to 16 bytes; '" + username + "' has " + bytes);
    }
    if (username.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\'' || c == '#' || c == 0x7f)) {
      throw new BmcException(Kind.INVALID, "user name '" + username
          + "' holds a blank, a quote, '#' or a control character, which ipmitool cannot pass on");
    }
  }

  /** stderr without what {@code -v} always prints (the IANA registry, the VSO probe ipmi_sim rejects). */
  static List<String> errorLines(String stderr) {
    List<String> lines = new ArrayList<>();
    boolean afterVsoProbe = false;
    for (String raw : stderr.split("\n")) {
      String line = raw.strip();
      if (line.startsWith(">")) {
        line = line.substring(1).strip();
      }
      boolean vsoAnswer = afterVsoProbe && line.startsWith("Invalid completion code received");
      afterVsoProbe = line.startsWith("Running Get VSO Capabilities");
      if (line.isEmpty() || vsoAnswer || afterVsoProbe || line.startsWith("Loading IANA PEN Registry")
          || line.startsWith("Discovered IPMB address")) {
        continue;
      }
      lines.add(line);
    }
    return lines;
  }

  /** The failure kind one ipmitool error line shows, or null when it shows none. */
  static Kind kindOf(String line) {
    String l = line.toLowerCase(Locale.ROOT);
    if (l.contains("rakp 2 hmac is invalid") || l.contains("unauthorized name")
        || l.contains("rakp 2 message indicates an error") || l.contains("rakp 4 message indicates an error")
        || l.contains("invalid integrity check value") || l.contains("unauthorized role")) {
      return Kind.UNAUTHENTICATED;
    }
    if (l.contains("get auth capabilities error") || l.contains("no response") || l.contains("address lookup")
        || l.contains("timeout") || l.contains("node busy")) {
      return Kind.UNREACHABLE;
    }
    if (l.contains("insufficient privilege") || l.contains("set session privilege level")) {
      return Kind.FORBIDDEN;
    }
    if (l.contains("invalid command") || l.contains("command not supported") || l.contains("illegal command")
        || l.contains("invalid authentication algorithm") || l.contains("invalid integrity algorithm")
        || l.contains("invalid confidentiality algorithm") || l.contains("not supported")) {
      return Kind.UNSUPPORTED;
    }
    return null;
  }

  /** Deletes without throwing, so a failed delete cannot hide the run's own outcome. */
  private static void deleteQuietly(Path path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot delete {} (it may hold a BMC password): {}", path, e.toString());
    }
  }
}
