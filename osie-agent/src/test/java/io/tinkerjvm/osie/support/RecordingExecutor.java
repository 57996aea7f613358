package io.tinkerjvm.osie.support;

import io.tinkerjvm.osie.action.ActionExecutor;
import io.tinkerjvm.osie.action.ActionResult;
import io.tinkerjvm.osie.action.ActionSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A stand-in for Docker in tests of the worker loop alone (the Docker runner has its own tests against a
 * real dockerd): each action's outcome comes from a script keyed by action name, and every run is recorded.
 */
public final class RecordingExecutor implements ActionExecutor {
  public final List<String> runs = new CopyOnWriteArrayList<>();
  private final Map<String, Function<ActionSpec, ActionResult>> script = new ConcurrentHashMap<>();

  public RecordingExecutor on(String action, Function<ActionSpec, ActionResult> outcome) {
    script.put(action, outcome);
    return this;
  }

  public static ActionResult success() {
    return new ActionResult(ActionResult.Outcome.SUCCESS, 0, "finished execution successfully", Duration.ofMillis(5));
  }

  /** An action that writes workflow data, as an action writing /workflow/data does. */
  public static Function<ActionSpec, ActionResult> writesData(String json) {
    return spec -> {
      try {
        Files.writeString(spec.workflowDir().resolve("data"), json, StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return success();
    };
  }

  @Override
  public ActionResult run(ActionSpec action, Consumer<String> logLine) throws InterruptedException {
    runs.add(action.taskName() + "/" + action.name());
    logLine.accept("running " + action.name());
    Function<ActionSpec, ActionResult> f = script.get(action.name());
    if (f == null) {
      return success();
    }
    try {
      return f.apply(action);
    } catch (BlockedException e) {
      throw new InterruptedException("stopped while blocked");
    }
  }

  /** Thrown by a script that blocks until the test lets it go or the agent stops. */
  public static final class BlockedException extends RuntimeException {}

  @Override
  public void close() {}
}
