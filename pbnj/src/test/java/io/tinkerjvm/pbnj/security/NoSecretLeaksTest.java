package io.tinkerjvm.pbnj.security;

import io.tinkerjvm.runtime.testing.SecretLeaks;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test of the module (junit-platform.properties orders classes): no secret the suite
 * configured is in any line it logged or any gRPC answer it gave. The BMC passwords go to BMCs only.
 */
@Order(Integer.MAX_VALUE)
class NoSecretLeaksTest {
  @Test
  void noConfiguredSecretIsInALogLineOrAnApiResponse() {
    SecretLeaks.assertNoLeaks(List.of("login-pw-7f3a", "new-pw-91c2", "first-pass1", "second-pass2", "pässwort"), List.of(), 10, 10);
  }
}
