package io.tinkerjvm.cli;

import io.tinkerjvm.cli.grpc.GrpcClient;
import io.tinkerjvm.cli.grpc.GrpcException;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code tink} command: global options, the connection, and how errors and exit codes come out. */
@Command(
    name = "tink",
    synopsisSubcommandLabel = "COMMAND",
    versionProvider = Tink.Version.class,
    description = "Manage Tinkerbell hardware, templates and workflows on a tink-server.",
    footerHeading = "%nEnvironment:%n",
    footer = {
        "  TINKERBELL_GRPC_AUTHORITY  host:port of tink-server (default 127.0.0.1:42113)",
        "  TINKERBELL_TLS             false for plaintext (default true: TLS, as tink-server serves by default)",
        "  TINKERBELL_CERT_URL        URL (http:, https: or file:) of a PEM CA bundle to verify the server with;"
            + " implies TLS",
        "  TINKERBELL_CA_FILE         PEM CA file to verify the server with (default: the stack's CA in",
        "                             $XDG_DATA_HOME/tinkerjvm/tls/ca.pem when it is there, else the system CAs)",
        "  TINKERBELL_CLIENT_CERT, TINKERBELL_CLIENT_KEY  client certificate for mutual TLS (default:",
        "                             tls/admin.pem and tls/admin-key.pem in that folder, when there)",
        "",
        "Exit codes: 0 success, 1 failure, 2 bad command line, 3 workflow failed, 4 workflow timed out."})
public final class Tink {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "show this help")
  boolean help;

  @Option(names = {"-V", "--version"}, versionHelp = true, description = "print the version")
  boolean version;

  @Option(names = "--tinkerbell-grpc-authority", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
      description = "tink-server gRPC address (env TINKERBELL_GRPC_AUTHORITY; default ${DEFAULT-VALUE})")
  String authority = "127.0.0.1:42113";

  @Option(names = "--tinkerbell-tls", scope = ScopeType.INHERIT, arity = "0..1", paramLabel = "BOOL",
      description = "connect with TLS (env TINKERBELL_TLS; default ${DEFAULT-VALUE})")
  boolean tls = true;

  @Option(names = "--tinkerbell-ca-file", scope = ScopeType.INHERIT, paramLabel = "PEM",
      description = "CA file to verify tink-server with (env TINKERBELL_CA_FILE)")
  String caFile;

  @Option(names = "--tinkerbell-client-cert", scope = ScopeType.INHERIT, paramLabel = "PEM",
      description = "client certificate for mutual TLS (env TINKERBELL_CLIENT_CERT)")
  String clientCert;

  @Option(names = "--tinkerbell-client-key", scope = ScopeType.INHERIT, paramLabel = "PEM",
      description = "its PKCS#8 key (env TINKERBELL_CLIENT_KEY)")
  String clientKey;

  @Option(names = "--tinkerbell-cert-url", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "PEM CA bundle to trust for TLS (env TINKERBELL_CERT_URL)")
  String certUrl;

  @Option(names = {"-f", "--facility"}, scope = ScopeType.INHERIT, hidden = true,
      description = "accepted for compatibility; unused, as in Tinkerbell")
  String facility;

  @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "DURATION",
      description = "how long one call may take, like 30s or 2m (default ${DEFAULT-VALUE})")
  String timeout = "30s";

  @Option(names = {"--format", "-o"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
      description = "table, json, yaml or csv (default ${DEFAULT-VALUE})")
  String format = "table";

  @Option(names = "--no-headers", scope = ScopeType.INHERIT, description = "leave out table and csv headers")
  boolean noHeaders;

  Context context;
  private GrpcClient client;

  /** What a command needs from the outside world; tests pass their own. */
  record Context(PrintStream out, PrintStream err, InputStream in, boolean stdinIsTerminal, Map<String, String> env) {}

  public static void main(String[] args) {
    String tty = System.getProperty("tink.stdin.tty");
    boolean stdinIsTerminal = tty != null ? Boolean.parseBoolean(tty) : System.console() != null;
    int code = run(new Context(System.out, System.err, System.in, stdinIsTerminal, System.getenv()), args);
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command line and returns the exit code; never throws. */
  static int run(Context context, String... args) {
    Tink tink = new Tink();
    tink.context = context;
    CommandLine cli = new CommandLine(tink);
    addCommands(cli, args);
    cli.setOut(new java.io.PrintWriter(context.out(), true));
    cli.setErr(new java.io.PrintWriter(context.err(), true));
    cli.setDefaultValueProvider(new EnvironmentDefaults(context.env()));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> tink.report(e, commandLine));
    cli.setParameterExceptionHandler((e, args1) -> {
      if (e.getCause() instanceof CliException c) { // a bad value from the environment
        context.err().println("Error: " + c.getMessage());
        return c.exitCode();
      }
      String command = e.getCommandLine().getCommandSpec().qualifiedName();
      context.err().println("Error: " + e.getMessage() + " (see '" + command + " --help')");
      return ExitCodes.USAGE;
    });
    try {
      return cli.execute(args);
    } finally {
      if (tink.client != null) {
        tink.client.close();
      }
    }
  }

  /**
   * Adds only the command group the arguments name (every group for help, completion or an unknown word): building
   * picocli's model from annotations is most of a start, so tink builds no more of it than a command needs.
   */
  private static void addCommands(CommandLine cli, String[] args) {
    String group = null;
    for (String a : args) {
      if (!a.startsWith("-")) {
        group = a;
        break;
      }
      if (!a.contains("=") && TAKES_VALUE.contains(a)) {
        break; // an option value comes next; the group word may follow it, so keep it simple: build all
      }
    }
    boolean all = group == null || !GROUPS.contains(group);
    if (all || group.equals("hardware")) {
      cli.addSubcommand(new HardwareCommand());
    }
    if (all || group.equals("template")) {
      cli.addSubcommand(new TemplateCommand());
    }
    if (all || group.equals("workflow")) {
      cli.addSubcommand(new WorkflowCommand());
    }
    if (all || group.equals("completion")) {
      cli.addSubcommand(new CompletionCommand());
    }
  }

  private static final java.util.Set<String> GROUPS = java.util.Set.of("hardware", "template", "workflow");
  private static final java.util.Set<String> TAKES_VALUE = java.util.Set.of(
      "--tinkerbell-grpc-authority", "--tinkerbell-tls", "--tinkerbell-cert-url", "--tinkerbell-ca-file",
      "--tinkerbell-client-cert", "--tinkerbell-client-key", "-f", "--facility", "--timeout",
      "--format", "-o");

  private int report(Exception e, CommandLine commandLine) {
    PrintStream err = context.err();
    if (e instanceof CliException c) {
      err.println("Error: " + c.getMessage());
      return c.exitCode();
    }
    if (e instanceof GrpcException g) {
      err.println("Error: " + describe(g));
      return ExitCodes.FAILURE;
    }
    if (e instanceof InvalidArgumentException i) {
      err.println("Error: " + i.getMessage());
      return ExitCodes.FAILURE;
    }
    err.println("Error: " + commandLine.getCommandSpec().qualifiedName() + " failed unexpectedly: " + e);
    return ExitCodes.FAILURE;
  }

  /** The server's own words when it gave any; the status code only when it did not. */
  static String describe(GrpcException g) {
    if (g.code() == GrpcException.UNAVAILABLE || g.code() == GrpcException.DEADLINE_EXCEEDED) {
      return g.description();
    }
    if (g.code() == GrpcException.UNIMPLEMENTED) {
      return "this tink-server does not offer that call (" + g.description() + ")";
    }
    return g.description().isEmpty() ? GrpcException.codeName(g.code()) : g.description();
  }

  Output output() {
    return new Output(context.out(), Output.Format.parse(format), !noHeaders);
  }

  Duration callTimeout() {
    return Durations.parse(timeout, "--timeout");
  }

  GrpcClient client() {
    if (client == null) {
      try {
        client = new GrpcClient(authority.trim(), Tls.context(tls, new Tls.Files(certUrl, caFile, clientCert, clientKey,
            dataDir())), Duration.ofSeconds(5));
      } catch (IllegalArgumentException e) {
        throw new CliException("--tinkerbell-grpc-authority: " + e.getMessage(), ExitCodes.USAGE);
      }
    }
    return client;
  }

  /** The data folder tink-server uses by default on this host: $XDG_DATA_HOME/tinkerjvm, ~/.local/share/tinkerjvm. */
  private java.nio.file.Path dataDir() {
    return java.nio.file.Path.of(io.tinkerjvm.runtime.Config.defaultDataDir(context.env()));
  }

  /** The answer, or empty when the server says NOT_FOUND; every other failure propagates. */
  <T extends com.google.protobuf.MessageLite> java.util.Optional<T> find(
      String method, com.google.protobuf.MessageLite request, com.google.protobuf.Parser<T> parser) {
    try {
      return java.util.Optional.of(client().unary(method, request, parser, callTimeout()));
    } catch (GrpcException e) {
      if (e.code() == GrpcException.NOT_FOUND) {
        return java.util.Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Runs read-only checks against the server. A dry run carries on without a server (returns false after a
   * warning); anything else fails.
   */
  boolean checkOnServer(Runnable checks, boolean dryRun) {
    try {
      checks.run();
      return true;
    } catch (GrpcException e) {
      if (dryRun && e.code() == GrpcException.UNAVAILABLE) {
        context.err().println("Warning: " + e.description());
        return false;
      }
      throw e;
    }
  }

  /** Fills global options from the environment, as Tinkerbell's CLI does (flag name, upper case, - as _). */
  static final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> env;

    EnvironmentDefaults(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (!(arg instanceof OptionSpec option) || !option.longestName().startsWith("--tinkerbell-")) {
        return null;
      }
      String value = env.get(option.longestName().substring(2).toUpperCase(Locale.ROOT).replace('-', '_'));
      if (value == null || value.isBlank()) {
        return null;
      }
      if (option.type() == boolean.class) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
          case "1", "t", "true", "yes", "on" -> "true";
          case "0", "f", "false", "no", "off" -> "false";
          default -> throw new CliException(option.longestName().substring(2).toUpperCase(Locale.ROOT)
              .replace('-', '_') + "='" + value + "' is not true or false", ExitCodes.USAGE);
        };
      }
      return value.trim();
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Package p = Tink.class.getPackage();
      String v = p == null ? null : p.getImplementationVersion();
      return new String[] {"tink (TinkerJVM) " + (v == null ? "development build" : v)};
    }
  }
}
