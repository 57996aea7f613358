package io.tinkerjvm.tink.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.tink.db.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Versioned workflow data. Each update is a new version (1, 2, ...) holding the exact bytes the
 * worker sent, which must be JSON. Its metadata carries the real SHA-256 of those bytes (Tinkerbell's
 * worker sends a value that is not a hash of the data). Only the newest {@code keepVersions}
 * versions keep their data; older ones keep their metadata and hash.
 */
public final class WorkflowDataRepository {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Database db;
  private final int keepVersions;

  public WorkflowDataRepository(Database db, int keepVersions) {
    if (keepVersions < 1) {
      throw new IllegalArgumentException("keepVersions must be at least 1");
    }
    this.db = db;
    this.keepVersions = keepVersions;
  }

  /** One version: data is empty when none exists or it was pruned. */
  public record Version(int version, byte[] data, byte[] metadata) {}

  /** Stores a new version and returns its number. */
  public int update(UUID workflowId, byte[] metadata, byte[] data) {
    if (data == null || data.length == 0) {
      throw new InvalidArgumentException("data is empty: send a JSON document");
    }
    try {
      JSON.readTree(data);
    } catch (java.io.IOException e) {
      throw new InvalidArgumentException("data is not valid JSON: " + firstLine(e));
    }
    ObjectNode meta = parseMetadata(metadata);
    String sha256 = sha256(data);
    meta.put("sha256", sha256);
    return db.inTransaction(c -> {
      try (PreparedStatement lock = c.prepareStatement(
          "SELECT 1 FROM workflow WHERE id = ? AND deleted_at IS NULL FOR UPDATE")) {
        lock.setObject(1, workflowId);
        try (ResultSet rs = lock.executeQuery()) {
          if (!rs.next()) {
            throw WorkflowRepository.notFound(workflowId);
          }
        }
      }
      int version;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT coalesce(max(version), 0) + 1 FROM workflow_data WHERE workflow_id = ?")) {
        ps.setObject(1, workflowId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          version = rs.getInt(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO workflow_data (workflow_id, version, metadata, data, sha256) VALUES (?, ?, ?::jsonb, ?, ?)")) {
        ps.setObject(1, workflowId);
        ps.setInt(2, version);
        ps.setString(3, meta.toString());
        ps.setBytes(4, data);
        ps.setString(5, sha256);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE workflow_data SET data = NULL WHERE workflow_id = ? AND version <= ? AND data IS NOT NULL")) {
        ps.setObject(1, workflowId);
        ps.setInt(2, version - keepVersions);
        ps.executeUpdate();
      }
      return version;
    });
  }

  /** Version 0 means the newest; a workflow with no data yet gives version 0 and empty bytes. */
  public Version get(UUID workflowId, int version) {
    if (version < 0) {
      throw new InvalidArgumentException("version must not be negative");
    }
    // One statement in auto-commit (one round trip; a check, a select and a COMMIT took three): the workflow row
    // joined to the version asked for, so that no row means no live workflow and a null version means no data.
    return db.autoCommit(c -> {
      String sql = "SELECT d.version, d.data, d.metadata::text FROM workflow w LEFT JOIN LATERAL ("
          + "SELECT version, data, metadata FROM workflow_data WHERE workflow_id = w.id"
          + (version == 0 ? " ORDER BY version DESC LIMIT 1" : " AND version = ?")
          + ") d ON true WHERE w.id = ? AND w.deleted_at IS NULL";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        if (version != 0) {
          ps.setInt(i++, version);
        }
        ps.setObject(i, workflowId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw WorkflowRepository.notFound(workflowId);
          }
          if (rs.getObject(1) == null) {
            if (version != 0) {
              throw new NotFoundException("workflow " + workflowId + " has no data version " + version);
            }
            return new Version(0, new byte[0], new byte[0]);
          }
          byte[] data = rs.getBytes(2);
          return new Version(rs.getInt(1), data == null ? new byte[0] : data,
              rs.getString(3).getBytes(StandardCharsets.UTF_8));
        }
      }
    });
  }

  private static ObjectNode parseMetadata(byte[] metadata) {
    if (metadata == null || metadata.length == 0) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode node = JSON.readTree(metadata);
      if (!(node instanceof ObjectNode object)) {
        throw new InvalidArgumentException("metadata must be a JSON object");
      }
      return object;
    } catch (JsonProcessingException e) {
      throw new InvalidArgumentException("metadata is not valid JSON: " + firstLine(e));
    } catch (java.io.IOException e) {
      throw new InvalidArgumentException("metadata is not valid JSON: " + firstLine(e));
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String firstLine(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.split("\n")[0];
  }
}
