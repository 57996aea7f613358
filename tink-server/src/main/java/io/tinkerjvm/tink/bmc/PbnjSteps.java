package io.tinkerjvm.tink.bmc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.pbnj.v1.Authn;
import io.tinkerjvm.proto.pbnj.v1.BootDevice;
import io.tinkerjvm.proto.pbnj.v1.DeviceRequest;
import io.tinkerjvm.proto.pbnj.v1.DirectAuthn;
import io.tinkerjvm.proto.pbnj.v1.Host;
import io.tinkerjvm.proto.pbnj.v1.MachineGrpc;
import io.tinkerjvm.proto.pbnj.v1.PowerAction;
import io.tinkerjvm.proto.pbnj.v1.PowerRequest;
import io.tinkerjvm.proto.pbnj.v1.StatusRequest;
import io.tinkerjvm.proto.pbnj.v1.StatusResponse;
import io.tinkerjvm.proto.pbnj.v1.TaskGrpc;
import io.tinkerjvm.proto.pbnj.v1.Vendor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The calls tink-server makes to PBnJ: start a task, then poll Task.Status until it ends, as any PBnJ
 * client does. Starting and waiting are apart, so that a task PBnJ accepted is only ever waited for again.
 */
public final class PbnjSteps {
  /** How a call to PBnJ went. */
  public sealed interface Outcome {}

  /** PBnJ accepted the step as this task. */
  public record Started(String taskId) implements Outcome {}

  /** The task ended well, with PBnJ's result. */
  public record Done(String result) implements Outcome {}

  /** PBnJ or the BMC said no: the request, the login, the operation. Trying again would not help. */
  public record Refused(String reason) implements Outcome {}

  /** PBnJ did not answer (down, or too slow); the call can be made again later. */
  public record Unanswered(String reason) implements Outcome {}

  /** PBnJ has no such task: it restarted and lost its memory of it. */
  public record Forgotten(String taskId) implements Outcome {}

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration CALL = Duration.ofSeconds(10);

  private final MachineGrpc.MachineBlockingStub machine;
  private final TaskGrpc.TaskBlockingStub task;
  private final Duration stepTimeout;

  public PbnjSteps(ManagedChannel channel, Duration stepTimeout) {
    this.machine = MachineGrpc.newBlockingStub(channel);
    this.task = TaskGrpc.newBlockingStub(channel);
    this.stepTimeout = stepTimeout;
  }

  public Outcome startBootDevice(BmcRepository.Bmc bmc, BootDevice device, boolean persistent) {
    return call(() -> new Started(machine.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS).bootDevice(
        DeviceRequest.newBuilder().setAuthn(authn(bmc)).setVendor(Vendor.newBuilder().setName(bmc.vendor()))
            .setBootDevice(device).setPersistent(persistent).setEfiBoot(bmc.efi()).build()).getTaskId()));
  }

  public Outcome startPower(BmcRepository.Bmc bmc, PowerAction action) {
    return call(() -> new Started(machine.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS).power(
        PowerRequest.newBuilder().setAuthn(authn(bmc)).setVendor(Vendor.newBuilder().setName(bmc.vendor()))
            .setPowerAction(action).build()).getTaskId()));
  }

  /**
   * Polls the task until it ends or the step timeout passes; {@code keepAlive} runs on each poll and
   * answers false when the caller should stop waiting (its claim is gone).
   */
  public Outcome await(String taskId, Supplier<Boolean> keepAlive) throws InterruptedException {
    long until = System.nanoTime() + stepTimeout.toNanos();
    Outcome last = new Unanswered("no answer yet");
    while (System.nanoTime() < until && keepAlive.get()) {
      last = call(() -> {
        StatusResponse r = task.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS)
            .status(StatusRequest.newBuilder().setTaskId(taskId).build());
        return r.getComplete() ? new Done(r.getResult()) : null;
      });
      if (last instanceof Refused refused && refused.reason().startsWith(Status.Code.NOT_FOUND + ":")) {
        return new Forgotten(taskId);
      }
      if (last != null && !(last instanceof Unanswered)) {
        return last;
      }
      Thread.sleep(POLL);
    }
    return last instanceof Unanswered u ? u
        : new Refused("PBnJ task " + taskId + " did not finish within " + stepTimeout.toSeconds()
            + "s (--bmc-step-timeout)");
  }

  /** Runs one RPC; a refusal by the server and a call that got no answer are told apart by the client. */
  private static Outcome call(Supplier<Outcome> rpc) {
    long t0 = System.nanoTime();
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      String text = s.getCode() + ": " + (s.getDescription() == null ? "" : s.getDescription());
      // DEADLINE_EXCEEDED is also how PBnJ reports a BMC that did not answer; ours ran out only if we waited it out
      boolean ourDeadline = s.getCode() == Status.Code.DEADLINE_EXCEEDED
          && System.nanoTime() - t0 >= CALL.toNanos() * 9 / 10;
      return s.getCode() == Status.Code.UNAVAILABLE || ourDeadline ? new Unanswered(text) : new Refused(text);
    }
  }

  private static Authn authn(BmcRepository.Bmc bmc) {
    return Authn.newBuilder().setDirectAuthn(DirectAuthn.newBuilder().setHost(Host.newBuilder().setHost(bmc.host()))
        .setUsername(bmc.username()).setPassword(bmc.password())).build();
  }
}
