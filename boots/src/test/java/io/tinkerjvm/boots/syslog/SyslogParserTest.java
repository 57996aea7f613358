package io.tinkerjvm.boots.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SyslogParserTest {
  static SyslogMessage parse(String s) throws SyslogParser.Malformed {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return SyslogParser.parse(b, b.length);
  }

  @Test
  void rfc5424WithAndWithoutStructuredData() throws Exception {
    SyslogMessage m = parse("<165>1 2026-11-25T10:00:00.003Z osie tink-worker 42 ID47 - action started\n");
    assertEquals(20, m.facility());
    assertEquals(5, m.severity());
    assertEquals("osie", m.hostname());
    assertEquals("tink-worker", m.app());
    assertEquals("42", m.procId());
    assertEquals("ID47", m.msgId());
    assertEquals("action started", m.text());
    assertEquals("rfc5424", m.format());

    SyslogMessage sd = parse("<14>1 - - app - - [exampleSDID@32473 iut=\"3\" eventSource=\"a]b\\\"c\"] body");
    assertEquals("body", sd.text());
    assertEquals("", sd.hostname());
  }

  @Test
  void rfc3164AndPlainMessages() throws Exception {
    SyslogMessage m = parse("<13>Nov 25 10:00:00 osie dockerd[812]: pulled image");
    assertEquals("rfc3164", m.format());
    assertEquals("osie", m.hostname());
    assertEquals("dockerd", m.app());
    assertEquals("812", m.procId());
    assertEquals("pulled image", m.text());
    assertEquals("notice", m.severityName());

    SyslogMessage plain = parse("<30>kernel: eth0 up");
    assertEquals("plain", plain.format());
    assertEquals("kernel", plain.app());
    assertEquals("eth0 up", plain.text());
  }

  @Test
  void refusesWhatIsNotSyslog() {
    for (String bad : new String[] {"", "hello", "<>x", "<1000>x", "<192>x", "<01>x", "<13>1 short",
        "<13>1 t h a p m [unclosed"}) {
      assertThrows(SyslogParser.Malformed.class, () -> parse(bad), bad);
    }
  }
}
