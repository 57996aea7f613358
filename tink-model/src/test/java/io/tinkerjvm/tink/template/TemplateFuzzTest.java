package io.tinkerjvm.tink.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.workflow.WorkflowPlan;
import io.tinkerjvm.tink.workflow.WorkflowPlanner;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Template text as `tink template create` sends it. The contract for both the YAML document and the template
 * language inside it: a value, or an {@link InvalidArgumentException} that says why (INVALID_ARGUMENT); never another
 * exception (INTERNAL), never a hang. Seeds: src/test/resources/.../TemplateFuzzTestInputs/.
 */
class TemplateFuzzTest {
  private static final ObjectMapper YAML_WRITER = new ObjectMapper(new YAMLFactory());
  /** A workflow's hardware map, with every kind of value a JSON object can give a template. */
  private static final Map<String, Object> HARDWARE = new LinkedHashMap<>();

  static {
    HARDWARE.put("device_1", "08:00:27:00:00:01");
    HARDWARE.put("device_2", "192.168.1.5");
    HARDWARE.put("disk", Map.of("path", "/dev/nvme0n1", "count", 2));
    HARDWARE.put("empty", "");
    HARDWARE.put("n", 3);
    HARDWARE.put("ratio", 1.5);
    HARDWARE.put("uefi", true);
    HARDWARE.put("list", List.of("a", "b"));
    HARDWARE.put("none", null);
  }

  private static final String HARDWARE_JSON = """
      {"device_1": "08:00:27:00:00:01", "device_2": "192.168.1.5", "disk": {"path": "/dev/nvme0n1", "count": 2},
       "empty": "", "n": 3, "ratio": 1.5, "uefi": true, "list": ["a", "b"], "none": null}""";
  private static final WorkflowPlanner PLANNER = new WorkflowPlanner((worker, task) -> "5b1b3a52-57b4-4d8e-8f42-2b1e5c7d0a33");

  /** The document check tink-server runs on `template create`, and the stored document written back out. */
  @FuzzTest
  @Timeout(10)
  void templateDocument(byte[] input) throws Exception {
    String yaml = new String(input, StandardCharsets.UTF_8);
    TemplateDocument doc;
    try {
      TemplateDocument.checkForStore(null, yaml);
      doc = TemplateDocument.parse(yaml);
    } catch (InvalidArgumentException e) {
      assertClear(e);
      return;
    }
    // A document that passed, written out as YAML, parses to the same document.
    assertEquals(doc, TemplateDocument.parse(YAML_WRITER.writeValueAsString(doc)));
    // and it holds no null list entry, which the planner and the workflow protos cannot take
    for (TemplateDocument.Task task : doc.tasks()) {
      assertNoNull(task.volumes());
      for (TemplateDocument.Action action : task.actions()) {
        for (List<String> list : List.of(TemplateDocument.orEmpty(action.volumes()),
            TemplateDocument.orEmpty(action.command()), TemplateDocument.orEmpty(action.onTimeout()),
            TemplateDocument.orEmpty(action.onFailure()))) {
          assertNoNull(list);
        }
      }
    }
  }

  private static void assertNoNull(List<String> list) {
    if (list != null) {
      assertTrue(list.stream().allMatch(java.util.Objects::nonNull), "a stored template holds a null entry: " + list);
    }
  }

  /**
   * What `tink workflow create` does with a stored template and a hardware map: parse and render the template, read
   * the result as a template document, merge each action's environment and volumes ({@link WorkflowPlanner#plan}).
   */
  @FuzzTest
  @Timeout(10)
  void goTemplate(byte[] input) {
    String source = new String(input, StandardCharsets.UTF_8);
    String rendered;
    try {
      rendered = GoTemplate.parse(source).execute(HARDWARE);
    } catch (InvalidArgumentException e) {
      assertClear(e);
      return;
    }
    assertEquals(rendered, GoTemplate.parse(source).execute(HARDWARE), "rendering is not deterministic");
    if (!source.contains("{{")) {
      assertEquals(source, rendered, "text without actions changed");
    }
    WorkflowPlan plan;
    try {
      plan = PLANNER.plan(source, HARDWARE_JSON);
    } catch (InvalidArgumentException e) {
      assertClear(e);
      return;
    }
    assertEquals(rendered, plan.renderedTemplate());
    assertEquals(plan, PLANNER.plan(source, HARDWARE_JSON), "planning is not deterministic");
  }

  static void assertClear(InvalidArgumentException e) {
    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a refusal without a reason");
  }
}
