package io.tinkerjvm.hegel.auth;

import io.tinkerjvm.runtime.auth.Hmac;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.spec.SecretKeySpec;

/**
 * IMDSv2 session tokens ({@code PUT /latest/api/token}): the expiry time and an HMAC over it and the client
 * address, so that a token works only for the machine it was issued to, until it expires, with nothing
 * stored. The key is random per process unless replicas share one (derived from the machine key file).
 */
public final class ImdsTokens {
  public static final String TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
  public static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";
  public static final int MAX_TTL_SECONDS = 21_600;
  private static final byte[] CONTEXT = "tinkerjvm imds token v1\0".getBytes(StandardCharsets.UTF_8);
  private static final int TAG_BYTES = 20;

  private final SecretKeySpec key;
  private final Clock clock;

  public ImdsTokens(byte[] key, Clock clock) {
    this.key = Hmac.key(key.clone());
    this.clock = clock;
  }

  public String issue(String clientIp, int ttlSeconds) {
    long expires = clock.instant().getEpochSecond() + ttlSeconds;
    ByteBuffer b = ByteBuffer.allocate(8 + TAG_BYTES);
    b.putLong(expires).put(tag(clientIp, expires));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  public boolean valid(String clientIp, String token) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(token.trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (raw.length != 8 + TAG_BYTES) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    long expires = b.getLong();
    byte[] given = new byte[TAG_BYTES];
    b.get(given);
    return MessageDigest.isEqual(tag(clientIp, expires), given) && clock.instant().getEpochSecond() < expires;
  }

  private byte[] tag(String clientIp, long expires) {
    byte[] full = Hmac.sha256(key, CONTEXT, ByteBuffer.allocate(8).putLong(expires).array(),
        clientIp.getBytes(StandardCharsets.UTF_8));
    return Arrays.copyOf(full, TAG_BYTES);
  }

}
