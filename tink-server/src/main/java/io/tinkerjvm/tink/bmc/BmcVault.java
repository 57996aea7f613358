package io.tinkerjvm.tink.bmc;

import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.errors.FailedPreconditionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals BMC passwords for storage: AES-256-GCM with a fresh nonce each time and the hardware id as
 * associated data, so a sealed password copied onto another record does not open. The key comes from
 * the environment or a file and never enters the database.
 */
public final class BmcVault {
  private static final byte VERSION = 1;
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;

  private final SecureRandom random = new SecureRandom();
  private final Path keyFile;
  private final boolean mayCreate;
  private SecretKeySpec key;

  public BmcVault(byte[] key) {
    this.key = spec(key);
    this.keyFile = null;
    this.mayCreate = false;
  }

  private BmcVault(Path keyFile, boolean mayCreate) {
    this.keyFile = keyFile;
    this.mayCreate = mayCreate;
  }

  private static SecretKeySpec spec(byte[] key) {
    if (key.length != 32) {
      throw new Config.ConfigException("the BMC key must be 32 bytes (base64 of 32 random bytes), got " + key.length);
    }
    return new SecretKeySpec(key, "AES");
  }

  /**
   * The key from {@code base64Key} (TINK_BMC_KEY) when set, else from {@code file}. With {@code mayCreate}, a
   * missing file is made, with a new random key readable by its owner only, when the first password is
   * sealed. Without it (replicas sharing a database must share one key) a missing key refuses to seal.
   */
  public static BmcVault load(String base64Key, Path file, boolean mayCreate) {
    if (base64Key != null && !base64Key.isBlank()) {
      return new BmcVault(decode(base64Key.trim(), "TINK_BMC_KEY"));
    }
    BmcVault vault = new BmcVault(file, mayCreate);
    if (Files.exists(file)) {
      vault.key(false);
    }
    return vault;
  }

  private synchronized SecretKeySpec key(boolean create) {
    if (key != null) {
      return key;
    }
    Path file = keyFile;
    try {
      if (!Files.exists(file)) {
        if (!create || !mayCreate) {
          throw new FailedPreconditionException("no key to seal BMC passwords with: " + file + " does not exist "
              + "and TINK_BMC_KEY is not set (with an external database, every tink-server replica needs the "
              + "same key: give it with TINK_BMC_KEY or --bmc-key-file)");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        // made owner-only before the key is in it
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Base64.getEncoder().encodeToString(fresh) + "\n", StandardCharsets.US_ASCII,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
      }
      key = spec(decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), "bmc-key-file " + file));
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("bmc-key-file " + file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] decode(String text, String where) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException(where + " is not base64 (make one with: head -c 32 /dev/urandom | base64)");
    }
  }

  public byte[] seal(UUID hardwareId, String password) {
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key(true), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(hardwareId));
      byte[] sealed = c.doFinal(password.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.allocate(1 + NONCE + sealed.length).put(VERSION).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** The password, or an error saying the key does not match (a wrong or changed key file). */
  public String open(UUID hardwareId, byte[] sealed) {
    if (sealed.length < 1 + NONCE + TAG_BITS / 8 || sealed[0] != VERSION) {
      throw new IllegalStateException("the stored BMC password of hardware " + hardwareId + " is not in a known form");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key(false), new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE));
      c.updateAAD(aad(hardwareId));
      return new String(c.doFinal(sealed, 1 + NONCE, sealed.length - 1 - NONCE), StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalStateException("the BMC password of hardware " + hardwareId
          + " does not open with this key: was the BMC key (bmc-key-file, TINK_BMC_KEY) changed?");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private static byte[] aad(UUID id) {
    return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
  }
}
