package io.tinkerjvm.osie.security;

import io.tinkerjvm.runtime.testing.SecretLeaks;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test of the module (junit-platform.properties orders classes): no secret the suite
 * configured is in any line it logged or any gRPC answer it gave. The registry's password goes to the registry only, the machine credential to tink-server only.
 */
@Order(Integer.MAX_VALUE)
class NoSecretLeaksTest {
  @Test
  void noConfiguredSecretIsInALogLineOrAnApiResponse() {
    SecretLeaks.assertNoLeaks(List.of(io.tinkerjvm.osie.support.Registry.PASSWORD), List.of(), 10, 10);
  }
}
