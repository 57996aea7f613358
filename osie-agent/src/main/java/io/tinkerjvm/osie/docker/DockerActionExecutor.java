package io.tinkerjvm.osie.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action as tink-worker does (reference/tinkerbell-compat.md §5): pull the image every time, create a
 * privileged container on the host network with the workflow directory at {@code /workflow}, stream its output,
 * wait up to the action's timeout, then run the on-failure or on-timeout command. Each container's name and labels
 * say whose run it is (worker, workflow, action, role), and it stays until {@link #release} after the report: an
 * agent killed with {@code kill -9} at any point finds it again ({@link #resume}), so no action runs twice.
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
  static final String LABEL_WORKFLOW = "io.tinkerjvm.osie.workflow";
  static final String LABEL_TASK = "io.tinkerjvm.osie.task";
  static final String LABEL_ACTION = "io.tinkerjvm.osie.action";
  static final String LABEL_INDEX = "io.tinkerjvm.osie.action-index";
  static final String LABEL_ROLE = "io.tinkerjvm.osie.role";
  static final String LABEL_WORKER = "io.tinkerjvm.osie.worker";
  static final String ROLE_ACTION = "action";
  static final String ROLE_ON_FAILURE = "on-failure";
  static final String ROLE_ON_TIMEOUT = "on-timeout";

  private final DockerClient docker;
  private final String registry;
  private final String username;
  private final String password;
  private final PrivilegeMode configured;
  private volatile PrivilegeMode inUse;
  /** tink-server gives an action without a timeout this long (WorkflowStateMachine), so the agent does too. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
  private static final String PULL_TIMED_OUT = "the pull did not finish within the action's timeout";

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
    try {
      release(action); // an earlier run's container was reported already: it must not be taken for this one
      return execute(action, logLine, false);
    } catch (RuntimeException e) {
      throw stoppedIfInterrupted(e);
    }
  }

  @Override
  public ActionResult resume(ActionSpec action, Consumer<String> logLine) throws InterruptedException {
    try {
      return execute(action, logLine, true);
    } catch (RuntimeException e) {
      throw stoppedIfInterrupted(e);
    }
  }

  /**
   * An interrupt that lands in the engine client's I/O (ClosedByInterruptException, wrapped) is the agent
   * stopping, wherever it lands (a start, a wait): thrown as InterruptedException, the container left in place.
   */
  private static RuntimeException stoppedIfInterrupted(RuntimeException e) throws InterruptedException {
    if (Thread.currentThread().isInterrupted() || causedByInterrupt(e)) {
      InterruptedException stopped = new InterruptedException("stopped while running an action");
      stopped.initCause(e);
      throw stopped;
    }
    return e;
  }

  private ActionResult execute(ActionSpec action, Consumer<String> logLine, boolean resume)
      throws InterruptedException {
    long started = System.nanoTime();
    String invalid = invalidField(action);
    if (invalid != null) {
      return result(Outcome.FAILED, -1, invalid, started);
    }
    String image = ImageReference.withDefaultTag(ImageReference.qualify(registry, action.image()));
    // tink-server's deadline runs from the RUNNING report, so the pull counts against the action's time too
    Timeout whole = new Timeout(action.timeout().isZero() ? DEFAULT_TIMEOUT : action.timeout());
    Ended ended;
    try {
      Left left = resume ? left(action, ROLE_ACTION) : null;
      if (left != null) {
        log.info("{}: found its {} container {} ({}); taking it over", describe(action), ROLE_ACTION,
            left.id(), left.status());
        ended = takeOver(action, image, action.command(), ROLE_ACTION, left, whole, logLine);
      } else {
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
        ended = follow(createAndStart(action, image, action.command(), ROLE_ACTION), timeout, logLine);
      }
    } catch (DockerException | DockerClientException e) {
      if (Thread.currentThread().isInterrupted() || causedByInterrupt(e)) {
        throw stoppedIfInterrupted(e);
      }
      return result(Outcome.FAILED, -1, "run " + image + ": " + engineMessage(e), started);
    }
    if (ended.timedOut()) {
      ActionResult timedOut = result(Outcome.TIMEOUT, -1, "action timed out after " + whole, started);
      runHook(action, image, action.onTimeout(), ROLE_ON_TIMEOUT, logLine, resume);
      return timedOut;
    }
    if (ended.exitCode() == 0) {
      return result(Outcome.SUCCESS, 0, "finished execution successfully", started);
    }
    String message = "exit status " + ended.exitCode() + (ended.lastLine().isEmpty() ? "" : ": " + ended.lastLine());
    ActionResult failed = result(Outcome.FAILED, ended.exitCode(), message, started);
    runHook(action, image, action.onFailure(), ROLE_ON_FAILURE, logLine, resume);
    return failed;
  }

  /**
   * Carries on with a container an earlier agent made for this run: starts it if it was only created, waits for
   * it (within what is left of the action's time since it started) if it runs, reads how it ended if it has.
   */
  private Ended takeOver(ActionSpec action, String image, List<String> command, String role, Left left,
      Timeout whole, Consumer<String> logLine) throws InterruptedException {
    switch (left.status()) {
      case "created" -> {
        return follow(start(action, image, command, role, left.id()), whole, logLine);
      }
      case "running", "paused", "restarting" -> {
        Duration ran = left.startedAt() == null ? Duration.ZERO : Duration.between(left.startedAt(), Instant.now());
        Duration rest = whole.duration().minus(ran.isNegative() ? Duration.ZERO : ran);
        return follow(left.id(), new Timeout(rest.isNegative() || rest.isZero() ? Duration.ofMillis(1) : rest),
            logLine);
      }
      default -> {
        // exited (or dead): its output is still there, and its exit code is the result
        ContainerLog output = docker.logContainerCmd(left.id()).withStdOut(true).withStdErr(true)
            .exec(new ContainerLog(logLine));
        try {
          output.awaitCompletion(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
          close(output);
        }
        return new Ended(false, left.exitCode(), output.lastLine());
      }
    }
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

  @Override
  public Trace trace(ActionSpec action) {
    Left left = left(action, ROLE_ACTION);
    if (left == null) {
      return Trace.NONE;
    }
    return switch (left.status()) {
      case "created" -> Trace.CREATED;
      case "running", "paused", "restarting" -> Trace.RUNNING;
      default -> Trace.EXITED;
    };
  }

  @Override
  public void release(ActionSpec action) {
    for (String role : List.of(ROLE_ACTION, ROLE_ON_FAILURE, ROLE_ON_TIMEOUT)) {
      remove(containerName(action, role));
    }
  }

  @Override
  public void sweep(String workflowId, String workerId, int keepIndex) {
    docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(LABEL_WORKFLOW, workflowId, LABEL_WORKER, workerId)).exec().stream()
        .filter(c -> !String.valueOf(keepIndex).equals(labels(c).get(LABEL_INDEX)))
        .map(com.github.dockerjava.api.model.Container::getId).forEach(this::remove);
  }

  @Override
  public Set<String> workflowsWithRuns(String workerId) {
    Set<String> out = new TreeSet<>();
    docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL_WORKER, workerId)).exec()
        .stream().map(c -> labels(c).get(LABEL_WORKFLOW)).filter(java.util.Objects::nonNull).forEach(out::add);
    return out;
  }

  /**
   * Removes action containers made by an agent from before runs were taken over (they name no worker): such an
   * agent ran the action again from tink-server's record, and two copies of it must not race on one disk.
   * Containers that name a worker are that worker's to take over or release. Returns how many went.
   */
  public int removeLeftovers() {
    List<String> leftovers = docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(List.of(LABEL_WORKFLOW)).exec().stream()
        .filter(c -> !labels(c).containsKey(LABEL_WORKER))
        .map(com.github.dockerjava.api.model.Container::getId).toList();
    leftovers.forEach(this::remove);
    return leftovers.size();
  }

  /**
   * Closes the connection to the engine. A container still running stays: the action's run is not over, and the
   * next agent takes it over instead of starting the action again.
   */
  @Override
  public void close() {
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

  /** Follows a started container's output until it exits or its time is up (then it is killed). */
  private Ended follow(String id, Timeout timeout, Consumer<String> logLine) throws InterruptedException {
    ContainerLog output = null;
    WaitContainerResultCallback waiting = null;
    try {
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
    } catch (RuntimeException e) {
      throw stoppedIfInterrupted(e);
    } finally {
      close(output);
      close(waiting);
    }
  }

  /** Creates and starts the container; under AUTO, a refused privileged start is retried with ALL_ALLOWED_CAPS. */
  private String createAndStart(ActionSpec action, String image, List<String> command, String role) {
    PrivilegeMode mode = inUse == null ? PrivilegeMode.FULL : inUse;
    return start(action, image, command, role, create(action, image, command, role, mode));
  }

  private String start(ActionSpec action, String image, List<String> command, String role, String id) {
    PrivilegeMode mode = inUse == null ? PrivilegeMode.FULL : inUse;
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
      id = create(action, image, command, role, PrivilegeMode.ALL_ALLOWED_CAPS);
      docker.startContainerCmd(id).exec();
    }
    if (inUse == null) {
      inUse = mode;
    }
    return id;
  }

  private String create(ActionSpec action, String image, List<String> command, String role, PrivilegeMode mode) {
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
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_WORKFLOW, String.valueOf(action.workflowId()));
    labels.put(LABEL_TASK, String.valueOf(action.taskName()));
    labels.put(LABEL_ACTION, String.valueOf(action.name()));
    labels.put(LABEL_INDEX, String.valueOf(action.index()));
    labels.put(LABEL_ROLE, role);
    labels.put(LABEL_WORKER, action.workerId() == null ? "" : action.workerId());
    CreateContainerCmd create = docker.createContainerCmd(image).withName(containerName(action, role))
        .withHostConfig(host).withEnv(orEmpty(action.environment())).withLabels(labels);
    if (command != null && !command.isEmpty()) {
      create.withCmd(command);
    }
    String id = create.exec().getId();
    log.debug("created {} container {} from {} ({})", role, id, image, mode);
    return id;
  }

  /** The container this run of the action made in {@code role}, as the engine has it now; null when none. */
  private Left left(ActionSpec action, String role) {
    try {
      InspectContainerResponse c = docker.inspectContainerCmd(containerName(action, role)).exec();
      InspectContainerResponse.ContainerState state = c.getState();
      String status = state == null || state.getStatus() == null ? "exited" : state.getStatus();
      Instant startedAt = null;
      if (state != null && state.getStartedAt() != null && !state.getStartedAt().startsWith("0001-")) {
        try {
          startedAt = Instant.parse(state.getStartedAt());
        } catch (DateTimeParseException notADate) {
          startedAt = null; // counted as just started: the action gets its whole time
        }
      }
      Long exit = state == null ? null : state.getExitCodeLong();
      return new Left(c.getId(), status, startedAt, exit == null ? -1 : exit.intValue());
    } catch (NotFoundException none) {
      return null;
    }
  }

  private static boolean causedByInterrupt(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.ClosedByInterruptException || t instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, String> labels(com.github.dockerjava.api.model.Container c) {
    return c.getLabels() == null ? Map.of() : c.getLabels();
  }

  private static String describe(ActionSpec action) {
    return "workflow " + action.workflowId() + " action " + action.taskName() + "/" + action.name();
  }

  private void runHook(ActionSpec action, String image, List<String> command, String role, Consumer<String> logLine,
      boolean resume) throws InterruptedException {
    if (command == null || command.isEmpty()) {
      return;
    }
    Timeout timeout = new Timeout(HOOK_TIMEOUT);
    try {
      Left left = resume ? left(action, role) : null;
      Ended ended = left != null ? takeOver(action, image, command, role, left, timeout, logLine)
          : follow(createAndStart(action, image, command, role), timeout, logLine);
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
    }
  }

  /**
   * The same name for the same run every time, in every agent: the worker, workflow, action (index, task, name)
   * and role, readable in part and told apart by a hash of all of them.
   */
  static String containerName(ActionSpec action, String role) {
    String identity = String.join("\n", String.valueOf(action.workerId()), String.valueOf(action.workflowId()),
        Integer.toString(action.index()), String.valueOf(action.taskName()), String.valueOf(action.name()), role);
    String hash;
    try {
      hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(identity.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    return "osie-" + namePart(action.workflowId()) + "-" + namePart(action.name()) + "-" + role + "-" + hash;
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

  /** A container an earlier agent left: its engine status ("created", "running", "exited", ...). */
  private record Left(String id, String status, Instant startedAt, int exitCode) {}

  /** An action's timeout; none when absent or zero, as tink-worker treats a zero timeout. */
  private record Timeout(Duration duration) {

    @Override
    public String toString() {
      return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
  }
}
