package io.tinkerjvm.osie.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A workflow's data as actions see it in /workflow/data, and what goes back to tink-server after an
 * action: only valid JSON, within the size limit, and only when it changed, with metadata that names
 * who changed it and a real SHA-256 of the bytes (tink-worker sent base64 of an empty hash's suffix).
 */
final class WorkflowData {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WorkflowData() {}

  /** Why {@code after} is not sent back, or null when it should be. */
  static String whyNotSent(byte[] before, byte[] after, long maxSize) {
    if (java.util.Arrays.equals(before, after)) {
      return "unchanged";
    }
    if (after.length > maxSize) {
      return after.length + " bytes, more than --max-file-size " + maxSize;
    }
    try {
      JSON.readTree(after);
      return null;
    } catch (IOException e) {
      return "not valid JSON: " + e.getMessage().lines().findFirst().orElse("");
    }
  }

  static byte[] metadata(String workerId, String taskName, String actionName, byte[] data) {
    ObjectNode m = JSON.createObjectNode();
    m.put("workerID", workerId);
    m.put("actionName", actionName);
    m.put("taskName", taskName);
    m.put("updatedAt", Instant.now().toString());
    m.put("sha256", sha256(data));
    return m.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
