package io.tinkerjvm.boots.syslog;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Any datagram on the syslog port through {@link SyslogParser#parse}: a message, or {@link SyslogParser.Malformed}
 * naming why; nothing else, and no hang (its regular expressions see attacker-chosen text). A message has a facility
 * 0-23, a severity 0-7 and no null field. Seeds: src/test/resources/.../SyslogParserFuzzTestInputs/.
 */
class SyslogParserFuzzTest {
  private static final Set<String> FORMATS = Set.of("rfc5424", "rfc3164", "plain");

  @FuzzTest
  @Timeout(10)
  void parse(byte[] datagram) {
    SyslogMessage m;
    try {
      m = SyslogParser.parse(datagram, datagram.length);
    } catch (SyslogParser.Malformed e) {
      assertNotNull(e.getMessage());
      return;
    }
    int close = 1;
    while (datagram[close] != '>') {
      assertTrue(datagram[close] >= '0' && datagram[close] <= '9', "a <PRI> that is not ASCII digits was taken");
      close++;
    }
    assertTrue(m.facility() >= 0 && m.facility() <= 23, "facility " + m.facility());
    assertTrue(m.severity() >= 0 && m.severity() <= 7, "severity " + m.severity());
    assertNotNull(m.severityName());
    assertTrue(FORMATS.contains(m.format()), m.format());
    for (String field : new String[] {m.timestamp(), m.hostname(), m.app(), m.procId(), m.msgId(), m.text()}) {
      assertNotNull(field);
    }
  }
}
