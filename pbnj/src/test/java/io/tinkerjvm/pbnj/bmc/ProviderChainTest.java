package io.tinkerjvm.pbnj.bmc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderChainTest {
  static final BmcTarget TARGET = new BmcTarget("10.0.0.5", 0, "admin", Secret.of("pw"));

  /** A provider whose logins get no answer, or succeed, and that records each login's times. */
  static final class Fake implements BmcProvider {
    final String name;
    final boolean answers;
    final List<Instant[]> logins = new ArrayList<>();

    Fake(String name, boolean answers) {
      this.name = name;
      this.answers = answers;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public BmcSession open(BmcTarget target, Instant loginBy, Instant deadline) throws BmcException {
      logins.add(new Instant[] {Instant.now(), loginBy, deadline});
      if (!answers) {
        throw new BmcException(BmcException.Kind.UNREACHABLE, "no answer from " + name);
      }
      return new BmcSession() {
        @Override
        public String provider() {
          return name;
        }

        @Override
        public PowerState powerState() {
          return PowerState.ON;
        }

        @Override
        public void power(PowerCommand command) {}

        @Override
        public void bootDevice(BootDevice device) {}

        @Override
        public void close() {}
      };
    }
  }

  private static ProviderChain chain(int retries, BmcProvider... providers) {
    Map<String, BmcProvider> byName = new LinkedHashMap<>();
    for (BmcProvider p : providers) {
      byName.put(p.name(), p);
    }
    return new ProviderChain(byName, List.copyOf(byName.keySet()), retries, Map.of());
  }

  /** Asserts that a login might take about {@code seconds}. */
  private static void assertShare(long seconds, Instant[] login) {
    Duration share = Duration.between(login[0], login[1]);
    assertTrue(Math.abs(share.toSeconds() - seconds) <= 1, "login time " + share + ", not about " + seconds + " s");
  }

  @Test
  void aSilentProviderIsNotRetriedWhenOthersFollowAndGetsItsShareOfTheTime() throws Exception {
    Fake ipmi = new Fake("ipmi", false);
    Fake redfish = new Fake("redfish", true);
    ProviderChain chain = chain(2, ipmi, redfish);
    Instant deadline = Instant.now().plusSeconds(60);
    List<String> messages = new ArrayList<>();
    String provider = chain.run(chain.forVendor(""), TARGET, deadline, messages::add, true,
        (session, by, progress) -> session.provider());
    assertEquals("redfish", provider);
    assertEquals(1, ipmi.logins.size(), "a silent login was retried though redfish was next");
    assertShare(30, ipmi.logins.getFirst());
    assertEquals(deadline, ipmi.logins.getFirst()[2]);
    assertEquals(deadline, redfish.logins.getFirst()[1], "the last provider may take all the time left");
    assertTrue(messages.stream().anyMatch(m -> m.contains("trying redfish")), messages.toString());
  }

  @Test
  void eachProviderGetsTheTimeLeftOverTheProvidersLeft() throws Exception {
    Fake a = new Fake("ipmi", false);
    Fake b = new Fake("ipmitool", false);
    Fake c = new Fake("redfish", false);
    ProviderChain chain = chain(0, a, b, c);
    Instant deadline = Instant.now().plusSeconds(90);
    assertThrows(BmcException.class, () -> chain.run(chain.forVendor(""), TARGET, deadline, Progress.NONE, true,
        (session, by, progress) -> session.provider()));
    assertShare(30, a.logins.getFirst());
    assertShare(45, b.logins.getFirst());
    assertEquals(deadline, c.logins.getFirst()[1]);
  }

  @Test
  void theLastProviderStillRetriesASilentLogin() {
    Fake ipmi = new Fake("ipmi", false);
    Fake redfish = new Fake("redfish", false);
    ProviderChain chain = chain(2, ipmi, redfish);
    BmcException e = assertThrows(BmcException.class, () -> chain.run(chain.forVendor(""), TARGET,
        Instant.now().plusSeconds(30), Progress.NONE, true, (session, by, progress) -> session.provider()));
    assertEquals(BmcException.Kind.UNREACHABLE, e.kind());
    assertEquals(1, ipmi.logins.size());
    assertEquals(3, redfish.logins.size());
  }

  @Test
  void racadmRunsOnlyWhenNamed() throws Exception {
    ProviderChain chain = chain(0, new Fake("ipmi", true), new Fake("ipmitool", true), new Fake("redfish", true),
        new Fake("racadm", true));
    for (String dell : List.of("dell", "idrac")) {
      assertEquals(List.of("redfish", "ipmi", "ipmitool"), chain.forVendor(dell).stream().map(BmcProvider::name)
          .toList());
    }
    assertEquals(List.of("racadm"), chain.forVendor("racadm").stream().map(BmcProvider::name).toList());
  }
}
