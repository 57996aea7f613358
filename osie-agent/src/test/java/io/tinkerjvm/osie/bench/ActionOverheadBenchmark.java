package io.tinkerjvm.osie.bench;

import io.tinkerjvm.osie.action.ActionResult;
import io.tinkerjvm.osie.action.ActionSpec;
import io.tinkerjvm.osie.docker.DockerActionExecutor;
import io.tinkerjvm.osie.docker.PrivilegeMode;
import io.tinkerjvm.osie.support.Dockerd;
import io.tinkerjvm.osie.support.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Time per action of {@code true}: the executor (pull from a local registry, create, start, wait, remove) against
 * the docker CLI's {@code docker run --rm --network host local/busybox true} on the same dockerd, and the CLI doing
 * what the executor does (pull, then run with the same capabilities). Usage: {@code ActionOverheadBenchmark [runs]}.
 */
public final class ActionOverheadBenchmark {
  private static final int WARMUP = 3;

  private ActionOverheadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    try (Dockerd dockerd = Dockerd.start(); Registry registry = Registry.start()) {
      registry.push(dockerd, Dockerd.BUSYBOX, "busybox:latest");
      Path workflowDir = Files.createTempDirectory("osie-bench-wf");
      ActionSpec action = new ActionSpec("wf-bench", "task", "true", "busybox:latest", Duration.ofMinutes(1),
          List.of("true"), List.of(), List.of(), "", List.of(), List.of(), workflowDir);
      String remote = registry.address() + "/busybox:latest";
      try (DockerActionExecutor executor = new DockerActionExecutor(dockerd.host(), registry.address(),
          Registry.USER, Registry.PASSWORD, PrivilegeMode.AUTO)) {
        List<Duration> viaExecutor = measure(runs, () -> {
          ActionResult result = executor.run(action, line -> {});
          executor.release(action); // what the agent does once the result is reported
          if (result.outcome() != ActionResult.Outcome.SUCCESS) {
            throw new IllegalStateException("the benchmark action failed: " + result.message());
          }
        });
        List<Duration> viaCli = measure(runs,
            () -> dockerd.cli(null, "run", "--rm", "--network", "host", Dockerd.BUSYBOX, "true"));
        List<Duration> viaCliLikeExecutor = measure(runs, () -> {
          dockerd.cli(null, "pull", "-q", remote);
          dockerd.cli(null, "run", "--rm", "--network", "host", "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
              "--security-opt", "seccomp=unconfined", "-v", workflowDir + ":/workflow", remote, "true");
        });
        List<Duration> pullAlone = measure(runs, () -> dockerd.cli(null, "pull", "-q", remote));
        System.out.printf("privilege mode in use: %s; %d runs each after %d warm-up%n", executor.privilegeInUse(),
            runs, WARMUP);
        report("executor: pull+create+start+wait+remove", viaExecutor);
        report("docker run --rm --network host local/busybox true", viaCli);
        report("docker pull + docker run --rm (executor's caps and bind)", viaCliLikeExecutor);
        report("docker pull alone (an image already here)", pullAlone);
      } finally {
        Files.deleteIfExists(workflowDir);
      }
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private static List<Duration> measure(int runs, Step step) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      step.run();
    }
    List<Duration> times = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long started = System.nanoTime();
      step.run();
      times.add(Duration.ofNanos(System.nanoTime() - started));
    }
    return times;
  }

  private static long median(List<Long> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static void report(String what, List<Duration> times) {
    List<Long> millis = times.stream().map(Duration::toMillis).sorted().toList();
    System.out.printf("%-58s median %4d ms  min %4d ms  p90 %4d ms  max %4d ms%n", what,
        median(millis), millis.get(0), millis.get((int) Math.ceil(millis.size() * 0.9) - 1),
        millis.get(millis.size() - 1));
  }
}
