package io.tinkerjvm.boots.syslog;

/**
 * One syslog line. Fields a format or a sender leaves out are empty strings; {@code format} is
 * {@code rfc5424}, {@code rfc3164} or {@code plain} (no header at all).
 */
public record SyslogMessage(int facility, int severity, String timestamp, String hostname, String app,
    String procId, String msgId, String text, String format) {

  private static final String[] SEVERITIES = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

  public String severityName() {
    return SEVERITIES[severity];
  }
}
