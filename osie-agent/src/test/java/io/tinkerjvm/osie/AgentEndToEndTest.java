package io.tinkerjvm.osie;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Container;
import io.tinkerjvm.osie.support.Dockerd;
import io.tinkerjvm.osie.support.Registry;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.proto.tink.workflow.CreateRequest;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.tink.support.Fixtures;
import io.tinkerjvm.tink.support.RunningTink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as a process, against a real tink-server, a real dockerd (safe flags) and Debian's registry with
 * basic auth: every image is pulled with credentials through the DOCKER_REGISTRY prefix. One workflow writes
 * a file into a volume, reads and updates workflow data, and survives a kill -9 of the agent in the middle;
 * one fails on purpose; one overruns its timeout. The agent keeps running through all of them.
 */
class AgentEndToEndTest {
  static final String HW = "ae000000-0000-4000-8000-000000000001";
  static final String MAC = "08:00:27:ae:00:01";

  @TempDir static Path dir;
  static Dockerd dockerd;
  static Registry registry;
  static RunningTink tink;

  @BeforeAll
  static void start() {
    dockerd = Dockerd.start();
    registry = Registry.start();
    registry.push(dockerd, Dockerd.BUSYBOX, "local/busybox:latest");
    // the agent must pull from the registry, not find the image already there
    dockerd.cli(null, "rmi", registry.address() + "/local/busybox:latest");
    tink = new RunningTink();
    tink.hardware().push(PushRequest.newBuilder().setData(Fixtures.hardware(HW, MAC, "10.7.0.5")).build());
  }

  @AfterAll
  static void stop() throws Exception {
    if (tink != null) {
      tink.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (dockerd != null) {
      dockerd.close();
    }
  }

  private Process agent() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.tinkerjvm.osie.OsieAgent",
        "--docker-host=" + dockerd.host(), "--data-dir=" + dir.resolve("worker"), "--retry-interval=200ms",
        "--cmdline=" + dir.resolve("no-cmdline")));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()));
    // configured like tink-worker, through its variables
    pb.environment().put("ID", HW);
    pb.environment().put("TINKERBELL_GRPC_AUTHORITY", "127.0.0.1:" + tink.server.grpcPort());
    // TLS, trusting the stack's CA, and the credential Boots would have minted for this boot
    pb.environment().put("TINKERBELL_CERT_URL", tink.server.tls().caFile().toUri().toString());
    pb.environment().put("MACHINE_CREDENTIAL", RunningTink.machineCredentials().credentialFor(HW));
    pb.environment().put("DOCKER_REGISTRY", registry.address());
    pb.environment().put("REGISTRY_USERNAME", Registry.USER);
    pb.environment().put("REGISTRY_PASSWORD", Registry.PASSWORD);
    return pb.start();
  }

  private static String workflow(String name, String actions) {
    String yaml = """
        version: "0.1"
        name: %s
        global_timeout: 600
        tasks:
        - name: provision
          worker: "{{.device_1}}"
          volumes:
          - %s:/out
          actions:
        %s""".formatted(name, dir.resolve("out"), actions.indent(2));
    String template = tink.templates().createTemplate(WorkflowTemplate.newBuilder().setName(name).setData(yaml)
        .build()).getId();
    return tink.workflows().createWorkflow(CreateRequest.newBuilder().setTemplate(template)
        .setHardware("{\"device_1\":\"" + MAC + "\"}").build()).getId();
  }

  private static State awaitEnd(String id, long ms) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (System.nanoTime() < until) {
      State s = tink.workflows().getWorkflow(GetRequest.newBuilder().setId(id).build()).getState();
      if (s == State.STATE_SUCCESS || s == State.STATE_FAILED || s == State.STATE_TIMEOUT) {
        return s;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("workflow " + id + " did not end in " + ms + " ms");
  }

  private static List<WorkflowActionStatus> events(String id) {
    List<WorkflowActionStatus> out = new ArrayList<>();
    tink.workflows().showWorkflowEvents(GetRequest.newBuilder().setId(id).build()).forEachRemaining(out::add);
    return out;
  }

  private static String read(String file) throws Exception {
    Path p = dir.resolve("out").resolve(file);
    return Files.exists(p) ? Files.readString(p) : "";
  }

  @Test
  void runsEachOutcomeAndCompletesAWorkflowAcrossAKill() throws Exception {
    Files.createDirectories(dir.resolve("out"));
    String main = workflow("provision", """
        - name: write-file
          image: local/busybox:latest
          timeout: 60
          command: ["sh", "-c", "echo provisioned > /out/hello.txt"]
        - name: update-data
          image: local/busybox:latest
          timeout: 60
          command: ["sh", "-c", "cat /workflow/data > /out/data-seen.txt; echo '{\\"disk\\":\\"/dev/sda\\"}' > /workflow/data"]
        - name: slow
          image: local/busybox:latest
          timeout: 60
          command: ["sh", "-c", "echo started >> /out/slow.log; sleep 5; echo done >> /out/slow.log"]
        - name: last
          image: local/busybox:latest
          timeout: 60
          command: ["sh", "-c", "echo last > /out/last.txt"]
        """);
    Process first = agent();
    try {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!read("slow.log").contains("started")) {
        assertTrue(System.nanoTime() < until, "the slow action never started: "
            + Files.readString(dir.resolve("agent.log")));
        assertTrue(first.isAlive(), Files.readString(dir.resolve("agent.log")));
        Thread.sleep(50);
      }
    } finally {
      // kill -9, in the middle of the slow action (or, when the test failed, so that no agent outlives it)
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Process second = agent();
    try {
      assertEquals(State.STATE_SUCCESS, awaitEnd(main, 90_000), Files.readString(dir.resolve("agent.log")));
      assertEquals("provisioned\n", read("hello.txt"));
      assertEquals("{}", read("data-seen.txt").trim());
      assertEquals("last\n", read("last.txt"));
      // not run again after the kill: the new agent took over the first one's container and waited for it
      assertEquals(1, read("slow.log").lines().filter(l -> l.equals("started")).count(), read("slow.log"));
      assertTrue(read("slow.log").endsWith("done\n"), read("slow.log"));
      var data = io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc.newBlockingStub(tink.channel).getWorkflowData(
          GetWorkflowDataRequest.newBuilder().setWorkflowId(main).build());
      assertEquals("{\"disk\":\"/dev/sda\"}\n", data.getData().toString(StandardCharsets.UTF_8));

      String failing = workflow("fails", """
          - name: fail-on-purpose
            image: local/busybox:latest
            timeout: 60
            command: ["sh", "-c", "echo about to fail; exit 3"]
          """);
      assertEquals(State.STATE_FAILED, awaitEnd(failing, 60_000));
      WorkflowActionStatus failed = events(failing).getLast();
      assertEquals(State.STATE_FAILED, failed.getActionStatus());
      assertTrue(failed.getMessage().contains("exit status 3") && failed.getMessage().contains("about to fail"),
          failed.getMessage());

      String overrun = workflow("overruns", """
          - name: overrun
            image: local/busybox:latest
            timeout: 2
            command: ["sleep", "60"]
          """);
      assertEquals(State.STATE_TIMEOUT, awaitEnd(overrun, 60_000));
      assertEquals(State.STATE_TIMEOUT, events(overrun).getLast().getActionStatus());

      String unpullable = workflow("unpullable", """
          - name: no-such-image
            image: local/not-there:1
            timeout: 60
          """);
      assertEquals(State.STATE_FAILED, awaitEnd(unpullable, 60_000));
      String why = events(unpullable).getLast().getMessage();
      assertTrue(why.contains("not-there"), why);
      assertFalse(why.contains(Registry.PASSWORD), why);

      assertTrue(second.isAlive(), "the agent exited: " + Files.readString(dir.resolve("agent.log")));
      assertFalse(Files.readString(dir.resolve("agent.log")).contains(Registry.PASSWORD), "password in the log");
      List<Container> left = dockerd.client().listContainersCmd().withShowAll(true).exec();
      assertTrue(left.isEmpty(), "containers left behind: " + left.stream().map(c -> List.of(c.getNames())).toList());
    } finally {
      second.destroy();
      second.waitFor(15, TimeUnit.SECONDS);
    }
  }
}
