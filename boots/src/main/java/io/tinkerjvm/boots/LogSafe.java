package io.tinkerjvm.boots;

import java.util.regex.Pattern;

/** Text a client sent, made safe to log: no control or line-separator character can forge a log line. */
public final class LogSafe {
  private static final Pattern UNSAFE = Pattern.compile("[\\p{Cc}\\p{Zl}\\p{Zp}\\u0085]");

  private LogSafe() {}

  public static String clean(String s) {
    return UNSAFE.matcher(s).replaceAll(" ");
  }
}
