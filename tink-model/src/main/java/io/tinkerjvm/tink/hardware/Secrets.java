package io.tinkerjvm.tink.hardware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Finds credentials in hardware metadata (BMC passwords, SNMP communities, API tokens) so that nothing meant for
 * people (CLI output, logs, events) shows them. The record keeps them: PBnJ and Boots need them.
 */
public final class Secrets {
  public static final String REDACTED = "<redacted>";
  private static final String[] SECRET_WORDS = {
    "password", "passwd", "passphrase", "secret", "token", "community", "privatekey", "credential", "apikey",
  };

  private Secrets() {}

  /** True for keys like {@code password}, {@code ipmi_password}, {@code bmcPassword}, {@code api-token}. */
  public static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    for (String word : SECRET_WORDS) {
      if (k.contains(word)) {
        return true;
      }
    }
    return false;
  }

  /** Replaces, in place, every non-empty value under a secret-looking key, at any depth. Returns the node. */
  public static JsonNode redact(JsonNode node) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode value = field.getValue();
        boolean empty = value.isNull() || (value.isTextual() && value.asText().isEmpty())
            || (value.isContainerNode() && value.isEmpty());
        if (isSecretKey(field.getKey()) && !empty) {
          field.setValue(object.textNode(REDACTED));
        } else {
          redact(value);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (JsonNode element : array) {
        redact(element);
      }
    }
    return node;
  }
}
