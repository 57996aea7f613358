package io.tinkerjvm.e2e;

import io.grpc.Grpc;
import io.tinkerjvm.runtime.tls.Tls;
import io.grpc.ManagedChannel;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole loop, for real: a QEMU VM with an empty disk is registered with its BMC, a workflow is created
 * with the tink CLI, tink-server power-cycles it into PXE through PBnJ, it takes DHCP and iPXE from Boots,
 * boots the OSIE, and the OSIE agent runs the actions (an image streamed to the disk, the machine's metadata
 * from Hegel written into it) until the workflow succeeds and the BMC is told to boot from disk. Progress is
 * printed as it happens, and the phase times go to {@code result.properties} in the work folder.
 *
 * <p>Run from the host ({@code ./tinkerjvm up --demo}, or the e2e test): it makes the namespace, runs itself
 * inside it with {@code --inside}, and removes the namespace at the end, whatever happened.
 */
public final class ProvisionLoop {
  static final String HARDWARE_ID = "e2e0e2e0-0000-4000-8000-525400e2e001";
  static final String HOSTNAME = "e2e-vm1";
  static final String TEMPLATE_NAME = "tinkerjvm-e2e-provision";
  static final List<String> ACTIONS = List.of("stream-image", "write-metadata");

  private final Options o;
  private final long start;

  private ProvisionLoop(Options o) {
    this.o = o;
    this.start = System.nanoTime() - (System.currentTimeMillis() - o.startedMs) * 1_000_000L;
  }

  public static void main(String[] args) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("e2e: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (o.help) {
      System.out.println(Options.USAGE);
      return;
    }
    ProvisionLoop loop = new ProvisionLoop(o);
    System.exit(o.inside ? loop.inside() : loop.outside());
  }

  // ---------------------------------------------------------------- on the host

  private int outside() {
    List<String> missing = Preflight.missing(o.osie);
    if (!missing.isEmpty()) {
      System.err.println("e2e: cannot run the loop here:");
      missing.forEach(m -> System.err.println("  - " + m));
      return 2;
    }
    try {
      Files.createDirectories(o.work.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    say("work folder " + o.work + " (logs in logs/, the VM's serial console in vm/serial.log)");
    say("building the action image " + ActionImage.NAME + " and pushing it to the loop's registry");
    try (Procs procs = new Procs()) {
      // dockerd runs here, in the host's namespace with its safe flags (inside, ip netns exec's fresh /sys has
      // no cgroups for it); it pushes over loopback to a registry whose store the loop's own registry serves
      String addr = "127.0.0.1:" + Preflight.freePort();
      Stack.registry(o.work, procs, addr, java.net.http.HttpClient.newHttpClient());
      ActionImage.buildAndPush(o.work, procs, addr, HexFormat.of().formatHex(random(6)));
    } catch (RuntimeException e) {
      System.err.println("e2e: " + e.getMessage());
      return 1;
    }
    Lab lab = Lab.create();
    Thread cleanup = new Thread(lab::close);
    Runtime.getRuntime().addShutdownHook(cleanup);
    int exit;
    try {
      say("namespace " + lab.netns + ": bridge " + Lab.BRIDGE + " " + Lab.HOST_IP + "/24, the VM's NIC " + Lab.TAP);
      List<String> self = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
          ProvisionLoop.class.getName(), "--inside"));
      self.addAll(o.forward());
      Process inner = new ProcessBuilder(lab.inside(self)).inheritIO().start();
      exit = inner.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit = 130;
    } finally {
      lab.close();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook has already removed the namespace
      }
    }
    if (exit == 0) {
      say("the namespace is gone; reading the VM's disk from the host:");
      for (String file : List.of("/etc/motd", "/etc/hostname", "/etc/tinkerjvm/metadata.json")) {
        System.out.println("  " + file + ": " + DiskImage.cat(o.work.resolve("vm/disk.raw"), file).strip());
      }
      say("done: " + o.work.resolve("result.properties"));
    } else {
      System.err.println("e2e: the loop failed (exit " + exit + "); logs are in " + o.work.resolve("logs"));
    }
    return exit;
  }

  // ---------------------------------------------------------------- inside the namespace

  private int inside() {
    Map<String, Double> at = new LinkedHashMap<>();
    try (Procs procs = new Procs()) {
      Files.createDirectories(o.work.resolve("logs"));
      String bmcPassword = "bmc-" + HexFormat.of().formatHex(random(6)); // IPMI allows 20 bytes
      Stack stack = new Stack(o.repo, o.work, procs);

      say("starting the registry with the action image " + ActionImage.NAME);
      stack.registry();
      say("starting tink-server (embedded Postgres), PBnJ, Boots, Hegel");
      stack.tinkServer();
      mark(at, "tink-server ready");
      stack.pbnj();
      stack.boots(o.osie);
      stack.hegel();
      mark(at, "stack ready");
      VirtualMachine vm = VirtualMachine.start(o.work, procs, bmcPassword, o.memoryMiB);
      say("the VM's BMC (ipmi_sim) answers on 127.0.0.1:" + VirtualMachine.BMC_PORT + "; the VM is off, its disk "
          + "empty (" + vm.disk + ")");

      Path hw = o.work.resolve("hardware.json");
      Files.writeString(hw, hardwareJson(bmcPassword));
      Path template = o.work.resolve("template.yaml");
      Files.writeString(template, TEMPLATE);
      say("tink hardware push: " + stack.tink("hardware", "push", "--file", hw.toString()).strip());
      String created = stack.tink("template", "create", "--file", template.toString());
      String templateId = group(created, "Created Template:\\s+(\\S+)");
      say("tink template create: " + templateId);

      // as an operator's tool on the provisioner: TLS trusting the stack's CA, with a certificate issued from it
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", 42113,
          new Tls.ClientSettings(true, stack.dataPath().resolve("tls"), null, null, null).open("e2e").credentials())
          .build();
      try {
        WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows = WorkflowServiceGrpc.newBlockingStub(channel);
        long created0 = System.nanoTime();
        String workflowId = group(stack.tink("workflow", "create", "-t", templateId, "-r",
            "{\"device_1\":\"" + VirtualMachine.MAC + "\"}"), "Created Workflow:\\s+(\\S+)");
        mark(at, "workflow created");
        say("tink workflow create: " + workflowId + "; now watching the machine");
        Watch watch = new Watch(o.work, vm, workflows, workflowId, created0, start);
        State end = watch.run(Duration.ofMinutes(o.timeoutMinutes));
        at.putAll(watch.seen);
        if (end != State.STATE_SUCCESS) {
          System.err.println("e2e: the workflow ended " + end + "\n" + watch.diagnostics());
          writeResult(at, "FAILED " + end);
          return 1;
        }
        // leave the disk alone from here on: power the VM off through its BMC, as an operator would
        Procs.run(Duration.ofSeconds(30), Map.of("IPMI_PASSWORD", bmcPassword), null, List.of("ipmitool", "-I",
            "lanplus", "-C", "3", "-H", "127.0.0.1", "-p", Integer.toString(VirtualMachine.BMC_PORT), "-U",
            VirtualMachine.BMC_USER, "-E", "chassis", "power", "off"));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (vm.running() && System.nanoTime() < until) {
          Thread.sleep(100);
        }
        say("the VM is powered off through its BMC; BMC calls: " + vm.calls());
        String record = stack.tink("hardware", "get", HARDWARE_ID, "-o", "json");
        List<String> leaks = Secrets.leaks(bmcPassword, o.work, record);
        if (!leaks.isEmpty()) {
          System.err.println("e2e: the BMC password leaked into " + leaks);
          writeResult(at, "FAILED secret leak");
          return 1;
        }
        // the machine key and the CA's key never reach a log; nor does a credential Boots minted from the key
        for (Path key : List.of(stack.dataPath().resolve("machine.key"), stack.dataPath().resolve("tls/ca-key.pem"))) {
          String text = Procs.read(key).strip().replaceAll("-----[A-Z ]+-----", "").strip();
          for (String line : text.split("\n")) {
            List<String> keyLeaks = Secrets.leaks(line.strip(), o.work, record).stream()
                .filter(f -> !f.endsWith("serial.log")).toList();
            if (!line.isBlank() && !keyLeaks.isEmpty()) {
              System.err.println("e2e: " + key.getFileName() + " leaked into " + keyLeaks);
              writeResult(at, "FAILED secret leak");
              return 1;
            }
          }
        }
        List<String> credentialLeaks = Secrets.leaks("machine_credential=", o.work, record).stream()
            .filter(f -> !f.endsWith("serial.log")).toList();
        if (!credentialLeaks.isEmpty()) {
          System.err.println("e2e: a machine credential leaked into " + credentialLeaks);
          writeResult(at, "FAILED secret leak");
          return 1;
        }
        say("TLS on every gRPC link; the agent called with its per-boot credential, which no log holds");
        writeResult(at, "SUCCESS");
        say("workflow SUCCESS in " + seconds(at.get("workflow SUCCESS") - at.get("workflow created"))
            + " s after tink workflow create");
        return 0;
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      System.err.println("e2e: " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } catch (RuntimeException e) {
      System.err.println("e2e: " + e.getMessage());
      return 1;
    }
  }

  private void mark(Map<String, Double> at, String what) {
    at.put(what, (System.nanoTime() - start) / 1e9);
  }

  private void writeResult(Map<String, Double> at, String outcome) throws IOException {
    StringBuilder b = new StringBuilder("# seconds since the loop started, in the order they happened\n");
    b.append("outcome=").append(outcome).append('\n');
    at.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e ->
        b.append(e.getKey().replace(' ', '_').replace(":", "")).append('=').append(seconds(e.getValue()))
            .append('\n'));
    Files.writeString(o.work.resolve("result.properties"), b.toString());
  }

  static String seconds(double s) {
    return String.format(java.util.Locale.ROOT, "%.1f", s);
  }

  private void say(String line) {
    System.out.printf(java.util.Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - start) / 1e9, line);
    System.out.flush();
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private static String group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("unexpected output: " + text.strip());
    }
    return m.group(1);
  }

  static String hardwareJson(String bmcPassword) {
    return """
        {
          "id": "%1$s",
          "metadata": {
            "facility": {"facility_code": "onprem", "plan_slug": "e2e.vm"},
            "instance": {"id": "%1$s", "hostname": "%2$s", "operating_system": {"slug": "tinkerjvm-e2e"}},
            "state": "provisioning",
            "bmc": {"host": "127.0.0.1", "port": %3$d, "username": "%4$s", "password": "%5$s", "efi": true}
          },
          "network": {
            "interfaces": [{
              "dhcp": {"mac": "%6$s", "hostname": "%2$s", "arch": "x86_64", "uefi": true, "lease_time": 3600,
                       "ip": {"address": "%7$s", "netmask": "255.255.255.0", "gateway": "%8$s"}},
              "netboot": {"allow_pxe": true, "allow_workflow": true}
            }]
          }
        }
        """.formatted(HARDWARE_ID, HOSTNAME, VirtualMachine.BMC_PORT, VirtualMachine.BMC_USER, bmcPassword,
        VirtualMachine.MAC, Lab.VM_IP, Lab.HOST_IP);
  }

  static final String TEMPLATE = """
      version: "0.1"
      name: %s
      global_timeout: 1800
      tasks:
        - name: "os-installation"
          worker: "{{.device_1}}"
          actions:
            - name: "stream-image"
              image: %s
              timeout: 600
              command: ["/bin/sh", "/actions/image2disk.sh"]
              environment:
                IMG_PATH: /images/disk.img
                DEST_DISK: /dev/vda
            - name: "write-metadata"
              image: %s
              timeout: 300
              command: ["/bin/sh", "/actions/writemeta.sh"]
              environment:
                DEST_DISK: /dev/vda
                METADATA_URL: %s/metadata
                HOSTNAME_URL: %s/2009-04-04/meta-data/hostname
      """.formatted(TEMPLATE_NAME, ActionImage.NAME, ActionImage.NAME, Stack.HEGEL, Stack.HEGEL);

  // ---------------------------------------------------------------- watching the machine

  /** Polls what each part of the stack has seen, and prints each milestone once, when it first appears. */
  static final class Watch {
    final Map<String, Double> seen = new LinkedHashMap<>();
    private final Path work;
    private final VirtualMachine vm;
    private final WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows;
    private final String workflowId;
    private final long createdAt;
    private final long loopStart;
    private int serialLinesShown;
    private int eventsShown;
    private List<WorkflowActionStatus> events = List.of();

    Watch(Path work, VirtualMachine vm, WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows, String id,
        long createdAt, long loopStart) {
      this.work = work;
      this.vm = vm;
      this.workflows = workflows;
      this.workflowId = id;
      this.createdAt = createdAt;
      this.loopStart = loopStart;
    }

    State run(Duration timeout) throws InterruptedException {
      String mac = VirtualMachine.MAC;
      Map<String, BooleanSupplier> milestones = new LinkedHashMap<>();
      milestones.put("bmc: PXE next boot", () -> vm.calls().stream().anyMatch(c -> c.contains("set boot pxe")));
      milestones.put("bmc: powered on", () -> vm.calls().stream().anyMatch(c -> c.startsWith("qemu start")));
      milestones.put("dhcp: firmware lease", () -> boots(l -> l.contains("OFFER " + mac) && l.contains("ipxe.efi")));
      milestones.put("tftp: ipxe.efi", () -> boots(l -> l.contains("TFTP sent ipxe.efi")));
      milestones.put("dhcp: iPXE lease", () -> boots(l -> l.contains("OFFER " + mac) && l.contains("auto.ipxe")));
      milestones.put("http: iPXE script", () -> boots(l -> l.contains("served the iPXE script of hardware")));
      milestones.put("http: kernel", () -> boots(l -> l.contains("HTTP sent /osie/vmlinuz")));
      milestones.put("http: initramfs", () -> boots(l -> l.contains("HTTP sent /osie/initramfs")));
      milestones.put("osie: Linux started", () -> serial("Linux version"));
      milestones.put("osie: agent started", () -> serial("osie: agent started"));
      milestones.put("agent: connected", () -> events.stream().anyMatch(e -> !e.getWorkerId().equals("pbnj")));
      for (String action : ACTIONS) {
        milestones.put("action " + action + " running", () -> event(action, State.STATE_RUNNING));
        milestones.put("action " + action + " done", () -> event(action, State.STATE_SUCCESS));
      }
      milestones.put("workflow SUCCESS", () -> false);
      milestones.put("bmc: boot from disk", () -> event("boot-from-disk", State.STATE_SUCCESS));

      long until = System.nanoTime() + timeout.toNanos();
      State state = State.STATE_PENDING;
      boolean terminal = false;
      while (System.nanoTime() < until) {
        try {
          state = workflows.withDeadlineAfter(5, TimeUnit.SECONDS)
              .getWorkflow(GetRequest.newBuilder().setId(workflowId).build()).getState();
          List<WorkflowActionStatus> list = new ArrayList<>();
          workflows.withDeadlineAfter(5, TimeUnit.SECONDS)
              .showWorkflowEvents(GetRequest.newBuilder().setId(workflowId).build()).forEachRemaining(list::add);
          events = list;
        } catch (io.grpc.StatusRuntimeException e) {
          System.out.println("           (tink-server: " + e.getStatus() + ")");
        }
        showSerial();
        if (state == State.STATE_SUCCESS) {
          milestones.put("workflow SUCCESS", () -> true);
        }
        for (var m : milestones.entrySet()) {
          if (!seen.containsKey(m.getKey()) && m.getValue().getAsBoolean()) {
            double t = (System.nanoTime() - createdAt) / 1e9;
            seen.put(m.getKey(), (System.nanoTime() - loopStart) / 1e9);
            System.out.printf(java.util.Locale.ROOT, "  +%6.1f s  %s%n", t, m.getKey());
          }
        }
        for (int i = eventsShown; i < events.size(); i++) {
          WorkflowActionStatus e = events.get(i);
          if (e.getActionStatus() == State.STATE_FAILED || e.getActionStatus() == State.STATE_TIMEOUT) {
            System.out.println("           " + e.getWorkerId() + " " + e.getActionName() + " " + e.getActionStatus()
                + ": " + e.getMessage());
          }
        }
        eventsShown = events.size();
        terminal = state == State.STATE_FAILED || state == State.STATE_TIMEOUT;
        if (terminal || seen.containsKey("bmc: boot from disk")) {
          return state;
        }
        Thread.sleep(250);
      }
      System.out.println("           timed out after " + timeout.toMinutes() + " min in state " + state);
      return state == State.STATE_SUCCESS ? State.STATE_TIMEOUT : state;
    }

    private boolean boots(java.util.function.Predicate<String> line) {
      return Procs.read(work.resolve("logs/boots.log")).lines().anyMatch(line);
    }

    private boolean serial(String needle) {
      return Procs.read(vm.serialLog).contains(needle);
    }

    private boolean event(String action, State state) {
      return events.stream().anyMatch(e -> e.getActionName().equals(action) && e.getActionStatus() == state);
    }

    /** The OSIE's own progress lines, as they come. */
    private void showSerial() {
      List<String> lines = Procs.read(vm.serialLog).lines().filter(l -> l.contains("osie: ")).toList();
      for (int i = serialLinesShown; i < lines.size(); i++) {
        String l = lines.get(i);
        System.out.println("           vm> " + l.substring(l.indexOf("osie: ")));
      }
      serialLinesShown = lines.size();
    }

    String diagnostics() {
      StringBuilder b = new StringBuilder("events:\n");
      events.forEach(e -> b.append("  ").append(e.getWorkerId()).append(' ').append(e.getActionName()).append(' ')
          .append(e.getActionStatus()).append(' ').append(e.getMessage()).append('\n'));
      b.append("BMC calls: ").append(vm.calls()).append('\n');
      String serial = Procs.read(vm.serialLog);
      b.append("serial console (last 3000 chars):\n")
          .append(serial.length() > 3000 ? serial.substring(serial.length() - 3000) : serial);
      return b.toString();
    }
  }
}
