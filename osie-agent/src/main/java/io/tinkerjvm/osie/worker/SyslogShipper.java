package io.tinkerjvm.osie.worker;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each action output line as an RFC 5424 message over UDP, to Boots' syslog receiver by default, so
 * that an operator sees every machine's action logs in one place (osie#235, tink#301). The structured data
 * names the workflow and action; the line is sent as it is, up to 2 kB.
 */
public final class SyslogShipper implements LogShipper, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyslogShipper.class);
  /** user-level messages (1), informational (6) */
  private static final int PRI = 1 * 8 + 6;
  private static final int MAX_LINE = 2048;

  private final DatagramSocket socket;
  private final InetSocketAddress target;
  private final String hostname;
  private volatile boolean warned;

  public SyslogShipper(String hostPort, String hostname) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    boolean hasPort = colon > 0 && hostPort.indexOf(':') == colon;
    String host = hasPort ? hostPort.substring(0, colon) : hostPort;
    int port = hasPort ? Integer.parseInt(hostPort.substring(colon + 1)) : 514;
    this.target = new InetSocketAddress(InetAddress.getByName(host), port);
    this.socket = new DatagramSocket();
    this.hostname = hostname.isEmpty() ? "-" : hostname.replaceAll("[^\\x21-\\x7e]", "_");
  }

  @Override
  public void line(String workflowId, String taskName, String actionName, String line) {
    String text = line.length() > MAX_LINE ? line.substring(0, MAX_LINE) : line;
    String message = "<" + PRI + ">1 " + Instant.now() + " " + hostname + " " + appName(actionName) + " - action"
        + " [action@32473 workflow=\"" + sd(workflowId) + "\" task=\"" + sd(taskName) + "\" action=\""
        + sd(actionName) + "\"] " + text;
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    try {
      socket.send(new DatagramPacket(bytes, bytes.length, target));
    } catch (IOException e) {
      if (!warned) {
        warned = true;
        log.warn("cannot send action logs to syslog at {}: {}", target, e.getMessage());
      }
    }
  }

  /** APP-NAME is up to 48 printable characters without spaces. */
  private static String appName(String action) {
    String a = action.replaceAll("[^\\x21-\\x7e]", "_");
    return a.isEmpty() ? "-" : a.length() > 48 ? a.substring(0, 48) : a;
  }

  /** A structured-data value escapes '"', '\' and ']' (RFC 5424 §6.3.3). */
  private static String sd(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("]", "\\]");
  }

  @Override
  public void close() {
    socket.close();
  }
}
