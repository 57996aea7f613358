package io.tinkerjvm.tink.template;

import io.tinkerjvm.runtime.errors.AlreadyExistsException;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.tink.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Templates in Postgres. Names are unique among templates that are not deleted. */
public final class TemplateRepository {
  private final Database db;

  public TemplateRepository(Database db) {
    this.db = db;
  }

  public record StoredTemplate(UUID id, String name, String data, Instant createdAt, Instant updatedAt,
      Instant deletedAt) {}

  public UUID create(UUID id, String name, String data) {
    return db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO template (id, name, data) VALUES (?, ?, ?)")) {
        ps.setObject(1, id);
        ps.setString(2, name);
        ps.setString(3, data);
        ps.executeUpdate();
      } catch (SQLException e) {
        throw nameTaken(e, name);
      }
      return id;
    });
  }

  public void update(UUID id, String name, String data) {
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE template SET name = ?, data = ?, updated_at = now() WHERE id = ? AND deleted_at IS NULL")) {
        ps.setString(1, name);
        ps.setString(2, data);
        ps.setObject(3, id);
        if (ps.executeUpdate() == 0) {
          throw new NotFoundException("template " + id + " not found");
        }
      } catch (SQLException e) {
        throw nameTaken(e, name);
      }
      return null;
    });
  }

  private static SQLException nameTaken(SQLException e, String name) {
    if (Database.isUniqueViolation(e)) {
      throw new AlreadyExistsException("a template named '" + name + "' already exists");
    }
    return e;
  }

  public void delete(UUID id) {
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE template SET deleted_at = now() WHERE id = ? AND deleted_at IS NULL")) {
        ps.setObject(1, id);
        if (ps.executeUpdate() == 0) {
          throw new NotFoundException("template " + id + " not found");
        }
      }
      return null;
    });
  }

  public Optional<StoredTemplate> byId(UUID id) {
    return one("id = ?", id);
  }

  public Optional<StoredTemplate> byName(String name) {
    return one("name = ?", name);
  }

  /** Live templates whose name matches {@code pattern}, where {@code *} matches anything. */
  public List<StoredTemplate> list(String pattern) {
    return db.read(c -> {
      String like = pattern == null || pattern.isEmpty()
          ? "%"
          : pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('*', '%');
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, name, data, created_at, updated_at, deleted_at FROM template "
              + "WHERE deleted_at IS NULL AND name ILIKE ? ORDER BY created_at, name")) {
        ps.setString(1, like);
        List<StoredTemplate> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(row(rs));
          }
        }
        return out;
      }
    });
  }

  private Optional<StoredTemplate> one(String where, Object key) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, name, data, created_at, updated_at, deleted_at FROM template WHERE deleted_at IS NULL AND "
              + where)) {
        ps.setObject(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(row(rs)) : Optional.<StoredTemplate>empty();
        }
      }
    });
  }

  private static StoredTemplate row(ResultSet rs) throws SQLException {
    return new StoredTemplate(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
        instant(rs, 4), instant(rs, 5), instant(rs, 6));
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    java.sql.Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}
