package io.tinkerjvm.hegel.security;

import io.tinkerjvm.runtime.testing.SecretLeaks;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test of the module (junit-platform.properties orders classes): no secret the suite
 * configured is in any line it logged or any gRPC answer it gave. The machine key and the credentials Hegel checks are never logged.
 */
@Order(Integer.MAX_VALUE)
class NoSecretLeaksTest {
  @Test
  void noConfiguredSecretIsInALogLineOrAnApiResponse() {
    SecretLeaks.assertNoLeaks(List.<String>of(), List.of(), 10, 1);
  }
}
