package io.tinkerjvm.boots.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A read-only folder served over TFTP and HTTP (the iPXE binaries). A request names a path inside it, with
 * an optional leading MAC folder as smee's URLs have ({@code 52:54:00:12:34:56/undionly.kpxe}). No request
 * reaches outside the folder through {@code ..} or an absolute path. Symbolic links the operator put in the
 * folder are followed, as Debian's /usr/lib/ipxe links ipxe.efi to /boot.
 */
public final class FileRoot {
  private static final Pattern MAC = Pattern.compile("(?i)^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$");

  private final Path root;

  public FileRoot(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** Why a path cannot be served. */
  public static final class Refused extends Exception {
    public final boolean outside;

    Refused(boolean outside, String message) {
      super(message, null, false, false);
      this.outside = outside;
    }
  }

  /** The regular file a request names; throws when it is outside the folder or is not a readable file. */
  public Path resolve(String requested) throws Refused {
    if (requested.indexOf('\0') >= 0) {
      throw new Refused(true, "path contains a NUL byte");
    }
    String p = requested.replace('\\', '/');
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    int slash = p.indexOf('/');
    if (slash > 0 && MAC.matcher(p.substring(0, slash)).matches()) {
      p = p.substring(slash + 1);
    }
    Path candidate;
    try {
      candidate = root.resolve(p).normalize();
    } catch (InvalidPathException e) {
      throw new Refused(true, "invalid path");
    }
    if (!candidate.startsWith(root) || candidate.equals(root)) {
      throw new Refused(true, "outside the served folder");
    }
    if (!Files.isRegularFile(candidate)) {
      throw new Refused(false, "file not found");
    }
    if (!Files.isReadable(candidate)) {
      throw new Refused(true, "not readable");
    }
    return candidate;
  }

  /** Names of the regular files directly in the folder. */
  public Set<String> topLevelFiles() {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> s = Files.list(root)) {
      s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(f))
          .forEach(f -> names.add(f.getFileName().toString()));
    } catch (IOException e) {
      // a missing folder serves nothing; Boots says so at start-up
    }
    return names;
  }
}
