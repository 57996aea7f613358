package io.tinkerjvm.tink.template;

import static io.tinkerjvm.tink.support.Fixtures.TWO_WORKER_TEMPLATE;
import static io.tinkerjvm.tink.support.Fixtures.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.tinkerjvm.proto.tink.template.GetRequest;
import io.tinkerjvm.proto.tink.template.ListRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.tink.support.RunningTink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TemplateServiceTest {
  static RunningTink tink;

  @BeforeAll
  static void start() {
    tink = new RunningTink();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    tink.close();
  }

  private static String create(String name, String yaml) {
    return tink.templates().createTemplate(WorkflowTemplate.newBuilder().setName(name).setData(yaml).build()).getId();
  }

  private static String yamlNamed(String name) {
    return TWO_WORKER_TEMPLATE.replace("name: two-workers", "name: " + name);
  }

  @Test
  void createdTemplatesAreFoundByIdAndName() {
    String id = create("ubuntu-focal", yamlNamed("ubuntu-focal"));
    WorkflowTemplate byId = tink.templates().getTemplate(GetRequest.newBuilder().setId(id).build());
    WorkflowTemplate byName = tink.templates().getTemplate(GetRequest.newBuilder().setName("ubuntu-focal").build());
    assertEquals(id, byId.getId());
    assertEquals("ubuntu-focal", byId.getName());
    assertEquals(yamlNamed("ubuntu-focal"), byId.getData());
    assertEquals(byId, byName);
    assertTrue(byId.hasCreatedAt());
  }

  @Test
  void theNameComesFromTheYamlWhenTheRequestHasNone() {
    String id = create("", yamlNamed("from-yaml"));
    assertEquals("from-yaml", tink.templates().getTemplate(GetRequest.newBuilder().setId(id).build()).getName());
  }

  @Test
  void listMatchesStarPatternsAndLeavesDataOut() {
    create("list-alpha", yamlNamed("list-alpha"));
    create("list-beta", yamlNamed("list-beta"));
    create("other-gamma", yamlNamed("other-gamma"));
    List<WorkflowTemplate> listed = new ArrayList<>();
    tink.templates().listTemplates(ListRequest.newBuilder().setName("list-*").build()).forEachRemaining(listed::add);
    assertEquals(List.of("list-alpha", "list-beta"), listed.stream().map(WorkflowTemplate::getName).toList());
    assertTrue(listed.stream().allMatch(t -> t.getData().isEmpty()));
    List<WorkflowTemplate> all = new ArrayList<>();
    tink.templates().listTemplates(ListRequest.getDefaultInstance()).forEachRemaining(all::add);
    assertTrue(all.size() >= 3);
  }

  @Test
  void updateReplacesDataAndDeleteHidesTheTemplate() {
    String id = create("to-update", yamlNamed("to-update"));
    String changed = yamlNamed("to-update").replace("timeout: 600", "timeout: 700");
    tink.templates().updateTemplate(WorkflowTemplate.newBuilder().setId(id).setName("to-update").setData(changed).build());
    assertEquals(changed, tink.templates().getTemplate(GetRequest.newBuilder().setId(id).build()).getData());

    tink.templates().deleteTemplate(GetRequest.newBuilder().setId(id).build());
    assertStatus(Status.Code.NOT_FOUND, id, () -> tink.templates().getTemplate(GetRequest.newBuilder().setId(id).build()));
    // The name is free again once the template is deleted.
    create("to-update", yamlNamed("to-update"));
  }

  @Test
  void aDuplicateNameIsAlreadyExists() {
    create("dup-name", yamlNamed("dup-name"));
    assertStatus(Status.Code.ALREADY_EXISTS, "dup-name", () -> create("dup-name", yamlNamed("dup-name")));
    assertEquals(1, tink.count("SELECT count(*) FROM template WHERE name = 'dup-name'"));
  }

  @Test
  void yamlThatDoesNotParseNamesTheLineAndStoresNothing() {
    long before = tink.count("SELECT count(*) FROM template");
    String broken = "version: \"0.1\"\nname: broken\ntasks:\n  - name: a\n   worker: x\n";
    assertStatus(Status.Code.INVALID_ARGUMENT, "line 5", () -> create("broken", broken));
    // Tinkerbell requires the placeholder to be quoted; unquoted it is a YAML mapping.
    String unquoted = yamlNamed("unquoted").replace("worker: \"{{.device_1}}\"", "worker: {{.device_1}}");
    assertStatus(Status.Code.INVALID_ARGUMENT, "tasks[0].worker", () -> create("unquoted", unquoted));
    assertEquals(before, tink.count("SELECT count(*) FROM template"));
  }

  @Test
  void anUnknownKeyNamesTheKeyAndStoresNothing() {
    long before = tink.count("SELECT count(*) FROM template");
    String typo = yamlNamed("typo").replace("    timeout: 600", "    timeuot: 600");
    assertStatus(Status.Code.INVALID_ARGUMENT, "unknown key 'timeuot' at tasks[0].actions[0]", () -> create("typo", typo));
    String topLevel = "foo: bar\n" + yamlNamed("typo2");
    assertStatus(Status.Code.INVALID_ARGUMENT, "unknown key 'foo'", () -> create("typo2", topLevel));
    assertEquals(before, tink.count("SELECT count(*) FROM template"));
  }

  @Test
  void versionTasksAndNamesAreChecked() {
    assertStatus(Status.Code.INVALID_ARGUMENT, "version must be \"0.1\"",
        () -> create("v2", yamlNamed("v2").replace("version: \"0.1\"", "version: \"0.2\"")));
    assertStatus(Status.Code.INVALID_ARGUMENT, "tasks must list at least one task",
        () -> create("empty", "version: \"0.1\"\nname: empty\ntasks: []\n"));
    assertStatus(Status.Code.INVALID_ARGUMENT, "two actions named 'check'",
        () -> create("dupaction", yamlNamed("dupaction") + "  - name: \"check\"\n    image: x\n"));
    assertStatus(Status.Code.INVALID_ARGUMENT, "image is required",
        () -> create("noimage", yamlNamed("noimage").replace("image: cexec:v1.0.0", "image: \"\"")));
    assertStatus(Status.Code.INVALID_ARGUMENT, "template name 'bad name!'",
        () -> create("bad name!", yamlNamed("x")));
    assertStatus(Status.Code.INVALID_ARGUMENT, "template data is empty", () -> create("nodata", ""));
    assertStatus(Status.Code.INVALID_ARGUMENT, "function \"frob\" not defined",
        () -> create("badfn", yamlNamed("badfn").replace("{{.device_2}}", "{{ frob .device_2 }}")));
  }

  @Test
  void unknownIdsAreNotFound() {
    String missing = "11111111-2222-3333-4444-555555555555";
    assertStatus(Status.Code.NOT_FOUND, missing,
        () -> tink.templates().getTemplate(GetRequest.newBuilder().setId(missing).build()));
    assertStatus(Status.Code.NOT_FOUND, "no-such",
        () -> tink.templates().getTemplate(GetRequest.newBuilder().setName("no-such").build()));
    assertStatus(Status.Code.NOT_FOUND, missing,
        () -> tink.templates().deleteTemplate(GetRequest.newBuilder().setId(missing).build()));
    assertStatus(Status.Code.NOT_FOUND, missing, () -> tink.templates().updateTemplate(
        WorkflowTemplate.newBuilder().setId(missing).setData(yamlNamed("x")).build()));
    assertFalse(missing.isEmpty());
  }
}
