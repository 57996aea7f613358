package io.tinkerjvm.hegel.http;

import io.tinkerjvm.hegel.auth.ImdsTokens;
import io.tinkerjvm.hegel.metadata.Body;
import io.tinkerjvm.hegel.metadata.MachineMetadata;
import io.tinkerjvm.hegel.metadata.NoCloud;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.http.TrustedProxies;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which answer a request gets: the routes, who is asking (source address, X-Forwarded-For only from
 * trusted proxies), the optional machine credential and IMDSv2 token, then the machine's own data. Pure:
 * the HTTP server hands it a method, a path, the peer and the headers.
 */
public final class MetadataRouter {
  /** The EC2 metadata versions (AWS's list); 2009-04-04 is Tinkerbell's shape, the others EC2's. */
  public static final List<String> EC2_VERSIONS = List.of("1.0", "2007-01-19", "2007-03-01", "2007-08-29",
      "2007-10-10", "2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01", "2011-05-01",
      "2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20", "2016-04-19", "2016-06-30", "2016-09-02",
      "2018-03-28", "2018-08-17", "2018-09-24", "2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23",
      "2021-07-15", "2022-09-24", "latest");
  private static final Set<String> VERSIONS = Set.copyOf(EC2_VERSIONS);
  private static final Set<String> NOCLOUD_FILES = Set.of(NoCloud.META_DATA, NoCloud.USER_DATA, NoCloud.VENDOR_DATA);
  static final String CREDENTIAL_PREFIX = "/credential/";
  private static final Body VERSION_LIST = Body.text(String.join("\n", EC2_VERSIONS));

  /** Finds the machines that ask from an address (more than one: the address is claimed twice). */
  public interface Lookup {
    List<MachineMetadata> byIp(String ip);
  }

  /** Where a request went, for metrics. */
  public enum Route { EC2, TOKEN, NOCLOUD, CUSTOM, STATUS, OTHER }

  private final Lookup lookup;
  private final TrustedProxies proxies;
  private final MachineCredentials credentials;
  private final boolean credentialRequired;
  private final ImdsTokens tokens;
  private final boolean tokenRequired;
  private final Set<String> customPaths;
  private final Map<String, Function<String, Reply>> status;

  /**
   * @param credentials null when no machine key is configured
   * @param status the status endpoints (/healthz, /metrics, ...), each given the method
   */
  public MetadataRouter(Lookup lookup, TrustedProxies proxies, MachineCredentials credentials,
      boolean credentialRequired, ImdsTokens tokens, boolean tokenRequired, Set<String> customPaths,
      Map<String, Function<String, Reply>> status) {
    if (credentialRequired && credentials == null) {
      throw new IllegalArgumentException("a required credential needs a machine key");
    }
    this.lookup = lookup;
    this.proxies = proxies;
    this.credentials = credentials;
    this.credentialRequired = credentialRequired;
    this.tokens = tokens;
    this.tokenRequired = tokenRequired;
    this.customPaths = Set.copyOf(customPaths);
    this.status = Map.copyOf(status);
  }

  /** One request; {@code header} returns a header's value or null. Never throws for any input. */
  public Reply handle(String method, String uri, InetAddress peer, Function<String, String> header) {
    String path = uri;
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    Function<String, Reply> statusEndpoint = status.get(path);
    if (statusEndpoint != null) {
      return readOnly(method) ? statusEndpoint.apply(method) : Reply.methodNotAllowed(Route.STATUS, "GET, HEAD");
    }

    String credential = null;
    if (path.startsWith(CREDENTIAL_PREFIX)) {
      int end = path.indexOf('/', CREDENTIAL_PREFIX.length());
      credential = path.substring(CREDENTIAL_PREFIX.length(), end < 0 ? path.length() : end);
      path = end < 0 ? "/" : path.substring(end);
    } else {
      String auth = header.apply("Authorization");
      if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        credential = auth.substring(7).trim();
      }
    }

    // what is asked for
    String trimmed = stripSlashes(path);
    int slash = trimmed.indexOf('/');
    String first = slash < 0 ? trimmed : trimmed.substring(0, slash);
    String rest = slash < 0 ? "" : stripSlashes(trimmed.substring(slash + 1));
    Route route;
    if (trimmed.isEmpty()) {
      return readOnly(method) ? Reply.ok(Route.OTHER, VERSION_LIST) : Reply.methodNotAllowed(Route.OTHER, "GET, HEAD");
    } else if (VERSIONS.contains(first) && rest.equals("api/token")) {
      if (!method.equals("PUT")) {
        return Reply.methodNotAllowed(Route.TOKEN, "PUT");
      }
      if (!first.equals("latest")) {
        return Reply.error(Route.TOKEN, 403, "session tokens are issued at /latest/api/token only");
      }
      route = Route.TOKEN;
    } else if (VERSIONS.contains(first)) {
      route = Route.EC2;
    } else if (slash > 0 && NOCLOUD_FILES.contains(rest)) {
      route = Route.NOCLOUD;
    } else if (customPaths.contains("/" + trimmed)) {
      route = Route.CUSTOM;
    } else {
      return readOnly(method) ? Reply.error(Route.OTHER, 404, "404 not found")
          : Reply.methodNotAllowed(Route.OTHER, "GET, HEAD");
    }
    if (route != Route.TOKEN && !readOnly(method)) {
      return Reply.methodNotAllowed(route, "GET, HEAD");
    }

    // who asks
    String forwardedFor = header.apply("X-Forwarded-For");
    if (route == Route.TOKEN && forwardedFor != null && !proxies.trusts(peer)) {
      // as EC2: a token PUT relayed by a proxy on the machine could hand the token to someone else
      return Reply.error(route, 403, "a token request with X-Forwarded-For is refused unless it comes from a "
          + "trusted proxy");
    }
    String client = proxies.client(peer, forwardedFor).getHostAddress();
    List<MachineMetadata> machines;
    try {
      machines = lookup.byIp(client);
    } catch (RuntimeException e) {
      return Reply.error(route, 503, "hardware cannot be looked up now: " + e.getMessage());
    }
    if (machines.isEmpty()) {
      return Reply.error(route, 404, "no hardware record has the address " + client);
    }
    if (machines.size() > 1) {
      return Reply.error(route, 409, "the address " + client + " belongs to " + machines.size()
          + " hardware records; nothing is served to it until one of them is changed");
    }
    MachineMetadata machine = machines.getFirst();

    if (credential != null && credentials != null && !credentials.verify(machine.hardwareId(), credential)) {
      return Reply.unauthorized(route, "the machine credential does not match the hardware at " + client);
    }
    if (credential == null && credentialRequired) {
      return Reply.unauthorized(route, "a machine credential is required: send 'Authorization: Bearer <"
          + MachineCredentials.KERNEL_PARAMETER + ">' or put it in the path: /credential/<it>/...");
    }

    if (route == Route.TOKEN) {
      String ttl = header.apply(ImdsTokens.TTL_HEADER);
      int seconds;
      try {
        seconds = ttl == null ? -1 : Integer.parseInt(ttl.trim());
      } catch (NumberFormatException e) {
        seconds = -1;
      }
      if (seconds < 1 || seconds > ImdsTokens.MAX_TTL_SECONDS) {
        return Reply.error(route, 400, ImdsTokens.TTL_HEADER + " must be a number of seconds from 1 to "
            + ImdsTokens.MAX_TTL_SECONDS + (ttl == null ? "; it is missing" : ", got '" + ttl + "'"));
      }
      return Reply.ok(route, Body.text(tokens.issue(client, seconds)))
          .withHeader(ImdsTokens.TTL_HEADER, Integer.toString(seconds));
    }
    if (route == Route.EC2) {
      String token = header.apply(ImdsTokens.TOKEN_HEADER);
      if (token != null ? !tokens.valid(client, token) : tokenRequired) {
        return Reply.unauthorized(route, token == null
            ? "a session token is required: PUT /latest/api/token with " + ImdsTokens.TTL_HEADER
            : "the session token is not valid for " + client + " (expired, or issued to another address)");
      }
      Map<String, Body> tree = first.equals("2009-04-04") ? machine.legacyEc2() : machine.currentEc2();
      Body body = tree.get(rest);
      return body == null ? Reply.error(route, 404, "404 not found") : Reply.ok(route, body);
    }
    if (route == Route.NOCLOUD) {
      return Reply.ok(route, machine.noCloud().get(rest));
    }
    return Reply.ok(route, machine.custom().get("/" + trimmed));
  }

  private static boolean readOnly(String method) {
    return method.equals("GET") || method.equals("HEAD");
  }

  private static String stripSlashes(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && s.charAt(a) == '/') {
      a++;
    }
    while (b > a && s.charAt(b - 1) == '/') {
      b--;
    }
    return s.substring(a, b);
  }
}
