package io.tinkerjvm.boots.syslog;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a syslog datagram in RFC 5424 or RFC 3164 (BSD) form. Pure; anything that is not syslog becomes
 * a {@link Malformed} naming why. A message without a valid PRI is refused, since every sender puts one.
 */
public final class SyslogParser {
  /** RFC 5426: receivers must take 480 bytes and should take 2048; we take a full UDP-over-Ethernet frame. */
  public static final int MAX_LENGTH = 8192;
  private static final Pattern RFC3164_HEADER = Pattern.compile(
      "^([A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2}) (\\S+) (.*)$", Pattern.DOTALL);
  private static final Pattern TAG = Pattern.compile("^([^\\s:\\[]{1,48})(?:\\[([^\\]]{0,32})\\])?:\\s?(.*)$",
      Pattern.DOTALL);

  private SyslogParser() {}

  public static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  public static SyslogMessage parse(byte[] data, int length) throws Malformed {
    if (length == 0) {
      throw new Malformed("empty datagram");
    }
    if (length > MAX_LENGTH) {
      throw new Malformed("longer than " + MAX_LENGTH + " bytes");
    }
    String s = new String(data, 0, length, StandardCharsets.UTF_8);
    if (s.charAt(0) != '<') {
      throw new Malformed("no <PRI> at the start");
    }
    int close = s.indexOf('>');
    if (close < 2 || close > 4) {
      throw new Malformed("bad <PRI>");
    }
    int pri;
    try {
      // RFC 5424's PRIVAL is ASCII digits; Character.isDigit and parseInt would also take "<١٣>" as 13
      if (!s.substring(1, close).chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new NumberFormatException();
      }
      pri = Integer.parseInt(s.substring(1, close));
    } catch (NumberFormatException e) {
      throw new Malformed("bad <PRI>");
    }
    if (pri > 191 || (close > 2 && s.charAt(1) == '0')) {
      throw new Malformed("<PRI> out of range");
    }
    String rest = trimEnd(s.substring(close + 1));
    if (rest.startsWith("1 ")) {
      return rfc5424(pri, rest.substring(2));
    }
    Matcher h = RFC3164_HEADER.matcher(rest);
    if (h.matches()) {
      return tagged(pri, h.group(1), h.group(2), h.group(3), "rfc3164");
    }
    return tagged(pri, "", "", rest, "plain");
  }

  private static SyslogMessage rfc5424(int pri, String rest) throws Malformed {
    String[] f = new String[5];
    int at = 0;
    for (int i = 0; i < 5; i++) {
      int sp = rest.indexOf(' ', at);
      if (sp < 0) {
        throw new Malformed("RFC 5424 header is cut short");
      }
      f[i] = rest.substring(at, sp);
      at = sp + 1;
    }
    String tail = rest.substring(at);
    String text;
    if (tail.startsWith("-")) {
      text = tail.length() > 2 ? tail.substring(2) : "";
    } else if (tail.startsWith("[")) {
      int end = structuredDataEnd(tail);
      text = end >= tail.length() ? "" : tail.substring(Math.min(tail.length(), end + 1));
    } else {
      throw new Malformed("RFC 5424 structured data must be '-' or start with '['");
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    return new SyslogMessage(pri >> 3, pri & 7, nil(f[0]), nil(f[1]), nil(f[2]), nil(f[3]), nil(f[4]), text,
        "rfc5424");
  }

  /** Index just past the last ']' of the structured data, honouring backslash escapes inside values. */
  private static int structuredDataEnd(String s) throws Malformed {
    int i = 0;
    while (i < s.length() && s.charAt(i) == '[') {
      boolean quoted = false;
      i++;
      while (true) {
        if (i >= s.length()) {
          throw new Malformed("RFC 5424 structured data is not closed");
        }
        char c = s.charAt(i);
        if (quoted && c == '\\') {
          i += 2;
          continue;
        }
        if (c == '"') {
          quoted = !quoted;
        } else if (c == ']' && !quoted) {
          i++;
          break;
        }
        i++;
      }
    }
    return i;
  }

  private static SyslogMessage tagged(int pri, String timestamp, String host, String body, String format) {
    Matcher t = TAG.matcher(body);
    if (t.matches()) {
      return new SyslogMessage(pri >> 3, pri & 7, timestamp, host, t.group(1),
          t.group(2) == null ? "" : t.group(2), "", t.group(3), format);
    }
    return new SyslogMessage(pri >> 3, pri & 7, timestamp, host, "", "", "", body, format);
  }

  private static String nil(String v) {
    return v.equals("-") ? "" : v;
  }

  private static String trimEnd(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r' || s.charAt(end - 1) == '\0')) {
      end--;
    }
    return s.substring(0, end);
  }
}
