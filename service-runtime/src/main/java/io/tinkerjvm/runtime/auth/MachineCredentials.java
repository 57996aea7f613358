package io.tinkerjvm.runtime.auth;

import io.tinkerjvm.runtime.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.spec.SecretKeySpec;

/**
 * The credential of one machine: HMAC-SHA256 of its hardware id under a key that Boots and Hegel share
 * (the machine key file). Boots hands it to the machine on its kernel command line; Hegel checks it. It
 * is derived, not stored, so there is nothing to sync, and a new key file revokes every credential at once.
 * Without the key nobody can make a credential for another machine.
 */
public final class MachineCredentials {
  /** The kernel command line parameter that carries it. */
  public static final String KERNEL_PARAMETER = "machine_credential";
  private static final int MIN_KEY_BYTES = 32;
  private static final byte[] CONTEXT = "tinkerjvm machine credential v1\0".getBytes(StandardCharsets.UTF_8);

  private final SecretKeySpec key;

  private MachineCredentials(byte[] key) {
    this.key = Hmac.key(key);
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
    return new MachineCredentials(key);
  }

  public static MachineCredentials ofKey(byte[] key) {
    if (key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException("a machine key needs at least " + MIN_KEY_BYTES + " bytes");
    }
    return new MachineCredentials(key.clone());
  }

  /** The credential for a hardware id: 43 characters of URL-safe base64, fit for a kernel command line. */
  public String credentialFor(String hardwareId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(hardwareId));
  }

  /** Compares in constant time, so that the answer's timing tells nothing about the right credential. */
  public boolean verify(String hardwareId, String presented) {
    if (presented == null) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(presented.trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(mac(hardwareId), given);
  }

  /** A key for another purpose (e.g. signing session tokens), derived so that replicas sharing the file agree. */
  public byte[] derivedKey(String purpose) {
    return mac("derived key for " + purpose);
  }

  private byte[] mac(String hardwareId) {
    return Hmac.sha256(key, CONTEXT, hardwareId.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "MachineCredentials[key=<redacted>]";
  }
}
