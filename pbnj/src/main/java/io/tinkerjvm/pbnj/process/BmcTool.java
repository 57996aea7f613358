package io.tinkerjvm.pbnj.process;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcException.Kind;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A command-line tool that talks to BMCs (ipmitool, racadm), run once per command: each run's time limit,
 * what a run that did not exit means to a caller, and keeping passwords out of the lines it quotes. What
 * an exit status or an error line means is the tool's own, so callers read exited runs themselves.
 */
public final class BmcTool {
  private final String tool;
  private final String path;
  private final Duration requestTimeout;
  private final CommandRunner runner = new CommandRunner();

  /**
   * @param tool the tool's name in messages and in its {@code --<tool>-path} setting
   * @param path the binary (a path, or a name looked up in PATH)
   * @param requestTimeout the longest one run may take
   */
  public BmcTool(String tool, String path, Duration requestTimeout) {
    this.tool = tool;
    this.path = path;
    this.requestTimeout = requestTimeout;
  }

  public String path() {
    return path;
  }

  /** The limit for a run that must end by {@code by}: the request timeout, or less; fails when no time is left. */
  public Duration limit(String what, BmcTarget target, Instant by) throws BmcException {
    Duration left = Duration.between(Instant.now(), by);
    if (left.isNegative() || left.isZero()) {
      throw new BmcException(Kind.UNREACHABLE, "no time left to " + what + " on BMC " + target.key());
    }
    return left.compareTo(requestTimeout) < 0 ? left : requestTimeout;
  }

  /** Runs the tool; returns the run if it exited (whatever its status), else fails with the kind that says why. */
  public CommandRunner.Result run(String what, BmcTarget target, List<String> command, Map<String, String> environment,
      Duration limit) throws BmcException {
    CommandRunner.Result r;
    try {
      r = runner.run(command, environment, null, limit);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BmcException(Kind.UNREACHABLE, "interrupted while waiting for " + tool + " to " + what, e);
    }
    return switch (r.outcome()) {
      case CANNOT_START -> throw new BmcException(Kind.UNSUPPORTED, tool + " is not installed (--" + tool + "-path "
          + path + "): " + r.startError());
      case TIMED_OUT -> throw new BmcException(Kind.UNREACHABLE, "no answer from BMC " + target.key() + " within "
          + limit.toMillis() + " ms (" + tool + " stopped) to " + what);
      case EXITED -> r;
    };
  }

  /** Never lets a password through in a quoted tool line, whatever the tool chose to print. */
  public static String redact(String line, BmcTarget target, UserAccount account) {
    String out = line;
    for (String secret : new String[] {target.password().reveal(),
        account == null ? "" : account.password().reveal()}) {
      if (!secret.isEmpty()) {
        out = out.replace(secret, "<redacted>");
      }
    }
    return out;
  }

  public static String firstLine(String text) {
    String t = text.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  public static String lastLine(String text) {
    String t = text.strip();
    int nl = t.lastIndexOf('\n');
    return nl < 0 ? t : t.substring(nl + 1).strip();
  }
}
