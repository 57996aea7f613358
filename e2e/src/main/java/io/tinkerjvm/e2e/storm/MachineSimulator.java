package io.tinkerjvm.e2e.storm;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.tink.workflow.GetRequest;
import io.tinkerjvm.proto.tink.workflow.GetWorkflowDataRequest;
import io.tinkerjvm.proto.tink.workflow.State;
import io.tinkerjvm.proto.tink.workflow.WorkflowAction;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionStatus;
import io.tinkerjvm.proto.tink.workflow.WorkflowActionsRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowContext;
import io.tinkerjvm.proto.tink.workflow.WorkflowContextRequest;
import io.tinkerjvm.proto.tink.workflow.WorkflowServiceGrpc;
import io.tinkerjvm.tink.workflow.StartIndex;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One simulated machine: a stand-in for a real PXE ROM, iPXE and OSIE agent (1,000 of them cannot run here),
 * speaking to the real stack over real sockets. In order: DHCP (DISCOVER, OFFER, REQUEST, ACK, relayed from
 * 127.0.0.1), iPXE over TFTP from the boot server the offer names, iPXE's own DHCP round (user class "iPXE")
 * and the script at the URL it hands out, metadata from Hegel asked from the machine's own address, and a
 * workflow of no-op actions through the worker RPCs the OSIE agent's WorkflowRunner makes, in its order.
 */
final class MachineSimulator {
  enum Phase { DHCP, TFTP, IPXE_SCRIPT, HEGEL, WORKFLOW }

  record Machine(int index, String hardwareId, String mac, Inet4Address ip, String hostname, int arch) {
    boolean uefi() {
      return arch == 7;
    }

    String bootFile() {
      return uefi() ? "ipxe.efi" : "undionly.kpxe";
    }
  }

  /** What the run needs to know about the stack and what every machine must get. */
  record Target(InetSocketAddress dhcp, int tftpPort, URI hegel, Map<String, byte[]> bootFiles) {}

  /** One machine's outcome: nanoseconds per phase done, retransmissions, and the failure if any. */
  static final class Outcome {
    final Machine machine;
    final Map<Phase, Long> nanos = new EnumMap<>(Phase.class);
    /** Inside the workflow phase: nanoseconds per call, by RPC name (the first call includes the connection). */
    final Map<String, List<Long>> calls = new LinkedHashMap<>();
    int dhcpRetransmits;
    int tftpRetransmits;
    int contextPolls;
    String workflowId;
    String credential;
    Phase failedIn;
    String failure;

    Outcome(Machine machine) {
      this.machine = machine;
    }

    boolean complete() {
      return failure == null && nanos.size() == Phase.values().length;
    }
  }

  private static final int[] DHCP_TIMEOUTS_MS = {4000, 8000, 16000, 32000}; // PXE's DISCOVER schedule
  private static final long CONTEXT_POLL_MS = 1000;
  private static final long CONTEXT_WAIT_MS = 120_000;
  private static final long CALL_DEADLINE_S = 30;

  private final Machine m;
  private final Target target;
  private final Outcome out;
  private final byte[] relay = {127, 0, 0, 1};

  MachineSimulator(Machine m, Target target) {
    this.m = m;
    this.target = target;
    this.out = new Outcome(m);
  }

  Outcome boot() {
    Phase phase = Phase.DHCP;
    try {
      long t = System.nanoTime();
      DhcpMessage ack = dhcp(DhcpMessage.pxe(m.arch()), "PXE ROM");
      if (!ack.yourAddress().equals(m.ip())) {
        throw new IllegalStateException("DHCP gave " + ack.yourAddress().getHostAddress() + ", reserved is "
            + m.ip().getHostAddress());
      }
      if (!ack.file().equals(m.bootFile())) {
        throw new IllegalStateException("DHCP named boot file '" + ack.file() + "', expected " + m.bootFile());
      }
      t = mark(Phase.DHCP, t);

      phase = Phase.TFTP;
      InetSocketAddress tftp = new InetSocketAddress(DhcpMessage.address(ack.siaddr()), target.tftpPort());
      TftpFetch.Result fetched = new TftpFetch(m.ip(), tftp).fetch(ack.file(), m.uefi());
      out.tftpRetransmits = fetched.retransmits();
      if (!Arrays.equals(fetched.file(), target.bootFiles().get(ack.file()))) {
        throw new IllegalStateException("TFTP " + ack.file() + " is not the file on disk (" + fetched.file().length
            + " bytes)");
      }
      t = mark(Phase.TFTP, t);

      phase = Phase.IPXE_SCRIPT;
      Map<Integer, byte[]> ipxe = new LinkedHashMap<>(DhcpMessage.pxe(m.arch()));
      ipxe.put(DhcpMessage.OPT_USER_CLASS, "iPXE".getBytes(StandardCharsets.US_ASCII));
      DhcpMessage ipxeAck = dhcp(ipxe, "iPXE");
      URI scriptUrl = URI.create(ipxeAck.file());
      HttpGet.Response script = HttpGet.get(m.ip(), scriptUrl, null);
      if (script.status() != 200) {
        throw new IllegalStateException("GET " + scriptUrl + " answered " + script.status());
      }
      Map<String, String> cmdline = kernelArgs(script.body());
      String workerId = cmdline.get("worker_id");
      String authority = cmdline.get("grpc_authority");
      out.credential = cmdline.get("machine_credential");
      if (!m.hardwareId().equals(workerId) || authority == null) {
        throw new IllegalStateException("the script's kernel line has worker_id=" + workerId + " grpc_authority="
            + authority);
      }
      t = mark(Phase.IPXE_SCRIPT, t);

      phase = Phase.HEGEL;
      for (String path : List.of("/metadata", "/2009-04-04/meta-data/hostname")) {
        HttpGet.Response r = HttpGet.get(m.ip(), target.hegel().resolve(path), out.credential);
        if (r.status() != 200 || !r.body().contains(m.hostname())) {
          throw new IllegalStateException("Hegel " + path + " answered " + r.status() + " without this machine's "
              + "hostname");
        }
      }
      t = mark(Phase.HEGEL, t);

      phase = Phase.WORKFLOW;
      out.workflowId = runWorkflow(authority, workerId);
      mark(Phase.WORKFLOW, t);
    } catch (IOException | RuntimeException e) {
      out.failedIn = phase;
      out.failure = e instanceof StatusRuntimeException s ? "gRPC " + s.getStatus() : e.toString();
    }
    return out;
  }

  private long mark(Phase phase, long since) {
    long now = System.nanoTime();
    out.nanos.put(phase, now - since);
    return now;
  }

  /** DISCOVER, OFFER, REQUEST, ACK through one relay socket, retransmitting on PXE's schedule. */
  private DhcpMessage dhcp(Map<Integer, byte[]> options, String who) throws IOException {
    byte[] mac = parseMac(m.mac());
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(StormStack.HOST, 0))) {
      int xid = ThreadLocalRandom.current().nextInt();
      DhcpMessage offer = exchange(s, DhcpMessage.request(DhcpMessage.DISCOVER, xid, mac, relay, options),
          DhcpMessage.OFFER, who);
      Map<Integer, byte[]> req = new LinkedHashMap<>(options);
      req.put(DhcpMessage.OPT_REQUESTED_IP, offer.yiaddr());
      req.put(DhcpMessage.OPT_SERVER_ID, offer.options().get(DhcpMessage.OPT_SERVER_ID));
      DhcpMessage ack = exchange(s, DhcpMessage.request(DhcpMessage.REQUEST, xid, mac, relay, req),
          DhcpMessage.ACK, who);
      if (!Arrays.equals(ack.yiaddr(), offer.yiaddr())) {
        throw new IllegalStateException(who + ": the ACK's address is not the offered one");
      }
      return ack;
    }
  }

  private DhcpMessage exchange(DatagramSocket s, DhcpMessage request, int want, String who) throws IOException {
    byte[] bytes = request.encode();
    byte[] buf = new byte[1500];
    for (int attempt = 0; attempt < DHCP_TIMEOUTS_MS.length; attempt++) {
      if (attempt > 0) {
        out.dhcpRetransmits++;
      }
      s.send(new DatagramPacket(bytes, bytes.length, target.dhcp()));
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DHCP_TIMEOUTS_MS[attempt]);
      while (true) {
        long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
        if (left <= 0) {
          break;
        }
        s.setSoTimeout((int) left);
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        try {
          s.receive(in);
        } catch (SocketTimeoutException e) {
          break;
        }
        DhcpMessage reply = DhcpMessage.decode(in.getData(), in.getLength());
        if (reply.op() != 2 || reply.xid() != request.xid()) {
          continue;
        }
        if (reply.type() == DhcpMessage.NAK) {
          throw new IllegalStateException(who + ": NAK from Boots");
        }
        if (reply.type() == want) {
          return reply;
        }
      }
    }
    throw new IllegalStateException(who + ": no " + (want == DhcpMessage.OFFER ? "OFFER" : "ACK") + " after "
        + DHCP_TIMEOUTS_MS.length + " tries");
  }

  /**
   * The agent's protocol with no container: the worker's contexts, then per workflow its context and
   * actions, and per action its data, RUNNING, SUCCESS, as WorkflowRunner does (it skips UpdateWorkflowData
   * when an action leaves the data unchanged, as a no-op does).
   */
  private String runWorkflow(String authority, String workerId) {
    ManagedChannel channel = StormStack.channel(authority, out.credential);
    try {
      WorkflowContextRequest me = WorkflowContextRequest.newBuilder().setWorkerId(workerId).build();
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONTEXT_WAIT_MS);
      List<WorkflowContext> contexts = new ArrayList<>();
      while (true) {
        out.contextPolls++;
        timed("GetWorkflowContexts", () -> {
          Iterator<WorkflowContext> it = tink(channel).getWorkflowContexts(me);
          it.forEachRemaining(contexts::add);
          return null;
        });
        if (!contexts.isEmpty()) {
          break;
        }
        if (System.nanoTime() > until) {
          throw new IllegalStateException("no workflow for worker " + workerId + " within " + CONTEXT_WAIT_MS
              + " ms");
        }
        StormStack.sleep(CONTEXT_POLL_MS);
      }
      String workflowId = contexts.getFirst().getWorkflowId();
      WorkflowContext ctx = timed("GetWorkflowContext", () -> tink(channel).getWorkflowContext(
          GetRequest.newBuilder().setId(workflowId).build()));
      List<WorkflowAction> actions = timed("GetWorkflowActions", () -> tink(channel).getWorkflowActions(
          WorkflowActionsRequest.newBuilder().setWorkflowId(workflowId).build()).getActionListList());
      int start = StartIndex.of(ctx);
      if (start == StartIndex.ENDED) {
        throw new IllegalStateException("workflow " + workflowId + " has ended: " + ctx.getCurrentActionState());
      }
      for (int i = start; i < actions.size() && actions.get(i).getWorkerId().equals(workerId); i++) {
        WorkflowAction a = actions.get(i);
        timed("GetWorkflowData", () -> tink(channel).getWorkflowData(GetWorkflowDataRequest.newBuilder()
            .setWorkflowId(workflowId).build()));
        timed("ReportActionStatus", () -> report(channel, workflowId, a, workerId, State.STATE_RUNNING,
            "Started execution"));
        timed("ReportActionStatus", () -> report(channel, workflowId, a, workerId, State.STATE_SUCCESS,
            "no-op: reported without a container"));
      }
      return workflowId;
    } finally {
      channel.shutdownNow();
    }
  }

  private <T> T timed(String rpc, java.util.function.Supplier<T> call) {
    long t = System.nanoTime();
    try {
      return call.get();
    } finally {
      out.calls.computeIfAbsent(rpc, k -> new ArrayList<>()).add(System.nanoTime() - t);
    }
  }

  private static Object report(ManagedChannel channel, String workflowId, WorkflowAction a, String workerId,
      State state, String message) {
    return tink(channel).reportActionStatus(WorkflowActionStatus.newBuilder().setWorkflowId(workflowId)
        .setTaskName(a.getTaskName()).setActionName(a.getName()).setActionStatus(state).setSeconds(0)
        .setMessage(message).setWorkerId(workerId).build());
  }

  private static WorkflowServiceGrpc.WorkflowServiceBlockingStub tink(ManagedChannel channel) {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_S, TimeUnit.SECONDS);
  }

  /** The {@code name=value} words of the script's {@code kernel} line. */
  static Map<String, String> kernelArgs(String script) {
    Map<String, String> args = new HashMap<>();
    for (String line : script.split("\n")) {
      String l = line.strip();
      if (!l.startsWith("kernel ")) {
        continue;
      }
      for (String word : l.split("\\s+")) {
        int eq = word.indexOf('=');
        if (eq > 0) {
          args.put(word.substring(0, eq), word.substring(eq + 1));
        }
      }
    }
    return args;
  }

  static byte[] parseMac(String mac) {
    String[] parts = mac.split(":");
    byte[] b = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      b[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return b;
  }
}
