package io.tinkerjvm.pbnj.ipmi;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcException.Kind;
import io.tinkerjvm.pbnj.bmc.BmcProvider;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.metricshub.ipmi.core.api.async.ConnectionHandle;
import org.metricshub.ipmi.core.api.sync.IpmiConnector;
import org.metricshub.ipmi.core.coding.commands.IpmiVersion;
import org.metricshub.ipmi.core.coding.commands.PrivilegeLevel;
import org.metricshub.ipmi.core.coding.commands.chassis.GetChassisStatus;
import org.metricshub.ipmi.core.coding.commands.chassis.GetChassisStatusResponseData;
import org.metricshub.ipmi.core.coding.commands.session.SetSessionPrivilegeLevel;
import org.metricshub.ipmi.core.coding.payload.CompletionCode;
import org.metricshub.ipmi.core.coding.payload.lan.IPMIException;
import org.metricshub.ipmi.core.coding.payload.lan.NetworkFunction;
import org.metricshub.ipmi.core.coding.protocol.AuthenticationType;
import org.metricshub.ipmi.core.coding.security.CipherSuite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IPMI 2.0 over RMCP+ in the JVM, with ipmi-java (the stand-in for ipmi4j). Each session has a connector
 * (a UDP socket and its listener) of its own: sharing one, a hundred sessions opened at once to BMCs on
 * one address had their handshake answers crossed and failed authentication now and then. The cipher
 * suite is fixed by configuration, never negotiated: asking a BMC for its suites hangs on some (ipmi_sim
 * among them) and lets a downgrade pick a weak one.
 */
public final class NativeIpmiProvider implements BmcProvider {
  public static final int DEFAULT_PORT = 623;
  private static final Logger log = LoggerFactory.getLogger(NativeIpmiProvider.class);

  /**
   * Get User Name's completion codes for an id that holds no user: invalid data field (CCh, ipmi_sim's),
   * parameter out of range (C9h), data not present (CBh). Any other error is no proof that a slot is free.
   */
  private static final Set<Integer> NO_SUCH_USER = Set.of(0xcc, 0xc9, 0xcb);

  private final int cipherSuite;
  private final Duration requestTimeout;

  /** @param cipherSuite 3 (HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) or 17 (the same with SHA-256) */
  public NativeIpmiProvider(int cipherSuite, Duration requestTimeout) {
    if (cipherSuite != 3 && cipherSuite != 17) {
      throw new IllegalArgumentException("cipher suite must be 3 or 17");
    }
    this.cipherSuite = cipherSuite;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public String name() {
    return "ipmi";
  }

  static CipherSuite suite(int id) {
    // the Get Channel Cipher Suites record form: start of record, id, then the three algorithm tags
    byte[] record = id == 17
        ? new byte[] {(byte) 0xc0, 17, 0x03, 0x44, (byte) 0x81}
        : new byte[] {(byte) 0xc0, 3, 0x01, 0x41, (byte) 0x81};
    return CipherSuite.getCipherSuites(record).getFirst();
  }

  @Override
  public BmcSession open(BmcTarget target, Instant loginBy, Instant deadline) throws BmcException {
    try {
      return openOnce(target, loginBy, deadline);
    } catch (BmcException e) {
      if (e.kind() != BmcException.Kind.UNAUTHENTICATED || !Instant.now().isBefore(loginBy)) {
        throw e;
      }
      // About 1 cold login in 150 to ipmi_sim fails its RAKP exchange with the right password (measured while
      // provisioning a VM end to end); a second, fresh handshake tells that apart from a wrong password, at the
      // cost of one more failed login on the BMC's lockout count when the password really is wrong.
      log.debug("IPMI login to {} refused; trying one fresh handshake: {}", target.key(), e.getMessage());
      return openOnce(target, loginBy, deadline);
    }
  }

  private BmcSession openOnce(BmcTarget target, Instant loginBy, Instant deadline) throws BmcException {
    InetAddress address;
    try {
      address = InetAddress.getByName(target.host());
    } catch (UnknownHostException e) {
      throw new BmcException(Kind.UNREACHABLE, "cannot resolve BMC host '" + target.host() + "'");
    }
    IpmiConnector c;
    try {
      c = new IpmiConnector(0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a UDP socket for IPMI: " + e.getMessage(), e);
    }
    CipherSuite suite = suite(cipherSuite);
    ConnectionHandle handle;
    try {
      handle = c.createConnection(address, target.portOr(DEFAULT_PORT), suite, PrivilegeLevel.Administrator);
    } catch (IOException e) {
      c.tearDown();
      throw new BmcException(Kind.UNREACHABLE, "cannot reach BMC " + target.key() + ": " + e.getMessage());
    }
    boolean sessionOpen = false;
    try {
      c.setTimeout(handle, (int) timeoutUntil(loginBy).toMillis());
      c.openSession(handle, target.username(), target.password().reveal(), null);
      sessionOpen = true;
      // sessions open at the privilege the BMC chooses for the user; power control needs Administrator
      c.sendMessage(handle, new SetSessionPrivilegeLevel(IpmiVersion.V20, suite, AuthenticationType.RMCPPlus,
          PrivilegeLevel.Administrator));
    } catch (Exception e) {
      closeQuietly(c, handle, sessionOpen);
      log.debug("IPMI session with {} failed", target.key(), e);
      throw classify(e, target, true);
    }
    return new Session(c, handle, suite, target, deadline);
  }

  /** ipmi-java sends each request up to this many times before it gives up. */
  private static final int LIBRARY_ATTEMPTS = 4;

  /** One attempt's timeout: the request timeout, or less so that all the library's attempts end by {@code by}. */
  private Duration timeoutUntil(Instant by) {
    Duration left = Duration.between(Instant.now(), by).dividedBy(LIBRARY_ATTEMPTS);
    Duration t = left.compareTo(requestTimeout) < 0 ? left : requestTimeout;
    return t.isNegative() || t.isZero() ? Duration.ofMillis(1) : t;
  }

  /** Turns what ipmi-java throws into a kind a caller can act on. */
  static BmcException classify(Exception e, BmcTarget target, boolean opening) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IPMIException ipmi) {
        return fromCompletionCode(ipmi.getCompletionCode(), target);
      }
    }
    String text = String.valueOf(e.getMessage()).toLowerCase();
    if (text.contains("timeout") || text.contains("timed out") || e instanceof java.net.SocketTimeoutException) {
      return new BmcException(Kind.UNREACHABLE, "no answer from BMC " + target.key()
          + (opening ? " while opening an IPMI session" : ""));
    }
    if (opening && (text.contains("authentic") || text.contains("rakp") || text.contains("integrity")
        || text.contains("unauthorized") || text.contains("password") || text.contains("auth code"))) {
      return new BmcException(Kind.UNAUTHENTICATED, "BMC " + target.key() + " refused user '" + target.username()
          + "' or its password");
    }
    return new BmcException(Kind.FAILED, "IPMI " + (opening ? "session with " : "command to ") + "BMC " + target.key()
        + " failed: " + e.getMessage());
  }

  static BmcException fromCompletionCode(CompletionCode code, BmcTarget target) {
    String what = "BMC " + target.key() + " answered: " + code.getMessage() + " (completion code "
        + String.format("%02Xh", code.getCode()) + ")";
    return switch (code) {
      case UnauthorizedName, InvalidIntegrityCheckValue, UnauthorizedRole, UnauthorizedGuid, InvalidRole ->
          new BmcException(Kind.UNAUTHENTICATED, "BMC " + target.key() + " refused user '" + target.username()
              + "' or its password (" + code.getMessage() + ")");
      case InsufficentPrivilege -> new BmcException(Kind.FORBIDDEN, what + ": the user needs Administrator privilege");
      case InvalidCommand, IllegalCommand, CommandNotSupported, InvalidLun, ParameterOutOfRange, IllegalParameter,
          IllegalOrUnrecognizedParameter -> new BmcException(Kind.UNSUPPORTED, what + ": this BMC does not support it");
      case Timeout, NodeBusy, CannotRespond, ResponseUnavailable -> new BmcException(Kind.UNREACHABLE, what);
      default -> new BmcException(Kind.FAILED, what);
    };
  }

  private static void closeQuietly(IpmiConnector c, ConnectionHandle handle, boolean session) {
    if (session) {
      try {
        c.closeSession(handle);
      } catch (Exception e) {
        // the BMC ends idle sessions by itself; nothing to do about a lost close
        log.debug("closing the IPMI session failed; the BMC will end it when idle: {}", e.toString());
      }
    }
    c.closeConnection(handle);
    c.tearDown();
  }

  private final class Session implements BmcSession {
    private final IpmiConnector c;
    private final ConnectionHandle handle;
    private final CipherSuite suite;
    private final BmcTarget target;
    private final Instant deadline;

    Session(IpmiConnector c, ConnectionHandle handle, CipherSuite suite, BmcTarget target, Instant deadline) {
      this.c = c;
      this.handle = handle;
      this.suite = suite;
      this.target = target;
      this.deadline = deadline;
    }

    @Override
    public String provider() {
      return name();
    }

    private Object send(org.metricshub.ipmi.core.coding.PayloadCoder coder) throws BmcException {
      if (!Instant.now().isBefore(deadline)) {
        throw new BmcException(Kind.UNREACHABLE, "no time left for BMC " + target.key());
      }
      try {
        c.setTimeout(handle, (int) timeoutUntil(deadline).toMillis());
        return c.sendMessage(handle, coder);
      } catch (Exception e) {
        throw classify(e, target, false);
      }
    }

    private byte[] request(NetworkFunction netFn, int command, byte... data) throws BmcException {
      return answer(new IpmiRequest(suite, netFn, command, data)).data();
    }

    private IpmiRequest.Response answer(IpmiRequest request) throws BmcException {
      try {
        return (IpmiRequest.Response) send(request);
      } catch (BmcException e) {
        throw new BmcException(e.kind(), describeCommand(request.getNetworkFunction(),
            request.getCommandCode() & 0xff) + ": " + e.getMessage(), e);
      }
    }

    private static String describeCommand(NetworkFunction netFn, int command) {
      if (netFn == NetworkFunction.ApplicationRequest && (command == IpmiCommands.COLD_RESET
          || command == IpmiCommands.WARM_RESET)) {
        return command == IpmiCommands.COLD_RESET ? "Cold Reset" : "Warm Reset";
      }
      return IpmiCommands.describe(command);
    }

    private int channel = -1;

    /** The LAN channel this session runs on, which the user-access commands must name. */
    private int channel() throws BmcException {
      if (channel < 0) {
        channel = IpmiCommands.channelOf(request(NetworkFunction.ApplicationRequest, IpmiCommands.GET_CHANNEL_INFO,
            (byte) IpmiCommands.CURRENT_CHANNEL));
      }
      return channel;
    }

    @Override
    public PowerState powerState() throws BmcException {
      GetChassisStatusResponseData status = (GetChassisStatusResponseData) send(
          new GetChassisStatus(IpmiVersion.V20, suite, AuthenticationType.RMCPPlus));
      return status.isPowerOn() ? PowerState.ON : PowerState.OFF;
    }

    @Override
    public void power(PowerCommand command) throws BmcException {
      request(NetworkFunction.ChassisRequest, IpmiCommands.CHASSIS_CONTROL, IpmiCommands.chassisControl(command));
    }

    @Override
    public void bootDevice(BootDevice device) throws BmcException {
      request(NetworkFunction.ChassisRequest, IpmiCommands.SET_SYSTEM_BOOT_OPTIONS, IpmiCommands.bootFlags(device));
    }

    @Override
    public void createUser(UserAccount account) throws BmcException {
      int max = maxUsers();
      int free = -1;
      for (int id = 2; id <= max; id++) {
        String name = userName(id);
        if (name.equals(account.username())) {
          throw new BmcException(Kind.PRECONDITION, "user '" + account.username() + "' already exists on BMC "
              + target.key() + " (id " + id + "); use UpdateUser");
        }
        if (free < 0 && name.isEmpty()) {
          free = id;
        }
      }
      if (free < 0) {
        throw new BmcException(Kind.PRECONDITION, "BMC " + target.key() + " has no free user slot (" + max + " in use)");
      }
      request(NetworkFunction.ApplicationRequest, IpmiCommands.SET_USER_NAME,
          IpmiCommands.userName(free, account.username()));
      setPasswordAndAccess(free, account);
    }

    @Override
    public void updateUser(UserAccount account) throws BmcException {
      setPasswordAndAccess(findUser(account.username()), account);
    }

    private void setPasswordAndAccess(int id, UserAccount account) throws BmcException {
      request(NetworkFunction.ApplicationRequest, IpmiCommands.SET_USER_PASSWORD,
          IpmiCommands.userPassword(id, IpmiCommands.PASSWORD_SET, account.password().reveal()));
      if (account.role() != null) {
        request(NetworkFunction.ApplicationRequest, IpmiCommands.SET_USER_ACCESS, IpmiCommands.userAccess(channel(), id,
            account.role() == UserAccount.Role.ADMIN ? IpmiCommands.PRIVILEGE_ADMIN : IpmiCommands.PRIVILEGE_USER));
      }
      request(NetworkFunction.ApplicationRequest, IpmiCommands.SET_USER_PASSWORD,
          IpmiCommands.userPassword(id, IpmiCommands.PASSWORD_ENABLE_USER, null));
    }

    @Override
    public void deleteUser(String username) throws BmcException {
      int id = findUser(username);
      request(NetworkFunction.ApplicationRequest, IpmiCommands.SET_USER_PASSWORD,
          IpmiCommands.userPassword(id, IpmiCommands.PASSWORD_DISABLE_USER, null));
      request(NetworkFunction.ApplicationRequest, IpmiCommands.SET_USER_ACCESS,
          IpmiCommands.userAccess(channel(), id, IpmiCommands.PRIVILEGE_NO_ACCESS));
      request(NetworkFunction.ApplicationRequest, IpmiCommands.SET_USER_NAME, IpmiCommands.userName(id, ""));
    }

    @Override
    public void resetBmc(boolean cold) throws BmcException {
      request(NetworkFunction.ApplicationRequest, cold ? IpmiCommands.COLD_RESET : IpmiCommands.WARM_RESET);
    }

    private int maxUsers() throws BmcException {
      return IpmiCommands.maxUsers(request(NetworkFunction.ApplicationRequest, IpmiCommands.GET_USER_ACCESS,
          IpmiCommands.getUserAccess(channel(), 1)));
    }

    /** The user's name, or "" for an id that holds none; fails when the BMC's answer does not say which. */
    private String userName(int id) throws BmcException {
      IpmiRequest.Response r = answer(IpmiRequest.answeringAnyCode(suite, NetworkFunction.ApplicationRequest,
          IpmiCommands.GET_USER_NAME, (byte) id));
      if (r.code() == CompletionCode.Ok) {
        return IpmiCommands.nameOf(r.data());
      }
      if (NO_SUCH_USER.contains(r.code().getCode())) {
        return "";
      }
      BmcException e = fromCompletionCode(r.code(), target);
      throw new BmcException(e.kind(), IpmiCommands.describe(IpmiCommands.GET_USER_NAME) + " for id " + id + ": "
          + e.getMessage());
    }

    private int findUser(String username) throws BmcException {
      int max = maxUsers();
      for (int id = 1; id <= max; id++) {
        if (userName(id).equals(username)) {
          return id;
        }
      }
      throw new BmcException(Kind.PRECONDITION, "no user '" + username + "' on BMC " + target.key());
    }

    @Override
    public void close() {
      closeQuietly(c, handle, true);
    }
  }
}
