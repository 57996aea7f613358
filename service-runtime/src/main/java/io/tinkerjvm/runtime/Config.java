package io.tinkerjvm.runtime;

import io.tinkerjvm.runtime.http.TrustedProxies;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one config loader: each setting has a kebab-case name ({@code grpc-port}) that can be given
 * as a flag ({@code --grpc-port=42113}) or as an environment variable ({@code TINK_GRPC_PORT}, the
 * name upper-cased with a per-service prefix). Flags win over the environment. Legacy Tinkerbell
 * variable names can be listed as aliases so existing deployments keep working.
 */
public final class Config {
  private final String envPrefix;
  private final Map<String, String> env;
  private final Map<String, String> flags;

  private Config(String envPrefix, Map<String, String> env, Map<String, String> flags) {
    this.envPrefix = envPrefix;
    this.env = env;
    this.flags = flags;
  }

  /** Parses {@code --name=value} and {@code --name value} flags; anything else is an error. */
  public static Config load(String envPrefix, Map<String, String> env, String... args) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException("unexpected argument '" + arg + "': settings are given as --name=value");
      }
      int eq = arg.indexOf('=');
      if (eq > 0) {
        flags.put(arg.substring(2, eq), arg.substring(eq + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        flags.put(arg.substring(2), args[++i]);
      } else {
        flags.put(arg.substring(2), "true");
      }
    }
    return new Config(envPrefix, Map.copyOf(env), flags);
  }

  public static Config of(String envPrefix, Map<String, String> settings) {
    return new Config(envPrefix, Map.of(), new HashMap<>(settings));
  }

  /**
   * The data folder every service of a host shares by default: $XDG_DATA_HOME/tinkerjvm or
   * ~/.local/share/tinkerjvm. It holds tink-server's embedded Postgres, the TLS folder and the machine key.
   */
  public static String defaultDataDir(Map<String, String> env) {
    // the settings' environment first, then the process's own: settings given without the environment
    // (tests, tools) still land where the process's services look
    String xdg = env.getOrDefault("XDG_DATA_HOME", System.getenv("XDG_DATA_HOME"));
    String base = xdg != null && !xdg.isBlank() ? xdg : System.getProperty("user.home") + "/.local/share";
    return base + "/tinkerjvm";
  }

  /** The environment variable a setting is read from, e.g. {@code TINK_GRPC_PORT}. */
  public String envName(String name) {
    return envPrefix + name.toUpperCase().replace('-', '_');
  }

  public Optional<String> find(String name, String... legacyEnvAliases) {
    String flag = flags.get(name);
    if (flag != null) {
      return Optional.of(flag);
    }
    String value = env.get(envName(name));
    if (value != null && !value.isEmpty()) {
      return Optional.of(value);
    }
    for (String alias : legacyEnvAliases) {
      String legacy = env.get(alias);
      if (legacy != null && !legacy.isEmpty()) {
        return Optional.of(legacy);
      }
    }
    return Optional.empty();
  }

  public String string(String name, String fallback, String... legacyEnvAliases) {
    return find(name, legacyEnvAliases).orElse(fallback);
  }

  public int integer(String name, int fallback, String... legacyEnvAliases) {
    return find(name, legacyEnvAliases).map(v -> parseInt(name, v)).orElse(fallback);
  }

  public boolean bool(String name, boolean fallback, String... legacyEnvAliases) {
    return find(name, legacyEnvAliases).map(v -> parseBool(name, v)).orElse(fallback);
  }

  /** A TCP or UDP port, 0 (any free port) to 65535. */
  public int port(String name, int fallback, String... legacyEnvAliases) {
    int p = integer(name, fallback, legacyEnvAliases);
    if (p < 0 || p > 65535) {
      throw new ConfigException(name + " must be a port number from 0 to 65535, got " + p);
    }
    return p;
  }

  /** An IPv4 or IPv6 literal (never a name lookup), e.g. a bind address. */
  public InetAddress address(String name, String fallback, String... legacyEnvAliases) {
    return ipAddress(name, string(name, fallback, legacyEnvAliases));
  }

  /** Parses an IP literal for the setting {@code name}; the error names the setting and the value. */
  public static InetAddress ipAddress(String name, String value) {
    byte[] literal = TrustedProxies.literal(value.trim());
    if (literal == null) {
      throw new ConfigException(name + " must be an IP address, got '" + value + "'");
    }
    try {
      return InetAddress.getByAddress(literal);
    } catch (UnknownHostException e) {
      throw new ConfigException(name + " must be an IP address, got '" + value + "'");
    }
  }

  /** A duration as {@code 500ms}, {@code 3s}, {@code 5m}, {@code 1h} or a bare number of seconds. */
  public Duration duration(String name, Duration fallback) {
    return find(name).map(v -> parseDuration(name, v)).orElse(fallback);
  }

  /** Names of flags that no known setting uses, so that a typo is reported instead of ignored. */
  public List<String> unknownFlags(List<String> known) {
    return flags.keySet().stream().filter(f -> !known.contains(f)).sorted().toList();
  }

  private int parseInt(String name, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a whole number, got '" + value + "'");
    }
  }

  private static boolean parseBool(String name, String value) {
    return switch (value.trim().toLowerCase()) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new ConfigException(name + " must be true or false, got '" + value + "'");
    };
  }

  static Duration parseDuration(String name, String value) {
    String v = value.trim().toLowerCase();
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.replaceAll("[smh]$", ""));
      return switch (v.charAt(v.length() - 1)) {
        case 'h' -> Duration.ofHours(n);
        case 'm' -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new ConfigException(name + " must be a duration like 500ms, 3s, 5m or 1h, got '" + value + "'");
    }
  }

  /** A setting that cannot be used; the message names the setting. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
