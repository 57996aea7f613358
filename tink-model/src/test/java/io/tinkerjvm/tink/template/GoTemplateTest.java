package io.tinkerjvm.tink.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GoTemplateTest {
  private static String render(String template, Map<String, ?> data) {
    return GoTemplate.parse(template).execute(data);
  }

  @Test
  void rendersDeviceKeysWithAndWithoutSpaces() {
    Map<String, String> data = Map.of("device_1", "08:00:27:00:00:01");
    assertEquals("worker: \"08:00:27:00:00:01\"", render("worker: \"{{.device_1}}\"", data));
    assertEquals("08:00:27:00:00:01", render("{{ .device_1 }}", data));
  }

  @Test
  void aMissingKeyIsAnErrorNamingTheKeyAndLine() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> render("a: 1\nworker: \"{{.device_2}}\"\n", Map.of("device_1", "x")));
    assertTrue(e.getMessage().contains("\"device_2\""), e.getMessage());
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void nestedFieldsAreReadFromJsonObjects() {
    assertEquals("/dev/sda", render("{{.disk.path}}", Map.of("disk", Map.of("path", "/dev/sda"))));
  }

  @Test
  void tinkV07FunctionsWork() {
    assertEquals("/dev/nvme0n1p1", render("{{ formatPartition \"/dev/nvme0n1\" 1 }}", Map.of()));
    assertEquals("/dev/sda2", render("{{ formatPartition .d 2 }}", Map.of("d", "/dev/sda")));
    assertEquals("true", render("{{ contains .d \"nvme\" }}", Map.of("d", "/dev/nvme0n1")));
    assertEquals("false", render("{{ hasPrefix .d \"/dev/sd\" }}", Map.of("d", "/dev/nvme0n1")));
    assertEquals("true", render("{{ hasSuffix .d \"n1\" }}", Map.of("d", "/dev/nvme0n1")));
  }

  @Test
  void conditionalsPipelinesAndTrimming() {
    String t = "disk: {{ if contains .d \"nvme\" -}} nvme {{- else if eq .d \"/dev/vda\" -}} virtio {{- else -}} other {{- end }}";
    assertEquals("disk: nvme", render(t, Map.of("d", "/dev/nvme0n1")));
    assertEquals("disk: virtio", render(t, Map.of("d", "/dev/vda")));
    assertEquals("disk: other", render(t, Map.of("d", "/dev/sda")));
    // As in Go, the piped value is the last argument: contains("/dev/sda1", .d).
    assertEquals("yes", render("{{ if .d | contains \"/dev/sda1\" | not | not }}yes{{ end }}", Map.of("d", "/dev/sda")));
    assertEquals("", render("{{ if .d | hasPrefix \"/dev\" }}yes{{ end }}", Map.of("d", "/dev/sda")));
    assertEquals("ab", render("a{{/* a comment */}}b", Map.of()));
  }

  @Test
  void syntaxErrorsAreFoundAtParseTime() {
    assertThrows(InvalidArgumentException.class, () -> GoTemplate.parse("x: {{ .a "));
    assertThrows(InvalidArgumentException.class, () -> GoTemplate.parse("{{ if .a }}no end"));
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> GoTemplate.parse("a\nb\n{{ frobnicate .a }}"));
    assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("frobnicate"), e.getMessage());
  }

  @Test
  void textWithoutActionsIsUnchanged() {
    String yaml = "version: \"0.1\"\nname: x\n# {not an action}\n";
    assertEquals(yaml, render(yaml, Map.of()));
  }
}
