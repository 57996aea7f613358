package io.tinkerjvm.osie.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.testing.SecretLeaks;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test of the module (junit-platform.properties orders classes): no secret the suite
 * configured is in any line it logged or any gRPC answer it got. The registry's password goes to the registry only, the machine credential to tink-server only.
 */
@Order(Integer.MAX_VALUE)
class NoSecretLeaksTest {
  /** The module's own configured secrets, beyond those fixtures register and the key files. */
  static final List<String> NAMED = List.of(io.tinkerjvm.osie.support.Registry.PASSWORD);

  @Test
  void noConfiguredSecretIsInALogLineOrAnApiResponse() {
    Set<String> secrets = SecretLeaks.configured(Path.of(Config.defaultDataDir(System.getenv())), NAMED);
    assertEquals(List.of(), SecretLeaks.find(secrets, List.of(SecretLeaks.logFile(), SecretLeaks.responsesFile()),
        List.of()));
    // a check over nothing would pass for the wrong reason
    assertTrue(secrets.size() >= NAMED.size() + 1, "secrets: " + secrets.size());
    assertTrue(SecretLeaks.lines(SecretLeaks.logFile()) > 10, "log lines: " + SecretLeaks.lines(SecretLeaks.logFile()));
  }
}
