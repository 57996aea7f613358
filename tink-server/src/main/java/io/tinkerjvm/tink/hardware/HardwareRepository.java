package io.tinkerjvm.tink.hardware;

import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.runtime.errors.AlreadyExistsException;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.tink.bmc.BmcRepository;
import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/** Hardware records in Postgres. Every write is one transaction and bumps the record's revision. */
public final class HardwareRepository {
  /** Serialises hardware writes so that revisions commit in the order they were taken. */
  private static final long WRITE_LOCK = 0x7417_4a52_0001L;

  private final Database db;
  private final BmcRepository bmcs;

  public HardwareRepository(Database db, BmcRepository bmcs) {
    this.db = db;
    this.bmcs = bmcs;
  }

  /** A change to one record: {@code hardware} is empty when it was deleted. */
  public record Change(long revision, UUID id, Optional<Hardware> hardware) {}

  /**
   * Inserts or replaces a record (reviving a deleted one); returns the new revision. A BMC in
   * {@code metadata.bmc} is stored apart, its password sealed, and the record without the password.
   */
  public long push(HardwareDocument pushed) {
    Optional<BmcSpec> bmc = pushed.bmc();
    HardwareDocument doc = bmc.isEmpty() ? pushed : new HardwareDocument(pushed.id(), pushed.hardware().toBuilder()
        .setMetadata(BmcSpec.withoutPassword(pushed.hardware().getMetadata())).build(), pushed.macs(), pushed.ips(),
        bmc);
    return db.inTransaction(c -> {
      lockWrites(c);
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT mac, hardware_id FROM hardware_mac WHERE mac = ANY(?) AND hardware_id <> ? LIMIT 1")) {
        ps.setArray(1, c.createArrayOf("text", doc.macs().toArray()));
        ps.setObject(2, doc.id());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            throw new AlreadyExistsException("conflicting hardware MAC address " + rs.getString(1)
                + " provided with hardware data/info: it belongs to hardware " + rs.getString(2));
          }
        }
      }
      long revision;
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO hardware (id, data, revision) VALUES (?, ?::jsonb, nextval('hardware_revision'))
          ON CONFLICT (id) DO UPDATE SET data = excluded.data, revision = excluded.revision,
            updated_at = now(), deleted_at = NULL
          RETURNING revision""")) {
        ps.setObject(1, doc.id());
        ps.setString(2, doc.toJson());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          revision = rs.getLong(1);
        }
      }
      replaceLookups(c, doc);
      bmcs.storeWithHardware(c, doc.id(), bmc);
      ChangeNotifier.notify(c, ChangeNotifier.HARDWARE, Long.toString(revision));
      return revision;
    });
  }

  private static void replaceLookups(Connection c, HardwareDocument doc) throws SQLException {
    try (PreparedStatement del = c.prepareStatement("DELETE FROM hardware_mac WHERE hardware_id = ?");
         PreparedStatement delIp = c.prepareStatement("DELETE FROM hardware_ip WHERE hardware_id = ?")) {
      del.setObject(1, doc.id());
      del.executeUpdate();
      delIp.setObject(1, doc.id());
      delIp.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO hardware_mac (mac, hardware_id) VALUES (?, ?)")) {
      for (String mac : doc.macs()) {
        ps.setString(1, mac);
        ps.setObject(2, doc.id());
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      if (Database.isUniqueViolation(e) || Database.isUniqueViolation(e.getNextException())) {
        throw new AlreadyExistsException("conflicting hardware MAC address provided with hardware data/info: "
            + "one of " + doc.macs() + " belongs to another record");
      }
      throw e;
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO hardware_ip (ip, hardware_id) VALUES (?::inet, ?)")) {
      for (String ip : doc.ips()) {
        ps.setString(1, ip);
        ps.setObject(2, doc.id());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Soft delete: the record stays for history, its MACs become free for another record. */
  public void delete(UUID id) {
    db.inTransaction(c -> {
      lockWrites(c);
      long revision;
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE hardware SET deleted_at = now(), updated_at = now(), revision = nextval('hardware_revision')
          WHERE id = ? AND deleted_at IS NULL RETURNING revision""")) {
        ps.setObject(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new NotFoundException("hardware " + id + " not found");
          }
          revision = rs.getLong(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM hardware_mac WHERE hardware_id = ?");
           PreparedStatement ips = c.prepareStatement("DELETE FROM hardware_ip WHERE hardware_id = ?")) {
        ps.setObject(1, id);
        ps.executeUpdate();
        ips.setObject(1, id);
        ips.executeUpdate();
      }
      BmcRepository.deleteWithHardware(c, id);
      ChangeNotifier.notify(c, ChangeNotifier.HARDWARE, Long.toString(revision));
      return null;
    });
  }

  public Optional<Hardware> byId(UUID id) {
    return one("SELECT data::text, revision FROM hardware WHERE id = ? AND deleted_at IS NULL", id);
  }

  public Optional<Hardware> byMac(String mac) {
    return one("""
        SELECT h.data::text, h.revision FROM hardware_mac m JOIN hardware h ON h.id = m.hardware_id
        WHERE m.mac = ? AND h.deleted_at IS NULL""", mac);
  }

  public Optional<Hardware> byIp(String ip) {
    return one("""
        SELECT h.data::text, h.revision FROM hardware_ip i JOIN hardware h ON h.id = i.hardware_id
        WHERE i.ip = ?::inet AND h.deleted_at IS NULL ORDER BY h.revision DESC LIMIT 1""", ip);
  }

  /** Every live record, oldest first, handed over one at a time so that a large fleet is never held whole. */
  public void forEach(Consumer<Hardware> sink) {
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT data::text, revision FROM hardware WHERE deleted_at IS NULL ORDER BY created_at, id")) {
        ps.setFetchSize(500);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            sink.accept(HardwareDocument.fromJson(rs.getString(1), rs.getLong(2)));
          }
        }
      }
      return null;
    });
  }

  /**
   * Records changed after {@code afterRevision}, in revision order, at most {@code limit}. With
   * {@code liveOnly}, deleted records are left out (a first snapshot has nothing to delete).
   */
  public List<Change> changesSince(long afterRevision, int limit, boolean liveOnly) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT id, data::text, revision, deleted_at IS NOT NULL FROM hardware
          WHERE revision > ? AND (NOT ? OR deleted_at IS NULL) ORDER BY revision LIMIT ?""")) {
        ps.setLong(1, afterRevision);
        ps.setBoolean(2, liveOnly);
        ps.setInt(3, limit);
        List<Change> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long revision = rs.getLong(3);
            Optional<Hardware> hw = rs.getBoolean(4)
                ? Optional.empty()
                : Optional.of(HardwareDocument.fromJson(rs.getString(2), revision));
            out.add(new Change(revision, rs.getObject(1, UUID.class), hw));
          }
        }
        return out;
      }
    });
  }

  private Optional<Hardware> one(String sql, Object key) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setObject(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(HardwareDocument.fromJson(rs.getString(1), rs.getLong(2)))
              : Optional.<Hardware>empty();
        }
      }
    });
  }

  private static void lockWrites(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      ps.setLong(1, WRITE_LOCK);
      ps.execute();
    }
  }
}
