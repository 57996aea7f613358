package io.tinkerjvm.tink.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SecretsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void secretKeysAreRecognisedInTheSpellingsOperatorsUse() {
    for (String k : new String[] {"password", "ipmi_password", "bmcPassword", "PASSWD", "api-token", "snmp_community",
        "client_secret", "private_key", "credentials"}) {
      assertTrue(Secrets.isSecretKey(k), k);
    }
    for (String k : new String[] {"username", "address", "ssh_keys", "hostname", "userdata", "plan_slug"}) {
      assertFalse(Secrets.isSecretKey(k), k);
    }
  }

  @Test
  void redactsAtAnyDepthAndKeepsEverythingElse() throws Exception {
    var node = JSON.readTree("""
        {"bmc":{"address":"10.0.0.5","username":"admin","password":"hunter2"},
         "instance":{"ssh_keys":["ssh-ed25519 AAAA"],"hostname":"s1"},
         "interfaces":[{"ipmi_password":"x"}],"token":"","credentials":{"user":"a","key":"b"}}""");
    Secrets.redact(node);
    assertEquals("""
        {"bmc":{"address":"10.0.0.5","username":"admin","password":"<redacted>"},\
        "instance":{"ssh_keys":["ssh-ed25519 AAAA"],"hostname":"s1"},\
        "interfaces":[{"ipmi_password":"<redacted>"}],"token":"","credentials":"<redacted>"}""", node.toString());
  }
}
