package io.tinkerjvm.cli;

import java.time.Duration;

/** Go-style durations as operators type them: 500ms, 30s, 2m, 1h. */
final class Durations {
  private Durations() {}

  static Duration parse(String value, String what) {
    String v = value == null ? "" : value.trim();
    int i = 0;
    while (i < v.length() && Character.isDigit(v.charAt(i))) {
      i++;
    }
    if (i == 0) {
      throw new CliException(what + " '" + value + "' is not a duration like 30s, 2m or 500ms", ExitCodes.USAGE);
    }
    long n;
    try {
      n = Long.parseLong(v.substring(0, i));
    } catch (NumberFormatException e) {
      throw new CliException(what + " '" + value + "' is too large", ExitCodes.USAGE);
    }
    return switch (v.substring(i)) {
      case "ms" -> Duration.ofMillis(n);
      case "s", "" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> throw new CliException(what + " '" + value + "' is not a duration like 30s, 2m or 500ms",
          ExitCodes.USAGE);
    };
  }
}
