package io.tinkerjvm.boots.tftp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of the files TFTP serves, kept in memory: a boot storm fetches the same few iPXE binaries
 * hundreds of times, and copying a block from memory is cheaper than a read per block. An entry is used
 * only while the file's size and modification time are unchanged, so a replaced binary is served new at
 * once. Files above {@link #MAX_FILE} and anything beyond {@link #MAX_TOTAL} are read from disk instead.
 */
final class FileCache {
  static final long MAX_FILE = 16L << 20;
  static final long MAX_TOTAL = 128L << 20;

  private record Entry(FileTime modified, long size, byte[] bytes) {}

  private final Map<Path, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong total = new AtomicLong();

  /** The file's bytes, or null when it is too large to keep. */
  byte[] bytes(Path path) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
    Entry e = entries.get(path);
    if (e != null && e.size() == attrs.size() && e.modified().equals(attrs.lastModifiedTime())) {
      return e.bytes();
    }
    if (attrs.size() > MAX_FILE) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(path);
    if (bytes.length != attrs.size()) {
      return bytes; // changing under us: serve what we read, keep nothing
    }
    Entry fresh = new Entry(attrs.lastModifiedTime(), attrs.size(), bytes);
    Entry old = entries.get(path);
    long grow = bytes.length - (old == null ? 0 : old.size());
    if (total.get() + grow <= MAX_TOTAL) {
      entries.put(path, fresh);
      total.addAndGet(grow);
    }
    return bytes;
  }
}
