package io.tinkerjvm.runtime.auth;

import io.tinkerjvm.runtime.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/**
 * The credentials of machines, minted per boot. A credential is
 * {@code <hardware id>.<issued, hex seconds>.<nonce>.<HMAC-SHA256 of the three under the machine key>}: Boots
 * mints a new one each time it renders a machine's iPXE script and hands it over on the kernel command line;
 * tink-server and Hegel, sharing the key file, check it without a lookup and learn which machine is calling.
 * It names its machine, so a worker can be held to its own workflows and metadata (tink#218, tink#507). It
 * lasts {@link #lifetime()} from its boot (24 h unless configured); a new key file revokes every one at once.
 * Without the key nobody can make a credential for another machine.
 */
public final class MachineCredentials {
  /** The kernel command line parameter that carries it. */
  public static final String KERNEL_PARAMETER = "machine_credential";
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);
  private static final int MIN_KEY_BYTES = 32;
  private static final byte[] CONTEXT = "tinkerjvm machine credential v2\0".getBytes(StandardCharsets.UTF_8);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final Duration lifetime;
  private final Clock clock;

  private MachineCredentials(byte[] key, Duration lifetime, Clock clock) {
    this.key = Hmac.key(key);
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /**
   * Reads the key file named by setting {@code setting}: at least 32 bytes of key, as raw bytes or as
   * text (base64 or hex, one line, e.g. from {@code head -c 32 /dev/urandom | base64}).
   */
  public static MachineCredentials fromKeyFile(String setting, Path file) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new Config.ConfigException(setting + ": cannot read " + file + ": " + e.getMessage());
    }
    String text = new String(raw, StandardCharsets.US_ASCII).trim();
    byte[] key = raw;
    if (text.matches("[0-9a-fA-F]+") && text.length() % 2 == 0) {
      key = java.util.HexFormat.of().parseHex(text);
    } else if (text.matches("[A-Za-z0-9+/_-]+=*")) {
      try {
        key = text.contains("-") || text.contains("_") ? Base64.getUrlDecoder().decode(text)
            : Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        key = raw;
      }
    }
    if (key.length < MIN_KEY_BYTES) {
      throw new Config.ConfigException(setting + ": " + file + " holds a key of " + key.length
          + " bytes; it needs at least " + MIN_KEY_BYTES + " (make one with: head -c 32 /dev/urandom | base64 > "
          + file + ")");
    }
    return new MachineCredentials(key, DEFAULT_LIFETIME, Clock.systemUTC());
  }

  /**
   * The key file's credentials; a missing file is made first (32 random bytes, base64, mode 0600), so that the
   * services of one host, sharing their data folder, agree on a key without an operator's step.
   */
  public static MachineCredentials fromKeyFileOrNew(String setting, Path file) {
    synchronized (MachineCredentials.class) {
      try {
        if (!Files.exists(file)) {
          Files.createDirectories(file.toAbsolutePath().getParent());
          byte[] key = new byte[MIN_KEY_BYTES];
          RANDOM.nextBytes(key);
          Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".machine-key", ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(tmp, Base64.getEncoder().encodeToString(key) + "\n");
          try {
            // no replace: when another service made it meanwhile, its key is the one
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
          } catch (java.nio.file.FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp);
          } finally {
            Files.deleteIfExists(tmp);
          }
        }
      } catch (IOException e) {
        throw new Config.ConfigException(setting + ": cannot make " + file + ": " + e.getMessage());
      }
      return fromKeyFile(setting, file);
    }
  }

  public static MachineCredentials ofKey(byte[] key) {
    if (key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException("a machine key needs at least " + MIN_KEY_BYTES + " bytes");
    }
    return new MachineCredentials(key.clone(), DEFAULT_LIFETIME, Clock.systemUTC());
  }

  /** The same key, with credentials that last {@code lifetime} from their minting, checked by {@code clock}. */
  public MachineCredentials with(Duration lifetime, Clock clock) {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("a credential lifetime must be longer than zero");
    }
    return new MachineCredentials(key.getEncoded(), lifetime, clock);
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** A new credential for a hardware id, for one boot: URL-safe characters only, fit for a kernel command line. */
  public String credentialFor(String hardwareId) {
    if (hardwareId.isEmpty() || !hardwareId.chars().allMatch(ch -> ch > ' ' && ch < 0x7f)) {
      throw new IllegalArgumentException("a hardware id for a credential must be printable ASCII without spaces");
    }
    byte[] nonce = new byte[9];
    RANDOM.nextBytes(nonce);
    String body = hardwareId + "." + Long.toHexString(clock.instant().getEpochSecond()) + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
    return body + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(body));
  }

  /**
   * The hardware id a credential was minted for, when it is this key's, unaltered and not past its lifetime.
   * Compares in constant time, so that the answer's timing tells nothing about the right credential.
   */
  public Optional<String> hardwareIdOf(String presented) {
    if (presented == null) {
      return Optional.empty();
    }
    String credential = presented.trim();
    int macAt = credential.lastIndexOf('.');
    int nonceAt = macAt <= 0 ? -1 : credential.lastIndexOf('.', macAt - 1);
    int issuedAt = nonceAt <= 0 ? -1 : credential.lastIndexOf('.', nonceAt - 1);
    if (issuedAt <= 0) {
      return Optional.empty();
    }
    String body = credential.substring(0, macAt);
    byte[] given;
    long issued;
    try {
      given = Base64.getUrlDecoder().decode(credential.substring(macAt + 1));
      issued = Long.parseLong(credential.substring(issuedAt + 1, nonceAt), 16);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!MessageDigest.isEqual(mac(body), given)) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Instant minted = Instant.ofEpochSecond(issued);
    // a minute of grace for clocks a little apart between Boots and the checking service
    if (minted.isAfter(now.plusSeconds(60)) || now.isAfter(minted.plus(lifetime))) {
      return Optional.empty();
    }
    return Optional.of(credential.substring(0, issuedAt));
  }

  /** Whether {@code presented} is a valid credential of this hardware id. */
  public boolean verify(String hardwareId, String presented) {
    return hardwareIdOf(presented).filter(hardwareId::equals).isPresent();
  }

  /** A key for another purpose (e.g. signing session tokens), derived so that replicas sharing the file agree. */
  public byte[] derivedKey(String purpose) {
    return mac("derived key for " + purpose);
  }

  private byte[] mac(String body) {
    return Hmac.sha256(key, CONTEXT, body.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "MachineCredentials[key=<redacted>]";
  }
}
