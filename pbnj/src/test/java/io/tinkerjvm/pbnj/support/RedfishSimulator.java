package io.tinkerjvm.pbnj.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Our own hand-written stand-in for a Redfish BMC, for tests only: neither Debian nor npm has a Redfish
 * emulator here (reference/test-peers.md §6). HTTPS on 127.0.0.1 at a free port, with a certificate made by
 * the JDK's keytool at start. It answers like a BMC: an unauthenticated service root, session login (or HTTP
 * Basic) for everything else, one ComputerSystem "1" whose Reset action changes its power and whose Boot
 * override can be patched (validated, with an ETag), Manager "1" with Manager.Reset, and user accounts. Its
 * state is in memory, readable by tests, with a log of every request it answered.
 */
public final class RedfishSimulator implements AutoCloseable {
  public static final String USER = "admin";
  public static final String PASSWORD = "password";
  public static final String SYSTEM = "/redfish/v1/Systems/1";
  public static final String DEFAULT_RESET_TARGET = SYSTEM + "/Actions/ComputerSystem.Reset";
  public static final List<String> ALL_RESET_TYPES = List.of("On", "ForceOff", "GracefulShutdown",
      "GracefulRestart", "ForceRestart", "Nmi", "ForceOn", "PushPowerButton", "PowerCycle");
  static final List<String> BOOT_TARGETS = List.of("None", "Pxe", "Hdd", "Cd", "Usb", "BiosSetup", "Utilities",
      "Diags");
  static final List<String> ROLES = List.of("Administrator", "Operator", "ReadOnly");
  private static final String STORE_PASSWORD = "simulator";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as the simulator saw it; {@code auth} is token, basic or none. */
  public record Request(String method, String path, String auth, String user, String ifMatch, String body,
      int status) {}

  public record Account(String id, String userName, String password, String roleId, boolean enabled) {}

  private record LoginSession(String id, String token, String user) {}

  private final Path keystore;
  private final HttpsServer server;
  private final ExecutorService executor;

  private final List<Request> requests = new ArrayList<>();
  private final Map<String, LoginSession> sessions = new LinkedHashMap<>();
  private final Map<String, Account> accounts = new LinkedHashMap<>();
  private final List<String> systemResets = new ArrayList<>();
  private final List<String> managerResets = new ArrayList<>();
  private String powerState = "Off";
  private String bootEnabled = "Disabled";
  private String bootTarget = "None";
  private String bootMode = "UEFI";
  private List<String> allowedResetTypes = ALL_RESET_TYPES;
  private String resetTarget = DEFAULT_RESET_TARGET;
  private boolean loginSendsToken = true;
  private int etag = 1;
  private int nextId = 1;

  private RedfishSimulator(Path keystore, SSLContext tls) throws IOException {
    this.keystore = keystore;
    accounts.put("1", new Account("1", USER, PASSWORD, "Administrator", true));
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a simulator, its keystore in {@code dir}. */
  public static RedfishSimulator start(Path dir) {
    try {
      Path keystore = keytool(dir, "bmc", "CN=127.0.0.1, OU=RedfishSimulator", "san=ip:127.0.0.1");
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        ks.load(in, STORE_PASSWORD.toCharArray());
      }
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(ks, STORE_PASSWORD.toCharArray());
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(keys.getKeyManagers(), null, null);
      return new RedfishSimulator(keystore, tls);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the Redfish simulator: " + e.getMessage(), e);
    }
  }

  /** Runs the JDK's keytool to make a self-signed key pair in {@code dir/<alias>.p12}. */
  private static Path keytool(Path dir, String alias, String dname, String... extensions)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path store = dir.resolve(alias + ".p12");
    Files.deleteIfExists(store);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-noprompt",
        "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-validity", "2",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", STORE_PASSWORD));
    for (String ext : extensions) {
      command.add("-ext");
      command.add(ext);
    }
    Path log = dir.resolve(alias + "-keytool.log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool did not finish in 60 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + Files.readString(log));
    }
    return store;
  }

  private static String pem(Path keystore, String alias) {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, STORE_PASSWORD.toCharArray());
      Certificate c = ks.getCertificate(alias);
      return "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(c.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + keystore + ": " + e.getMessage(), e);
    }
  }

  /** This BMC's certificate, PEM-encoded. */
  public String certificatePem() {
    return pem(keystore, "bmc");
  }

  /** A CA certificate (PEM) that has nothing to do with any simulator's certificate. */
  public static String unrelatedCaPem(Path dir) {
    try {
      return pem(keytool(dir, "other-ca", "CN=Unrelated Test CA", "bc:c"), "other-ca");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- state for tests

  public synchronized String powerState() {
    return powerState;
  }

  public synchronized void setPowerState(String state) {
    powerState = state;
    etag++;
  }

  /** Enabled, target and mode of the boot override, e.g. "Once Pxe UEFI". */
  public synchronized String bootOverride() {
    return bootEnabled + " " + bootTarget + " " + bootMode;
  }

  /** The ResetTypes the system advertises; null leaves {@code ResetType@Redfish.AllowableValues} out. */
  public synchronized void setAllowedResetTypes(List<String> types) {
    allowedResetTypes = types == null ? null : List.copyOf(types);
    etag++;
  }

  /** Where the system's Reset action is, as its {@code target} says. */
  public synchronized void setResetTarget(String path) {
    resetTarget = path;
    etag++;
  }

  /** Whether a login's answer carries its X-Auth-Token; some BMCs accept a login and send none. */
  public synchronized void setLoginSendsToken(boolean sends) {
    loginSendsToken = sends;
  }

  public synchronized List<String> systemResets() {
    return List.copyOf(systemResets);
  }

  public synchronized List<String> managerResets() {
    return List.copyOf(managerResets);
  }

  public synchronized Map<String, Account> accounts() {
    Map<String, Account> byName = new LinkedHashMap<>();
    accounts.values().forEach(a -> byName.put(a.userName(), a));
    return byName;
  }

  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  public synchronized int openSessions() {
    return sessions.size();
  }

  public synchronized void clearRequests() {
    requests.clear();
  }

  // ---- HTTP

  private record Reply(int status, JsonNode body, Map<String, String> headers) {
    static Reply of(int status, JsonNode body) {
      return new Reply(status, body, Map.of());
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      if (path.length() > 1 && path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      Reply reply;
      String auth;
      String user;
      synchronized (this) {
        String[] who = authenticate(ex);
        auth = who[0];
        user = who[1];
        try {
          reply = route(method, path, body, user, ex);
        } catch (IOException | RuntimeException e) {
          reply = Reply.of(400, error("Base.1.8.MalformedJSON", "The request body submitted was malformed JSON"
              + " and could not be parsed by the receiving service."));
        }
        requests.add(new Request(method, path, auth, user, ex.getRequestHeaders().getFirst("If-Match"), body,
            reply.status()));
      }
      reply.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      if (reply.body() == null) {
        ex.sendResponseHeaders(reply.status(), -1);
      } else {
        byte[] bytes = JSON.writeValueAsBytes(reply.body());
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("OData-Version", "4.0");
        ex.sendResponseHeaders(reply.status(), bytes.length);
        ex.getResponseBody().write(bytes);
      }
    }
  }

  /** {kind, user}: a live session token or a valid Basic login, else {none, null}. */
  private String[] authenticate(HttpExchange ex) {
    String token = ex.getRequestHeaders().getFirst("X-Auth-Token");
    if (token != null) {
      for (LoginSession s : sessions.values()) {
        if (s.token().equals(token)) {
          return new String[] {"token", s.user()};
        }
      }
      return new String[] {"bad-token", null};
    }
    String basic = ex.getRequestHeaders().getFirst("Authorization");
    if (basic != null && basic.regionMatches(true, 0, "Basic ", 0, 6)) {
      String pair = new String(Base64.getDecoder().decode(basic.substring(6).trim()), StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      if (colon > 0 && validLogin(pair.substring(0, colon), pair.substring(colon + 1))) {
        return new String[] {"basic", pair.substring(0, colon)};
      }
      return new String[] {"bad-basic", null};
    }
    return new String[] {"none", null};
  }

  private boolean validLogin(String user, String password) {
    return accounts.values().stream()
        .anyMatch(a -> a.enabled() && a.userName().equals(user) && a.password().equals(password));
  }

  private Reply route(String method, String path, String body, String user, HttpExchange ex) throws IOException {
    switch (path) {
      case "/redfish":
        return method.equals("GET") ? Reply.of(200, JSON.createObjectNode().put("v1", "/redfish/v1/"))
            : notAllowed();
      case "/redfish/v1":
        return method.equals("GET") ? Reply.of(200, serviceRoot()) : notAllowed();
      case "/redfish/v1/SessionService/Sessions":
        if (method.equals("POST")) {
          return login(JSON.readTree(body));
        }
        break;
      default:
        break;
    }
    if (user == null) {
      return new Reply(401, error("Base.1.8.NoValidSession", "There is no valid session established with the"
          + " implementation."), Map.of("WWW-Authenticate", "Basic realm=\"RedfishSimulator\""));
    }
    if (path.startsWith("/redfish/v1/SessionService/Sessions/")) {
      return session(method, path);
    }
    if (path.startsWith("/redfish/v1/AccountService/Accounts/")) {
      return account(method, path, body);
    }
    if (path.startsWith("/redfish/v1/AccountService/Roles/")
        && ROLES.contains(path.substring(path.lastIndexOf('/') + 1))) {
      String id = path.substring(path.lastIndexOf('/') + 1);
      return get(method, resource("#Role.v1_2_1.Role", path, id, id + " Role").put("IsPredefined", true)
          .put("RoleId", id));
    }
    if (path.equals(resetTarget)) {
      return method.equals("POST") ? systemReset(JSON.readTree(body)) : notAllowed();
    }
    return switch (path) {
      case "/redfish/v1/SessionService" -> get(method, sessionService());
      case "/redfish/v1/SessionService/Sessions" -> get(method, collection("#SessionCollection.SessionCollection",
          path, sessions.keySet().stream().map(id -> path + "/" + id).toList()));
      case "/redfish/v1/Systems" -> get(method, collection("#ComputerSystemCollection.ComputerSystemCollection",
          path, List.of(SYSTEM)));
      case SYSTEM -> switch (method) {
        case "GET" -> new Reply(200, system(), Map.of("ETag", systemEtag()));
        case "PATCH" -> patchSystem(JSON.readTree(body), ex.getRequestHeaders().getFirst("If-Match"));
        default -> notAllowed();
      };
      case "/redfish/v1/Chassis" -> get(method, collection("#ChassisCollection.ChassisCollection", path,
          List.of()));
      case "/redfish/v1/Managers" -> get(method, collection("#ManagerCollection.ManagerCollection", path,
          List.of("/redfish/v1/Managers/1")));
      case "/redfish/v1/Managers/1" -> get(method, manager());
      case "/redfish/v1/Managers/1/Actions/Manager.Reset" ->
          method.equals("POST") ? managerReset(JSON.readTree(body)) : notAllowed();
      case "/redfish/v1/AccountService" -> get(method, accountService());
      case "/redfish/v1/AccountService/Roles" -> get(method, collection("#RoleCollection.RoleCollection", path,
          ROLES.stream().map(id -> path + "/" + id).toList()));
      case "/redfish/v1/AccountService/Accounts" -> switch (method) {
        case "GET" -> Reply.of(200, collection("#ManagerAccountCollection.ManagerAccountCollection", path,
            accounts.keySet().stream().map(id -> path + "/" + id).toList()));
        case "POST" -> createAccount(JSON.readTree(body));
        default -> notAllowed();
      };
      default -> Reply.of(404, error("Base.1.8.ResourceMissingAtURI", "The resource at the URI " + path
          + " was not found."));
    };
  }

  private static Reply get(String method, JsonNode resource) {
    return method.equals("GET") ? Reply.of(200, resource) : notAllowed();
  }

  private static Reply notAllowed() {
    return Reply.of(405, error("Base.1.8.OperationNotAllowed", "The HTTP method is not allowed on this resource."));
  }

  private static ObjectNode error(String messageId, String message) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", messageId);
    error.put("message", "A general error has occurred. See ExtendedInfo for more information.");
    ObjectNode info = error.putArray("@Message.ExtendedInfo").addObject();
    info.put("@odata.type", "#Message.v1_1_1.Message");
    info.put("MessageId", messageId);
    info.put("Message", message);
    info.put("Severity", "Warning");
    return root;
  }

  private static ObjectNode resource(String type, String path, String id, String name) {
    ObjectNode n = JSON.createObjectNode();
    n.put("@odata.type", type);
    n.put("@odata.id", path);
    n.put("Id", id);
    n.put("Name", name);
    return n;
  }

  private static ObjectNode link(ObjectNode parent, String name, String path) {
    parent.putObject(name).put("@odata.id", path);
    return parent;
  }

  private static ObjectNode collection(String type, String path, List<String> members) {
    ObjectNode n = JSON.createObjectNode();
    n.put("@odata.type", type);
    n.put("@odata.id", path);
    n.put("Name", type.substring(type.lastIndexOf('.') + 1));
    ArrayNode array = n.putArray("Members");
    members.forEach(m -> array.addObject().put("@odata.id", m));
    n.put("Members@odata.count", members.size());
    return n;
  }

  private ObjectNode serviceRoot() {
    ObjectNode n = resource("#ServiceRoot.v1_5_0.ServiceRoot", "/redfish/v1", "RootService", "Root Service");
    n.put("RedfishVersion", "1.6.0");
    n.put("UUID", "92384634-2938-2342-8820-489239905423");
    link(n, "Systems", "/redfish/v1/Systems");
    link(n, "Chassis", "/redfish/v1/Chassis");
    link(n, "Managers", "/redfish/v1/Managers");
    link(n, "AccountService", "/redfish/v1/AccountService");
    link(n, "SessionService", "/redfish/v1/SessionService");
    link(n.putObject("Links"), "Sessions", "/redfish/v1/SessionService/Sessions");
    return n;
  }

  private ObjectNode sessionService() {
    ObjectNode n = resource("#SessionService.v1_1_6.SessionService", "/redfish/v1/SessionService",
        "SessionService", "Session Service");
    n.put("ServiceEnabled", true);
    n.put("SessionTimeout", 600);
    return link(n, "Sessions", "/redfish/v1/SessionService/Sessions");
  }

  private Reply login(JsonNode body) {
    String user = body.path("UserName").asText("");
    if (!validLogin(user, body.path("Password").asText(""))) {
      return Reply.of(401, error("Base.1.8.ResourceAtUriUnauthorized", "While accessing the resource at"
          + " /redfish/v1/SessionService/Sessions, the service received an authorization error."));
    }
    String id = String.valueOf(nextId++);
    LoginSession s = new LoginSession(id, UUID.randomUUID().toString().replace("-", ""), user);
    sessions.put(id, s);
    String location = "/redfish/v1/SessionService/Sessions/" + id;
    ObjectNode n = resource("#Session.v1_0_0.Session", location, id, "User Session");
    n.put("UserName", user);
    return new Reply(201, n, loginSendsToken ? Map.of("X-Auth-Token", s.token(), "Location", location)
        : Map.of("Location", location));
  }

  private Reply session(String method, String path) {
    String id = path.substring(path.lastIndexOf('/') + 1);
    LoginSession s = sessions.get(id);
    if (s == null) {
      return Reply.of(404, error("Base.1.8.ResourceMissingAtURI", "The resource at the URI " + path
          + " was not found."));
    }
    return switch (method) {
      case "GET" -> Reply.of(200, resource("#Session.v1_0_0.Session", path, id, "User Session")
          .put("UserName", s.user()));
      case "DELETE" -> {
        sessions.remove(id);
        yield Reply.of(204, null);
      }
      default -> notAllowed();
    };
  }

  private String systemEtag() {
    return "W/\"" + etag + "\"";
  }

  private ObjectNode system() {
    ObjectNode n = resource("#ComputerSystem.v1_10_0.ComputerSystem", SYSTEM, "1", "RedfishSimulator System");
    n.put("@odata.etag", systemEtag());
    n.put("SystemType", "Physical");
    n.put("Manufacturer", "tinkerjvm");
    n.put("Model", "RedfishSimulator");
    n.put("AssetTag", "");
    n.put("IndicatorLED", "Off");
    n.put("PowerState", powerState);
    ObjectNode boot = n.putObject("Boot");
    boot.put("BootSourceOverrideEnabled", bootEnabled);
    boot.put("BootSourceOverrideTarget", bootTarget);
    ArrayNode targets = boot.putArray("BootSourceOverrideTarget@Redfish.AllowableValues");
    BOOT_TARGETS.forEach(targets::add);
    boot.put("BootSourceOverrideMode", bootMode);
    ObjectNode reset = n.putObject("Actions").putObject("#ComputerSystem.Reset");
    reset.put("target", resetTarget);
    if (allowedResetTypes != null) {
      ArrayNode types = reset.putArray("ResetType@Redfish.AllowableValues");
      allowedResetTypes.forEach(types::add);
    }
    n.putObject("Links").putArray("ManagedBy").addObject().put("@odata.id", "/redfish/v1/Managers/1");
    return n;
  }

  private Reply systemReset(JsonNode body) {
    String type = body.path("ResetType").asText("");
    if (!ALL_RESET_TYPES.contains(type) || (allowedResetTypes != null && !allowedResetTypes.contains(type))) {
      return Reply.of(400, error("Base.1.8.ActionParameterNotSupported", "The parameter ResetType for the action"
          + " ComputerSystem.Reset is not supported on the target resource."));
    }
    systemResets.add(type);
    powerState = switch (type) {
      case "On", "ForceOn", "ForceRestart", "GracefulRestart", "PowerCycle" -> "On";
      case "ForceOff", "GracefulShutdown" -> "Off";
      case "PushPowerButton" -> powerState.equals("On") ? "Off" : "On";
      default -> powerState;
    };
    etag++;
    return Reply.of(204, null);
  }

  private Reply patchSystem(JsonNode patch, String ifMatch) {
    if (ifMatch != null && !ifMatch.equals(systemEtag())) {
      return Reply.of(412, error("Base.1.8.PreconditionFailed", "The ETag supplied did not match the ETag"
          + " required to change this resource."));
    }
    for (Map.Entry<String, JsonNode> field : patch.properties()) {
      if (!field.getKey().equals("Boot")) {
        return Reply.of(400, error("Base.1.8.PropertyNotWritable", "The property " + field.getKey()
            + " is a read only property and cannot be assigned a value."));
      }
    }
    JsonNode boot = patch.path("Boot");
    String enabled = boot.path("BootSourceOverrideEnabled").asText(bootEnabled);
    String target = boot.path("BootSourceOverrideTarget").asText(bootTarget);
    String mode = boot.path("BootSourceOverrideMode").asText(bootMode);
    String bad = !List.of("Disabled", "Once", "Continuous").contains(enabled) ? "BootSourceOverrideEnabled=" + enabled
        : !BOOT_TARGETS.contains(target) ? "BootSourceOverrideTarget=" + target
        : !List.of("UEFI", "Legacy").contains(mode) ? "BootSourceOverrideMode=" + mode : null;
    if (bad != null) {
      String[] kv = bad.split("=", 2);
      return Reply.of(400, error("Base.1.8.PropertyValueNotInList", "The value " + kv[1] + " for the property "
          + kv[0] + " is not in the list of acceptable values."));
    }
    bootEnabled = enabled;
    bootTarget = target;
    bootMode = mode;
    etag++;
    return new Reply(200, system(), Map.of("ETag", systemEtag()));
  }

  private ObjectNode manager() {
    ObjectNode n = resource("#Manager.v1_5_0.Manager", "/redfish/v1/Managers/1", "1", "RedfishSimulator BMC");
    n.put("ManagerType", "BMC");
    n.put("FirmwareVersion", "0.1.0");
    ObjectNode reset = n.putObject("Actions").putObject("#Manager.Reset");
    reset.put("target", "/redfish/v1/Managers/1/Actions/Manager.Reset");
    reset.putArray("ResetType@Redfish.AllowableValues").add("ForceRestart").add("GracefulRestart");
    return n;
  }

  private Reply managerReset(JsonNode body) {
    String type = body.path("ResetType").asText("");
    if (!List.of("ForceRestart", "GracefulRestart").contains(type)) {
      return Reply.of(400, error("Base.1.8.ActionParameterNotSupported", "The parameter ResetType for the action"
          + " Manager.Reset is not supported on the target resource."));
    }
    managerResets.add(type);
    return Reply.of(204, null);
  }

  private ObjectNode accountService() {
    ObjectNode n = resource("#AccountService.v1_5_0.AccountService", "/redfish/v1/AccountService",
        "AccountService", "Account Service");
    n.put("ServiceEnabled", true);
    n.put("MinPasswordLength", 8);
    link(n, "Accounts", "/redfish/v1/AccountService/Accounts");
    return link(n, "Roles", "/redfish/v1/AccountService/Roles");
  }

  private static ObjectNode accountResource(Account a) {
    String path = "/redfish/v1/AccountService/Accounts/" + a.id();
    ObjectNode n = resource("#ManagerAccount.v1_4_0.ManagerAccount", path, a.id(), "User Account");
    n.put("UserName", a.userName());
    n.putNull("Password");
    n.put("RoleId", a.roleId());
    n.put("Enabled", a.enabled());
    n.put("Locked", false);
    return n;
  }

  /** A BMC-like refusal that echoes the bad value, as real ones do: the client must keep it out of its messages. */
  private static Reply checkPassword(String password) {
    if (password.length() < 8) {
      return Reply.of(400, error("Base.1.8.PropertyValueFormatError", "The value '" + password
          + "' for the property Password is of a different format than the property can accept."));
    }
    return null;
  }

  private static Reply checkRole(String role) {
    if (!ROLES.contains(role)) {
      return Reply.of(400, error("Base.1.8.PropertyValueNotInList", "The value " + role
          + " for the property RoleId is not in the list of acceptable values."));
    }
    return null;
  }

  private Reply createAccount(JsonNode body) {
    String name = body.path("UserName").asText("");
    String password = body.path("Password").asText("");
    String role = body.path("RoleId").asText("ReadOnly");
    if (name.isEmpty()) {
      return Reply.of(400, error("Base.1.8.PropertyMissing", "The property UserName is a required property and"
          + " must be included in the request."));
    }
    if (accounts.values().stream().anyMatch(a -> a.userName().equals(name))) {
      return Reply.of(409, error("Base.1.8.ResourceAlreadyExists", "The requested resource already exists."));
    }
    Reply refused = checkPassword(password);
    if (refused == null) {
      refused = checkRole(role);
    }
    if (refused != null) {
      return refused;
    }
    String id = String.valueOf(accounts.keySet().stream().mapToInt(Integer::parseInt).max().orElse(0) + 1);
    Account a = new Account(id, name, password, role, body.path("Enabled").asBoolean(true));
    accounts.put(id, a);
    return new Reply(201, accountResource(a), Map.of("Location", "/redfish/v1/AccountService/Accounts/" + id));
  }

  private Reply account(String method, String path, String body) throws IOException {
    String id = path.substring(path.lastIndexOf('/') + 1);
    Account a = accounts.get(id);
    if (a == null) {
      return Reply.of(404, error("Base.1.8.ResourceMissingAtURI", "The resource at the URI " + path
          + " was not found."));
    }
    switch (method) {
      case "GET":
        return Reply.of(200, accountResource(a));
      case "DELETE":
        accounts.remove(id);
        return Reply.of(204, null);
      case "PATCH":
        JsonNode patch = JSON.readTree(body);
        String password = patch.path("Password").asText(a.password());
        String role = patch.path("RoleId").asText(a.roleId());
        Reply refused = checkPassword(password);
        if (refused == null) {
          refused = checkRole(role);
        }
        if (refused != null) {
          return refused;
        }
        Account changed = new Account(id, a.userName(), password, role, patch.path("Enabled").asBoolean(a.enabled()));
        accounts.put(id, changed);
        return Reply.of(200, accountResource(changed));
      default:
        return notAllowed();
    }
  }
}
