package io.tinkerjvm.pbnj.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcException.Kind;
import io.tinkerjvm.pbnj.bmc.BmcProvider;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DMTF Redfish over HTTPS with the JDK's HTTP client. Each session logs in through the SessionService and
 * logs out on close; the ComputerSystem and Manager are the first members of their collections.
 */
public final class RedfishProvider implements BmcProvider, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedfishProvider.class);
  public static final int DEFAULT_PORT = 443;
  static final String SESSIONS = "/redfish/v1/SessionService/Sessions";

  private final Duration requestTimeout;
  private final boolean verifyingCertificates;
  private final HttpClient http;

  /** @param caFile the PEM certificates to trust, or null to accept any BMC certificate */
  public RedfishProvider(Duration requestTimeout, Path caFile) {
    this.requestTimeout = requestTimeout;
    this.verifyingCertificates = caFile != null;
    this.http = HttpClient.newBuilder()
        // BMCs ship self-signed certificates, so without a CA file there is nothing to verify them against
        .sslContext(caFile == null ? RedfishTls.trustingAnyCertificate() : RedfishTls.trustingOnly(caFile))
        // BMC web servers are small and old: HTTP/2 upgrades are one more thing for them to get wrong
        .version(HttpClient.Version.HTTP_1_1)
        // a redirect could carry the session token to another host
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(requestTimeout)
        .build();
  }

  @Override
  public String name() {
    return "redfish";
  }

  @Override
  public BmcSession open(BmcTarget target, Instant loginBy, Instant deadline) throws BmcException {
    RedfishClient c = new RedfishClient(http, target, requestTimeout, deadline, verifyingCertificates);
    ObjectNode login = RedfishClient.JSON.createObjectNode()
        .put("UserName", target.username())
        .put("Password", target.password().reveal());
    RedfishClient.Response r = c.send("POST", SESSIONS, login, Map.of(), loginBy);
    if (r.status() == 401) {
      throw new BmcException(Kind.UNAUTHENTICATED, "BMC " + target.key() + " refused user '" + target.username()
          + "' or its password");
    }
    if (!r.ok()) {
      throw c.failure(r, "POST", SESSIONS);
    }
    String session = sessionPath(target.key(), r.location());
    if (r.token() == null || r.token().isBlank()) {
      if (session != null) {
        // without a token the logout can only authenticate as HTTP Basic, with the login's own user
        c.deleteQuietly(session, Map.of("Authorization", basic(target)));
      }
      throw new BmcException(Kind.FAILED, "BMC " + target.key() + " accepted the login but sent no X-Auth-Token");
    }
    c.useToken(r.token());
    return new Session(c, session);
  }

  private static String basic(BmcTarget target) {
    String pair = target.username() + ":" + target.password().reveal();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    http.shutdownNow();
  }

  /**
   * The path of the session's Location, or null when there is none to log out at (the BMC ends the session
   * when it is idle); only the path, so that the logout cannot send the token to another host.
   */
  static String sessionPath(String bmc, String location) {
    if (location == null || location.isBlank()) {
      log.debug("BMC {} named no Location for its session, so it cannot be logged out", bmc);
      return null;
    }
    try {
      String path = URI.create(location.trim()).getRawPath();
      if (path == null || path.isEmpty()) {
        log.debug("BMC {} named a session Location without a path, '{}', so it cannot be logged out", bmc, location);
        return null;
      }
      return path;
    } catch (IllegalArgumentException e) {
      log.debug("BMC {} named a session Location that is no URI, so it cannot be logged out: {}", bmc,
          e.getMessage());
      return null;
    }
  }

  /** The ResetType for a command when the BMC allows {@code allowed} (null: it does not say). */
  static String resetType(PowerCommand command, List<String> allowed) {
    return switch (command) {
      case ON -> "On";
      case HARD_OFF -> "ForceOff";
      case SOFT_OFF -> "GracefulShutdown";
      case CYCLE -> allowed == null || allowed.contains("PowerCycle") ? "PowerCycle" : "ForceRestart";
      case RESET -> "ForceRestart";
    };
  }

  static String bootTarget(BootDevice.Device device) {
    return switch (device) {
      case NONE -> "None";
      case PXE -> "Pxe";
      case DISK -> "Hdd";
      case CDROM -> "Cd";
      case BIOS -> "BiosSetup";
    };
  }

  /** A resource as read, with the ETag to send back when changing it. */
  private record Resource(String path, JsonNode body, String etag) {
    Map<String, String> ifMatch() {
      return etag == null ? Map.of() : Map.of("If-Match", etag);
    }
  }

  private final class Session implements BmcSession {
    private final RedfishClient c;
    private final String sessionLocation;
    private String systemPath;
    private String managerPath;

    Session(RedfishClient c, String sessionLocation) {
      this.c = c;
      this.sessionLocation = sessionLocation;
    }

    @Override
    public String provider() {
      return name();
    }

    private Resource read(String path) throws BmcException {
      RedfishClient.Response r = c.get(path);
      String etag = r.etag() != null ? r.etag() : text(r.body().path("@odata.etag"));
      return new Resource(path, r.body(), etag);
    }

    private String firstMember(String collection, String what) throws BmcException {
      String path = text(c.get(collection).body().path("Members").path(0).path("@odata.id"));
      if (path == null) {
        throw new BmcException(Kind.UNSUPPORTED, "BMC " + c.bmc() + " lists no " + what + " in " + collection);
      }
      return path;
    }

    private Resource system() throws BmcException {
      if (systemPath == null) {
        systemPath = firstMember("/redfish/v1/Systems", "ComputerSystem");
      }
      return read(systemPath);
    }

    private Resource manager() throws BmcException {
      if (managerPath == null) {
        managerPath = firstMember("/redfish/v1/Managers", "Manager");
      }
      return read(managerPath);
    }

    @Override
    public PowerState powerState() throws BmcException {
      String state = text(system().body().path("PowerState"));
      if (state == null) {
        throw new BmcException(Kind.FAILED, "BMC " + c.bmc() + " reports no PowerState for " + systemPath);
      }
      // a transition counts as the state it is going to, so waiting for it does not send the command again
      return switch (state) {
        case "On", "PoweringOn" -> PowerState.ON;
        case "Off", "PoweringOff" -> PowerState.OFF;
        default -> throw new BmcException(Kind.FAILED, "BMC " + c.bmc() + " reports an unknown PowerState '"
            + state + "' for " + systemPath);
      };
    }

    @Override
    public void power(PowerCommand command) throws BmcException {
      Resource sys = system();
      JsonNode action = sys.body().path("Actions").path("#ComputerSystem.Reset");
      List<String> allowed = allowedResetTypes(action);
      String type = resetType(command, allowed);
      postReset(action, sys.path() + "/Actions/ComputerSystem.Reset", type, allowed, "system " + sys.path());
    }

    @Override
    public void resetBmc(boolean cold) throws BmcException {
      Resource manager = manager();
      JsonNode action = manager.body().path("Actions").path("#Manager.Reset");
      postReset(action, manager.path() + "/Actions/Manager.Reset", cold ? "ForceRestart" : "GracefulRestart",
          allowedResetTypes(action), "manager " + manager.path());
    }

    private void postReset(JsonNode action, String defaultTarget, String type, List<String> allowed, String what)
        throws BmcException {
      if (allowed != null && !allowed.contains(type)) {
        throw new BmcException(Kind.UNSUPPORTED, "BMC " + c.bmc() + " does not allow ResetType '" + type + "' for "
            + what + " (allowed: " + String.join(", ", allowed) + ")");
      }
      String target = text(action.path("target"));
      c.call("POST", target == null ? defaultTarget : target,
          RedfishClient.JSON.createObjectNode().put("ResetType", type), Map.of());
    }

    /** The action's allowed ResetTypes, from the resource or its ActionInfo; null when the BMC does not say. */
    private List<String> allowedResetTypes(JsonNode action) throws BmcException {
      JsonNode values = action.path("ResetType@Redfish.AllowableValues");
      if (values.isArray()) {
        return strings(values);
      }
      String info = text(action.path("@Redfish.ActionInfo"));
      if (info == null) {
        return null;
      }
      RedfishClient.Response r = c.send("GET", info, null, Map.of());
      if (!r.ok()) {
        return null;
      }
      for (JsonNode p : r.body().path("Parameters")) {
        if ("ResetType".equals(text(p.path("Name"))) && p.path("AllowableValues").isArray()) {
          return strings(p.path("AllowableValues"));
        }
      }
      return null;
    }

    @Override
    public void bootDevice(BootDevice device) throws BmcException {
      Resource sys = system();
      String bootTarget = bootTarget(device.device());
      JsonNode allowedNode = sys.body().path("Boot").path("BootSourceOverrideTarget@Redfish.AllowableValues");
      if (allowedNode.isArray() && !strings(allowedNode).contains(bootTarget)) {
        throw new BmcException(Kind.UNSUPPORTED, "BMC " + c.bmc() + " cannot boot " + sys.path() + " from '"
            + bootTarget + "' (allowed: " + String.join(", ", strings(allowedNode)) + ")");
      }
      ObjectNode boot = RedfishClient.JSON.createObjectNode();
      if (device.device() == BootDevice.Device.NONE) {
        boot.put("BootSourceOverrideEnabled", "Disabled").put("BootSourceOverrideTarget", bootTarget);
      } else {
        // the mode only goes with an override: clearing one must not switch the machine between UEFI and legacy
        boot.put("BootSourceOverrideEnabled", device.persistent() ? "Continuous" : "Once")
            .put("BootSourceOverrideTarget", bootTarget)
            .put("BootSourceOverrideMode", device.efi() ? "UEFI" : "Legacy");
      }
      ObjectNode patch = RedfishClient.JSON.createObjectNode();
      patch.set("Boot", boot);
      c.call("PATCH", sys.path(), patch, sys.ifMatch());
    }

    private String accountsPath() throws BmcException {
      String path = text(c.get("/redfish/v1/AccountService").body().path("Accounts").path("@odata.id"));
      return path == null ? "/redfish/v1/AccountService/Accounts" : path;
    }

    /** The account with this UserName, or null. */
    private Resource findAccount(String accounts, String username) throws BmcException {
      for (JsonNode member : c.get(accounts).body().path("Members")) {
        String path = text(member.path("@odata.id"));
        if (path != null) {
          Resource account = read(path);
          if (username.equals(text(account.body().path("UserName")))) {
            return account;
          }
        }
      }
      return null;
    }

    private Resource existingAccount(String username) throws BmcException {
      Resource account = findAccount(accountsPath(), username);
      if (account == null) {
        throw new BmcException(Kind.PRECONDITION, "no user '" + username + "' on BMC " + c.bmc());
      }
      return account;
    }

    private static String roleId(UserAccount.Role role) {
      return role == UserAccount.Role.ADMIN ? "Administrator" : "ReadOnly";
    }

    @Override
    public void createUser(UserAccount account) throws BmcException {
      if (account.username() == null || account.username().isBlank()) {
        throw new BmcException(Kind.INVALID, "a user name is required");
      }
      if (account.password() == null || account.password().isEmpty()) {
        throw new BmcException(Kind.INVALID, "a password is required for user '" + account.username() + "'");
      }
      String accounts = accountsPath();
      Resource existing = findAccount(accounts, account.username());
      if (existing != null) {
        throw new BmcException(Kind.PRECONDITION, "user '" + account.username() + "' already exists on BMC "
            + c.bmc() + " (" + existing.path() + "); use UpdateUser");
      }
      c.redact(account.password());
      ObjectNode body = RedfishClient.JSON.createObjectNode()
          .put("UserName", account.username())
          .put("Password", account.password().reveal())
          .put("RoleId", roleId(account.role() == null ? UserAccount.Role.USER : account.role()))
          .put("Enabled", true);
      c.call("POST", accounts, body, Map.of());
    }

    @Override
    public void updateUser(UserAccount account) throws BmcException {
      Resource existing = existingAccount(account.username());
      ObjectNode body = RedfishClient.JSON.createObjectNode();
      if (account.password() != null && !account.password().isEmpty()) {
        c.redact(account.password());
        body.put("Password", account.password().reveal());
      }
      if (account.role() != null) {
        body.put("RoleId", roleId(account.role()));
      }
      if (body.isEmpty()) {
        throw new BmcException(Kind.INVALID, "nothing to change for user '" + account.username() + "'");
      }
      c.call("PATCH", existing.path(), body, existing.ifMatch());
    }

    @Override
    public void deleteUser(String username) throws BmcException {
      Resource existing = existingAccount(username);
      c.call("DELETE", existing.path(), null, Map.of());
    }

    @Override
    public void close() {
      if (sessionLocation != null) {
        c.deleteQuietly(sessionLocation, Map.of());
      }
    }
  }

  /** A node's text, or null when it is missing or not a string. */
  private static String text(JsonNode node) {
    return node.isTextual() ? node.asText() : null;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      if (n.isTextual()) {
        out.add(n.asText());
      }
    }
    return out;
  }
}
