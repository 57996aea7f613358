package io.tinkerjvm.runtime.auth;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over the parts given, in order: the one MAC that credentials and session tokens use. */
public final class Hmac {
  private Hmac() {}

  public static SecretKeySpec key(byte[] bytes) {
    return new SecretKeySpec(bytes, "HmacSHA256");
  }

  public static byte[] sha256(SecretKeySpec key, byte[]... parts) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      for (byte[] p : parts) {
        m.update(p);
      }
      return m.doFinal();
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
