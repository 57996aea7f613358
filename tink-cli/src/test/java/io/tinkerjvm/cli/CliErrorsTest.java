package io.tinkerjvm.cli;

import static io.tinkerjvm.cli.CliRun.read;
import static io.tinkerjvm.cli.CliRun.tink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.tink.support.RunningTink;
import io.tinkerjvm.tink.support.TinkProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure is one line on stderr naming what is wrong, with a non-zero exit, and nothing is stored. */
class CliErrorsTest {
  static RunningTink server;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    server = new RunningTink();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static void assertError(CliRun.Result r, int code, String message) {
    assertEquals(code, r.code(), () -> "exit code; stderr: " + r.err());
    assertEquals("Error: " + message + "\n", r.err());
  }

  @Test
  void badHardwareFilesNameTheFileAndTheProblem() throws Exception {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"id\": \"0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94\",\n  \"network\": {]}");
    var r = tink(server, "hardware", "push", "--file", broken.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("Error: " + broken + ": not valid JSON: "), r.err());
    assertTrue(r.err().contains("(line 2, column "), r.err());
    assertEquals(1, r.err().lines().count());

    Path noId = dir.resolve("no-id.json");
    Files.writeString(noId, read("tinkerbell/hardware-s1.json").replace("0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94", ""));
    assertError(tink(server, "hardware", "push", noId.toString()), 1, noId + ": hardware id is required");

    Path badMac = dir.resolve("bad-mac.json");
    Files.writeString(badMac, read("tinkerbell/hardware-s1.json").replace("08:00:27:00:00:01", "08:00:27:00:00"));
    assertError(tink(server, "hardware", "push", badMac.toString()), 1, badMac
        + ": network.interfaces[0].dhcp.mac '08:00:27:00:00' is not a MAC address (like 08:00:27:00:00:01)");

    Path badMetadata = dir.resolve("bad-metadata.json");
    Files.writeString(badMetadata, "{\"id\":\"0eba0bf8-3772-4b4a-ab9f-6ebe93b90a94\",\"metadata\":[1]}");
    assertError(tink(server, "hardware", "push", badMetadata.toString()), 1, badMetadata
        + ": metadata must be a JSON object or a string holding one");
    assertEquals(0, server.count("SELECT count(*) FROM hardware"));
  }

  @Test
  void missingInputsAreNamed() throws Exception {
    Path none = dir.resolve("nope.json");
    assertError(tink(server, "hardware", "push", none.toString()), 1, none + ": no such file");
    Path empty = Files.createDirectory(dir.resolve("empty"));
    assertError(tink(server, "template", "create", empty.toString()), 1,
        empty + ": the folder holds no .yaml or .yml or .tmpl files");
    assertError(tink(server, "hardware", "push"), 2,
        "either pipe the data or give a file (--file FILE, or FILE... or FOLDER)");
    assertError(tink(server, "", Map.of(), "hardware", "push"), 1, "standard input is empty");
  }

  @Test
  void badTemplatesNameTheFileAndLine() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, read("tinkerbell/template-ubuntu.yaml").replace("    timeout: 90\n", "    timeout: 90\n    tiemout: 3\n"));
    var r = tink(server, "template", "create", "--file", bad.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("Error: " + bad + ": "), r.err());
    assertTrue(r.err().contains("tiemout"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());

    Path version = dir.resolve("version.yaml");
    Files.writeString(version, read("tinkerbell/template-ubuntu.yaml").replace("version: \"0.1\"", "version: \"0.2\""));
    r = tink(server, "template", "create", version.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("Error: " + version + ": ") && r.err().contains("0.2"), r.err());
    assertEquals(0, server.count("SELECT count(*) FROM template"));
  }

  @Test
  void notFoundAndBadIdsAreOneLine() {
    assertError(tink(server, "hardware", "id", "0eba0bf8-3772-4b4a-ab9f-000000000000"), 1,
        "hardware 0eba0bf8-3772-4b4a-ab9f-000000000000 not found");
    assertError(tink(server, "hardware", "id", "s1"), 2, "'s1' is not a hardware id (a UUID)");
    assertError(tink(server, "hardware", "get", "nonsense"), 2, "'nonsense' is not a hardware id, MAC or IP address");
    assertError(tink(server, "workflow", "state", "42"), 2, "'42' is not a workflow id (a UUID)");
    assertError(tink(server, "template", "get", "no-such-template"), 1, "template 'no-such-template' not found");
    assertError(tink(server, "workflow", "create", "-t", "no-such-template", "-r", "{\"device_1\":\"08:00:27:00:00:01\"}"),
        1, "template 'no-such-template' not found");
    assertError(tink(server, "workflow", "create", "-t", "x", "-r", "{device_1"), 2,
        "--hardware is not valid JSON: Unexpected character ('d' (code 100)): was expecting double-quote to start field name");
  }

  @Test
  void commandLineMistakesExitTwoWithAPointerToHelp() {
    var r = tink(server, "hardware", "push", "--fiel", "x.json");
    assertEquals(2, r.code());
    assertEquals("Error: Unknown option: '--fiel' (see 'tink hardware push --help')\n", r.err());
    assertError(tink(server, "--format", "xml", "hardware", "list"), 1, "--format 'xml' is not one of table, json, yaml, csv");
    assertError(tink(server, "--timeout", "soon", "hardware", "list"), 2,
        "--timeout 'soon' is not a duration like 30s, 2m or 500ms");
    assertError(tink(server, null, Map.of("TINKERBELL_TLS", "maybe"), "hardware", "list"), 2,
        "TINKERBELL_TLS='maybe' is not true or false");
    assertEquals(2, tink(server, "workflow", "create", "-t", "x").code());
  }

  @Test
  void anUnreachableServerIsNamedWithTheSettingToChange() {
    int port = TinkProcess.freePort();
    var r = tink(null, null, Map.of("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1:" + port), "hardware", "list");
    assertError(r, 1, "cannot reach tink-server at 127.0.0.1:" + port + ": connection refused");
    r = tink(null, null, Map.of("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1:" + server.server.httpPort()), "hardware", "list");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("Error: 127.0.0.1:" + server.server.httpPort() + " does not speak gRPC: "), r.err());
    r = tink(null, null, Map.of("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1"), "hardware", "list");
    assertError(r, 2, "--tinkerbell-grpc-authority: authority \"127.0.0.1\" must be host:port");
  }

  @Test
  void tlsAgainstAPlaintextServerSaysSo() throws Exception {
    try (RunningTink plaintext = new RunningTink(io.tinkerjvm.tink.support.TestPostgres.freshDatabase(), "--tls=off")) {
      var r = tink(plaintext, null, Map.of(), "hardware", "list");
      assertEquals(1, r.code());
      assertTrue(r.err().startsWith("Error: TLS with 127.0.0.1:" + plaintext.server.grpcPort() + " failed: "), r.err());
      assertTrue(r.err().endsWith("(is the server plaintext? then set TINKERBELL_TLS=false)\n"), r.err());
      tink(plaintext, null, Map.of("TINKERBELL_TLS", "false"), "hardware", "list").ok();
    }
  }

  @Test
  void theStacksCaInTheDataFolderIsTrustedWithoutASetting() {
    // tink-server made it on first start in the default data folder, which the CLI reads too
    assertEquals(0, tink(server, null, Map.of(), "hardware", "list").code());
    Path otherHome = dir.resolve("elsewhere");
    var r = tink(server, null, Map.of("XDG_DATA_HOME", otherHome.toString()), "hardware", "list");
    assertEquals(1, r.code(), "with no CA to trust but the system's, the server's certificate is refused");
    assertTrue(r.err().startsWith("Error: TLS with 127.0.0.1:" + server.server.grpcPort() + " failed: "), r.err());
  }

  @Test
  void aCaBundleThatCannotBeUsedIsNamed() throws Exception {
    Path none = dir.resolve("missing.pem");
    var r = tink(server, "--tinkerbell-cert-url", none.toUri().toString(), "hardware", "list");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("Error: TINKERBELL_CERT_URL " + none.toUri() + ": cannot fetch the CA bundle: "),
        r.err());
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
    r = tink(server, null, Map.of("TINKERBELL_CERT_URL", junk.toUri().toString()), "hardware", "list");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("Error: TINKERBELL_CERT_URL " + junk.toUri() + ": "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void helpAndVersionAndCompletion() {
    var help = tink(server, "hardware", "push", "--help").ok().out();
    assertTrue(help.contains("--dry-run") && help.contains("--file=FILE"), help);
    assertTrue(tink(server, "--version").ok().out().startsWith("tink (TinkerJVM) "));
    var bash = tink(server, "completion", "bash").ok().out();
    assertTrue(bash.contains("complete -F _complete_tink") || bash.contains("_complete_tink"), bash.substring(0, 200));
    assertTrue(bash.contains("push") && bash.contains("workflow") && bash.contains("--dry-run"));
    assertError(tink(server, "completion", "fish"), 2, "completion is available for bash and zsh, not 'fish'");
  }
}
