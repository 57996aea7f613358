package io.tinkerjvm.tink.template;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A workflow template as Tinkerbell writes it (reference §1.5), parsed strictly: unknown keys,
 * duplicate keys and wrong types are errors that name the key and the line. One key is ours:
 * {@code retries} on an action, the number of extra attempts after a failure or timeout (default 0).
 */
public record TemplateDocument(
    String version,
    String name,
    String id,
    @JsonProperty("global_timeout") long globalTimeout,
    List<Task> tasks) {

  public static final String VERSION = "0.1";
  private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_-]+$");

  public record Task(
      String name,
      String worker,
      List<String> volumes,
      Map<String, String> environment,
      List<Action> actions) {}

  public record Action(
      String name,
      String image,
      long timeout,
      List<String> command,
      @JsonProperty("on-timeout") List<String> onTimeout,
      @JsonProperty("on-failure") List<String> onFailure,
      String pid,
      List<String> volumes,
      Map<String, String> environment,
      int retries) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Parses and validates YAML text (already rendered, or raw with its placeholders inside strings). */
  public static TemplateDocument parse(String yaml) {
    if (yaml == null || yaml.isBlank()) {
      throw new InvalidArgumentException("template data is empty");
    }
    TemplateDocument doc;
    try {
      doc = YAML.readValue(yaml, TemplateDocument.class);
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidArgumentException("template: unknown key '" + e.getPropertyName() + "'"
          + where(e) + "; known keys here: " + e.getKnownPropertyIds());
    } catch (JsonMappingException e) {
      String message = e.getOriginalMessage().split("\n")[0].replaceAll(" \\(set DeserializationConfig.*\\)", "");
      throw new InvalidArgumentException("template: " + message + where(e));
    } catch (JsonProcessingException e) {
      String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      throw new InvalidArgumentException("template is not valid YAML" + line + ": "
          + e.getOriginalMessage().split("\n")[0]);
    }
    if (doc == null) {
      throw new InvalidArgumentException("template data is empty");
    }
    doc.validate();
    return doc;
  }

  private static String where(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    return (path.isEmpty() ? "" : " at " + path) + line;
  }

  private void validate() {
    if (!VERSION.equals(version)) {
      throw new InvalidArgumentException("template: version must be \"0.1\", got "
          + (version == null ? "nothing" : "\"" + version + "\""));
    }
    requireName(name, "name");
    if (globalTimeout < 0) {
      throw new InvalidArgumentException("template: global_timeout must not be negative");
    }
    if (tasks == null || tasks.isEmpty()) {
      throw new InvalidArgumentException("template: tasks must list at least one task");
    }
    Set<String> taskNames = new HashSet<>();
    for (int t = 0; t < tasks.size(); t++) {
      Task task = tasks.get(t);
      String at = "tasks[" + t + "]";
      if (task == null) {
        throw new InvalidArgumentException("template: " + at + " is empty");
      }
      requireName(task.name(), at + ".name");
      if (!taskNames.add(task.name())) {
        throw new InvalidArgumentException("template: two tasks are named '" + task.name() + "'");
      }
      if (task.worker() == null || task.worker().isBlank()) {
        throw new InvalidArgumentException("template: " + at + ".worker is required");
      }
      checkEnvironment(task.environment(), at);
      checkList(task.volumes(), at + ".volumes");
      if (task.actions() == null || task.actions().isEmpty()) {
        throw new InvalidArgumentException("template: " + at + ".actions must list at least one action");
      }
      Set<String> actionNames = new HashSet<>();
      for (int a = 0; a < task.actions().size(); a++) {
        Action action = task.actions().get(a);
        String aat = at + ".actions[" + a + "]";
        if (action == null) {
          throw new InvalidArgumentException("template: " + aat + " is empty");
        }
        requireName(action.name(), aat + ".name");
        if (!actionNames.add(action.name())) {
          throw new InvalidArgumentException("template: task '" + task.name() + "' has two actions named '"
              + action.name() + "'");
        }
        if (action.image() == null || action.image().isBlank()) {
          throw new InvalidArgumentException("template: " + aat + ".image is required");
        }
        if (action.timeout() < 0) {
          throw new InvalidArgumentException("template: " + aat + ".timeout must not be negative");
        }
        if (action.retries() < 0 || action.retries() > 100) {
          throw new InvalidArgumentException("template: " + aat + ".retries must be between 0 and 100");
        }
        checkEnvironment(action.environment(), aat);
        checkList(action.volumes(), aat + ".volumes");
        checkList(action.command(), aat + ".command");
        checkList(action.onTimeout(), aat + ".on-timeout");
        checkList(action.onFailure(), aat + ".on-failure");
      }
    }
  }

  private static void checkEnvironment(Map<String, String> env, String at) {
    if (env == null) {
      return;
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().contains("=")) {
        throw new InvalidArgumentException("template: " + at + ".environment has an invalid name '" + e.getKey() + "'");
      }
    }
  }

  /** A list entry left empty in YAML ({@code [~]}, {@code - }) is null: the planner and the proto cannot hold it. */
  private static void checkList(List<String> list, String at) {
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        throw new InvalidArgumentException("template: " + at + "[" + i + "] is empty");
      }
    }
  }

  private static void requireName(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new InvalidArgumentException("template: " + field + " is required");
    }
    if (value.length() >= 200) {
      throw new InvalidArgumentException("template: " + field + " must be shorter than 200 characters");
    }
  }

  /** Template names are stored under a stricter rule than task or action names. */
  /**
   * Everything tink-server checks before it stores a template: the YAML document, the template syntax inside it and
   * the name. Returns the name to store: {@code name} when given, else the document's.
   */
  public static String checkForStore(String name, String data) {
    TemplateDocument doc = parse(data);
    GoTemplate.parse(data);
    String effective = name == null || name.isEmpty() ? doc.name() : name;
    checkTemplateName(effective);
    return effective;
  }

  public static void checkTemplateName(String name) {
    if (name == null || name.isBlank()) {
      throw new InvalidArgumentException("template name is required");
    }
    if (name.length() >= 200 || !NAME.matcher(name).matches()) {
      throw new InvalidArgumentException("template name '" + name
          + "' must be 1-199 characters of letters, digits, '_' or '-'");
    }
  }

  public static Map<String, String> orEmpty(Map<String, String> m) {
    return m == null ? Map.of() : new LinkedHashMap<>(m);
  }

  public static List<String> orEmpty(List<String> l) {
    return l == null ? List.of() : l;
  }
}
