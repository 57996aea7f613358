package io.tinkerjvm.osie;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
  @TempDir Path dir;

  private Path cmdline(String text) throws Exception {
    Path p = dir.resolve("cmdline");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void readsBootsKernelCommandLine() throws Exception {
    Path c = cmdline("ip=dhcp modules=loop grpc_authority=10.0.0.1:42113 tinkerbell_tls=false "
        + "worker_id=0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94 docker_registry=10.0.0.1:5000 registry_username=admin "
        + "registry_password=s3cret syslog_host=10.0.0.1 console=ttyS1,115200\n");
    AgentConfig a = AgentConfig.load(Map.of(), "--cmdline=" + c);
    assertEquals("0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94", a.workerId());
    assertEquals("10.0.0.1:42113", a.grpcAuthority());
    assertEquals("10.0.0.1:5000", a.dockerRegistry());
    assertEquals("admin", a.registryUsername());
    assertEquals("s3cret", a.registryPassword());
    assertEquals("10.0.0.1", a.syslogHost());
    assertFalse(a.tls());
    assertFalse(a.toString().contains("s3cret"));
  }

  @Test
  void variablesBeatTheCommandLineAndFlagsBeatVariables() throws Exception {
    Path c = cmdline("worker_id=from-cmdline grpc_authority=10.0.0.1:42113");
    AgentConfig a = AgentConfig.load(Map.of("WORKER_ID", "from-env", "TINKERBELL_GRPC_AUTHORITY", "10.0.0.2:42113",
        "DOCKER_REGISTRY", "registry.local"), "--cmdline=" + c, "--tinkerbell-grpc-authority=10.0.0.3:42113");
    assertEquals("from-env", a.workerId());
    assertEquals("10.0.0.3:42113", a.grpcAuthority());
    assertEquals("registry.local", a.dockerRegistry());
    assertEquals("from-flag", AgentConfig.load(Map.of("ID", "from-env", "TINKERBELL_GRPC_AUTHORITY", "h:1"),
        "--id=from-flag", "--cmdline=" + dir.resolve("none")).workerId());
  }

  @Test
  void tinkWorkersShortFlagsWork() throws Exception {
    AgentConfig a = AgentConfig.load(Map.of("TINKERBELL_GRPC_AUTHORITY", "h:1", "RETRY_INTERVAL", "500ms"),
        "-i", "hw-1", "-r=registry.lan", "-u", "admin", "-p", "pw", "--cmdline=" + dir.resolve("none"));
    assertEquals("hw-1", a.workerId());
    assertEquals("registry.lan", a.dockerRegistry());
    assertEquals("admin", a.registryUsername());
    assertEquals("pw", a.registryPassword());
    assertEquals(java.time.Duration.ofMillis(500), a.retryInterval());
    Config.ConfigException e = assertThrows(Config.ConfigException.class,
        () -> AgentConfig.load(Map.of(), "-x=hunter2"));
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void missingOrBadSettingsAreNamed() throws Exception {
    Path none = dir.resolve("none");
    assertNamed("id is required", Map.of("TINKERBELL_GRPC_AUTHORITY", "h:1"), "--cmdline=" + none);
    assertNamed("tinkerbell-grpc-authority is required", Map.of("ID", "x"), "--cmdline=" + none);
    assertNamed("tinkerbell-grpc-authority must be host:port", Map.of("ID", "x"), "--cmdline=" + none,
        "--tinkerbell-grpc-authority=nohost");
    assertNamed("privilege-mode must be", Map.of("ID", "x", "TINKERBELL_GRPC_AUTHORITY", "h:1"), "--cmdline=" + none,
        "--privilege-mode=root");
    assertNamed("unknown setting --idd", Map.of(), "--idd=x");
    assertNamed("retry-interval must be longer than zero", Map.of("ID", "x", "TINKERBELL_GRPC_AUTHORITY", "h:1"),
        "--cmdline=" + none, "--retry-interval=0s");
  }

  private static void assertNamed(String message, Map<String, String> env, String... args) {
    Config.ConfigException e = assertThrows(Config.ConfigException.class, () -> AgentConfig.load(env, args));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
