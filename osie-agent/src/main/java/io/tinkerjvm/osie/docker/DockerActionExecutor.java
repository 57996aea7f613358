package io.tinkerjvm.osie.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.tinkerjvm.osie.action.ActionExecutor;
import io.tinkerjvm.osie.action.ActionResult;
import io.tinkerjvm.osie.action.ActionResult.Outcome;
import io.tinkerjvm.osie.action.ActionSpec;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action as tink-worker does (reference/tinkerbell-compat.md §5): pull the image every time, create a
 * privileged container on the host network with the workflow directory at {@code /workflow}, stream its output,
 * wait up to the action's timeout, then run the on-failure or on-timeout command, and force-remove every container.
 * {@link ActionResult#exitCode()} is -1 when the action's container never exited on its own (invalid action, failed
 * pull, timeout). {@link ActionResult#elapsed()} ends with the action's container, before any on-failure command.
 * An engine that cannot be reached at all is not the action's failure: {@link #run} then throws the transport's
 * RuntimeException, so the caller can retry or report it.
 */
public final class DockerActionExecutor implements ActionExecutor {
  /** How long an on-failure or on-timeout container may run; its result is only logged. */
  static final Duration HOOK_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration LOG_DRAIN = Duration.ofSeconds(5);
  private static final String WORKFLOW_MOUNT = "/workflow";
  private static final int NAME_PART_MAX = 40;
  private static final Logger log = LoggerFactory.getLogger(DockerActionExecutor.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DockerClient docker;
  private final String registry;
  private final String username;
  private final String password;
  private final PrivilegeMode configured;
  private volatile PrivilegeMode inUse;
  private final Set<String> created = ConcurrentHashMap.newKeySet();
  private final AtomicLong attempts = new AtomicLong();
  // tells this agent's containers from those of an earlier run of the same workflow
  /** tink-server gives an action without a timeout this long (WorkflowStateMachine), so the agent does too. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
  private static final String PULL_TIMED_OUT = "the pull did not finish within the action's timeout";

  private final String instance = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);

  /**
   * @param dockerHost the engine, e.g. {@code unix:///var/run/docker.sock}
   * @param registry DOCKER_REGISTRY, put before images that name no registry; empty for none
   * @param username registry user; empty to pull without credentials
   * @param password registry password; never logged
   */
  public DockerActionExecutor(URI dockerHost, String registry, String username, String password,
      PrivilegeMode privilege) {
    DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(dockerHost.toString()).withDockerTlsVerify(false).build();
    ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder().dockerHost(dockerHost)
        .connectionTimeout(Duration.ofSeconds(10)).build();
    this.docker = DockerClientImpl.getInstance(config, http);
    this.registry = registry == null ? "" : registry;
    this.username = username == null ? "" : username;
    this.password = password == null ? "" : password;
    this.configured = privilege;
    this.inUse = privilege == PrivilegeMode.AUTO ? null : privilege;
  }

  /** FULL or ALL_ALLOWED_CAPS once an action has started; null while AUTO has not yet tried. */
  public PrivilegeMode privilegeInUse() {
    return inUse;
  }

  @Override
  public ActionResult run(ActionSpec action, Consumer<String> logLine) throws InterruptedException {
    long started = System.nanoTime();
    String invalid = invalidField(action);
    if (invalid != null) {
      return result(Outcome.FAILED, -1, invalid, started);
    }
    String image = ImageReference.withDefaultTag(ImageReference.qualify(registry, action.image()));
    // tink-server's deadline runs from the RUNNING report, so the pull counts against the action's time too
    Timeout whole = new Timeout(action.timeout().isZero() ? DEFAULT_TIMEOUT : action.timeout());
    long pullStarted = System.nanoTime();
    String pullError = pull(image, whole.duration());
    if (pullError != null) {
      return result(pullError.equals(PULL_TIMED_OUT) ? Outcome.TIMEOUT : Outcome.FAILED, -1,
          "pull " + image + ": " + pullError, started);
    }
    Timeout timeout = new Timeout(whole.duration().minusNanos(System.nanoTime() - pullStarted));
    if (timeout.duration().isNegative() || timeout.duration().isZero()) {
      return result(Outcome.TIMEOUT, -1, "action timed out while its image was pulled", started);
    }
    Ended ended;
    try {
      ended = runContainer(action, image, action.command(), "action", timeout, logLine);
    } catch (DockerException | DockerClientException e) {
      return result(Outcome.FAILED, -1, "run " + image + ": " + engineMessage(e), started);
    }
    if (ended.timedOut()) {
      ActionResult timedOut = result(Outcome.TIMEOUT, -1, "action timed out after " + whole, started);
      runHook(action, image, action.onTimeout(), "on-timeout", logLine);
      return timedOut;
    }
    if (ended.exitCode() == 0) {
      return result(Outcome.SUCCESS, 0, "finished execution successfully", started);
    }
    String message = "exit status " + ended.exitCode() + (ended.lastLine().isEmpty() ? "" : ": " + ended.lastLine());
    ActionResult failed = result(Outcome.FAILED, ended.exitCode(), message, started);
    runHook(action, image, action.onFailure(), "on-failure", logLine);
    return failed;
  }

  @Override
  public String notReady() {
    try {
      docker.pingCmd().exec();
      return null;
    } catch (RuntimeException e) {
      return "no answer from the Docker engine: " + engineMessage(e);
    }
  }

  /**
   * Removes the action containers an earlier agent left running (it was killed mid-action): the action runs
   * again from tink-server's record, and two copies of it must not race on one disk. Returns how many.
   */
  public int removeLeftovers() {
    List<String> leftovers = docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(List.of("io.tinkerjvm.osie.workflow")).exec().stream()
        .map(com.github.dockerjava.api.model.Container::getId).filter(id -> !created.contains(id)).toList();
    leftovers.forEach(this::remove);
    return leftovers.size();
  }

  /** Removes any container still here (an interrupted run) and closes the connection to the engine. */
  @Override
  public void close() {
    for (String id : List.copyOf(created)) {
      remove(id);
    }
    try {
      docker.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing the Docker client", e);
    }
  }

  /** What is wrong with the action, naming the field, or null when Docker can be asked to run it. */
  static String invalidField(ActionSpec action) {
    if (action.image() == null || action.image().isBlank()) {
      return "action " + action.name() + ": image is empty";
    }
    if (action.timeout() != null && action.timeout().isNegative()) {
      return "action " + action.name() + ": timeout is negative (" + action.timeout().toSeconds() + "s)";
    }
    if (action.workflowDir() == null || !action.workflowDir().isAbsolute()) {
      return "action " + action.name() + ": workflowDir is not an absolute path: " + action.workflowDir();
    }
    if (action.pid() != null && !action.pid().isEmpty() && !action.pid().equals("host")) {
      return "action " + action.name() + ": pid is \"" + action.pid() + "\", expected \"host\" or empty";
    }
    List<String> environment = orEmpty(action.environment());
    for (int i = 0; i < environment.size(); i++) {
      String entry = environment.get(i);
      // the value may be a secret, so only the position is named
      if (entry == null || entry.indexOf('=') <= 0) {
        return "action " + action.name() + ": environment entry " + i + " is not K=V";
      }
    }
    for (String volume : orEmpty(action.volumes())) {
      if (parseVolume(volume) == null) {
        return "action " + action.name() + ": volume \"" + volume + "\" is not src:/dst[:ro|rw]";
      }
    }
    return null;
  }

  private static Bind parseVolume(String volume) {
    if (volume == null) {
      return null;
    }
    String[] parts = volume.split(":", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || !parts[1].startsWith("/")) {
      return null;
    }
    if (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw")) {
      return null;
    }
    AccessMode mode = parts.length == 3 && parts[2].equals("ro") ? AccessMode.ro : AccessMode.rw;
    return new Bind(parts[0], new Volume(parts[1]), mode);
  }

  /** Null when the image is here, fresh; otherwise what the engine or registry said, or PULL_TIMED_OUT. */
  private String pull(String image, Duration limit) throws InterruptedException {
    PullImageResultCallback callback = new PullImageResultCallback();
    try {
      var pull = docker.pullImageCmd(image);
      // the credentials are DOCKER_REGISTRY's: they go to it alone, never to a registry an image names
      if (!username.isEmpty() && !registry.isEmpty()
          && ImageReference.registryOf(image).equals(ImageReference.registryOf(registry + "/x"))) {
        pull.withAuthConfig(new AuthConfig().withUsername(username).withPassword(password)
            .withRegistryAddress(ImageReference.registryOf(image)));
      }
      if (!pull.exec(callback).awaitCompletion(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        return PULL_TIMED_OUT;
      }
      return null;
    } catch (DockerException | DockerClientException e) {
      String message = engineMessage(e);
      log.warn("pull {} failed: {}", image, message);
      return message;
    } finally {
      close(callback);
    }
  }

  private Ended runContainer(ActionSpec action, String image, List<String> command, String role, Timeout timeout,
      Consumer<String> logLine) throws InterruptedException {
    List<String> mine = new ArrayList<>();
    ContainerLog output = null;
    WaitContainerResultCallback waiting = null;
    try {
      String id = createAndStart(action, image, command, role, mine);
      output = docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true)
          .exec(new ContainerLog(logLine));
      waiting = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback());
      boolean exited = waiting.awaitCompletion(timeout.duration().toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        kill(id);
        output.awaitCompletion(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        return new Ended(true, -1, output.lastLine());
      }
      int status = waiting.awaitStatusCode();
      output.awaitCompletion(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
      return new Ended(false, status, output.lastLine());
    } finally {
      close(output);
      close(waiting);
      mine.forEach(this::remove);
    }
  }

  /** Starts the container; under AUTO, a refused privileged start is retried once with ALL_ALLOWED_CAPS. */
  private String createAndStart(ActionSpec action, String image, List<String> command, String role,
      List<String> mine) {
    PrivilegeMode mode = inUse == null ? PrivilegeMode.FULL : inUse;
    String id = create(action, image, command, role, mode, mine);
    try {
      docker.startContainerCmd(id).exec();
    } catch (DockerException e) {
      String message = engineMessage(e);
      if (configured != PrivilegeMode.AUTO || mode != PrivilegeMode.FULL
          || !message.contains("operation not permitted")) {
        throw e;
      }
      log.info("the engine refused a privileged container ({}); using all the capabilities this host allows",
          message);
      inUse = PrivilegeMode.ALL_ALLOWED_CAPS;
      remove(id);
      mine.remove(id);
      id = create(action, image, command, role, PrivilegeMode.ALL_ALLOWED_CAPS, mine);
      docker.startContainerCmd(id).exec();
    }
    if (inUse == null) {
      inUse = mode;
    }
    return id;
  }

  private String create(ActionSpec action, String image, List<String> command, String role, PrivilegeMode mode,
      List<String> mine) {
    List<Bind> binds = new ArrayList<>();
    binds.add(new Bind(action.workflowDir().toString(), new Volume(WORKFLOW_MOUNT), AccessMode.rw));
    orEmpty(action.volumes()).forEach(v -> binds.add(parseVolume(v)));
    HostConfig host = mode == PrivilegeMode.FULL ? HostConfig.newHostConfig() : new UnmaskedHostConfig();
    host.withBinds(binds).withNetworkMode("host");
    if ("host".equals(action.pid())) {
      host.withPidMode("host");
    }
    if (mode == PrivilegeMode.FULL) {
      host.withPrivileged(true);
    } else {
      host.withCapAdd(Capability.ALL)
          .withCapDrop(HostPrivileges.missingCapabilities(Path.of("/proc/self/status")).toArray(Capability[]::new))
          .withSecurityOpts(List.of("seccomp=unconfined"))
          .withDevices(HostPrivileges.hostDevices(Path.of("/dev")));
    }
    CreateContainerCmd create = docker.createContainerCmd(image).withName(containerName(action, role))
        .withHostConfig(host).withEnv(orEmpty(action.environment()))
        .withLabels(Map.of("io.tinkerjvm.osie.workflow", String.valueOf(action.workflowId()),
            "io.tinkerjvm.osie.action", String.valueOf(action.name())));
    if (command != null && !command.isEmpty()) {
      create.withCmd(command);
    }
    String id = create.exec().getId();
    created.add(id);
    mine.add(id);
    log.debug("created {} container {} from {} ({})", role, id, image, mode);
    return id;
  }

  private void runHook(ActionSpec action, String image, List<String> command, String role, Consumer<String> logLine)
      throws InterruptedException {
    if (command == null || command.isEmpty()) {
      return;
    }
    Timeout timeout = new Timeout(HOOK_TIMEOUT);
    try {
      Ended ended = runContainer(action, image, command, role, timeout, logLine);
      logLine.accept(role + " command " + (ended.timedOut() ? "timed out after " + timeout
          : "ended with exit status " + ended.exitCode()));
    } catch (DockerException | DockerClientException e) {
      String message = engineMessage(e);
      log.warn("{} command of action {} could not run: {}", role, action.name(), message);
      logLine.accept(role + " command could not run: " + message);
    }
  }

  private void kill(String id) {
    try {
      docker.killContainerCmd(id).exec();
    } catch (ConflictException e) {
      // it exited on its own between the deadline and the kill; it still ran out of time
      log.debug("container {} ended before it could be killed: {}", id, engineMessage(e));
    } catch (DockerException | DockerClientException e) {
      // still a timeout: the forced remove that follows ends the container
      log.warn("could not kill container {} at its timeout: {}", id, engineMessage(e));
    }
  }

  private void remove(String id) {
    try {
      docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      log.debug("container {} was already gone: {}", id, engineMessage(e));
    } catch (DockerException | DockerClientException e) {
      log.warn("could not remove container {}: {}", id, engineMessage(e));
      return;
    }
    created.remove(id);
  }

  private String containerName(ActionSpec action, String role) {
    return "osie-" + namePart(action.workflowId()) + "-" + namePart(action.taskName()) + "-"
        + namePart(action.name()) + "-" + role + "-" + attempts.incrementAndGet() + "-" + instance;
  }

  // Docker container names allow only [a-zA-Z0-9_.-]
  private static String namePart(String part) {
    String safe = part == null || part.isEmpty() ? "_" : part.replaceAll("[^a-zA-Z0-9_.-]", "_");
    return safe.length() > NAME_PART_MAX ? safe.substring(0, NAME_PART_MAX) : safe;
  }

  /** The engine's own words ("manifest unknown", "unauthorized: ..."), without the password. */
  private String engineMessage(RuntimeException e) {
    String raw = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    String message = raw;
    int json = raw.indexOf('{');
    if (json >= 0) {
      try {
        JsonNode node = JSON.readTree(raw.substring(json));
        if (node.hasNonNull("message")) {
          message = node.get("message").asText();
        }
      } catch (IOException notJson) {
        // the engine answered in plain text; its words are used as they are
        message = raw;
      }
    }
    message = message.strip();
    return password.isEmpty() ? message : message.replace(password, "***");
  }

  private static void close(Closeable callback) {
    if (callback == null) {
      return;
    }
    try {
      callback.close();
    } catch (IOException e) {
      log.debug("closing a Docker stream: {}", e.getMessage());
    }
  }

  private static ActionResult result(Outcome outcome, int exitCode, String message, long startedNanos) {
    return new ActionResult(outcome, exitCode, message, Duration.ofNanos(System.nanoTime() - startedNanos));
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private record Ended(boolean timedOut, int exitCode, String lastLine) {}

  /** An action's timeout; none when absent or zero, as tink-worker treats a zero timeout. */
  private record Timeout(Duration duration) {

    @Override
    public String toString() {
      return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
  }
}
