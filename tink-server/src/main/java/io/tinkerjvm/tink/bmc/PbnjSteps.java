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

/** The calls tink-server makes to PBnJ: start a task, then poll Task.Status until it ends, as any PBnJ client. */
public final class PbnjSteps {
  /** How one step ended: its result or PBnJ's error. {@code pbnjDown} means PBnJ itself did not answer. */
  public record Outcome(boolean ok, String text, boolean pbnjDown) {}

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

  public Outcome bootDevice(BmcRepository.Bmc bmc, BootDevice device, boolean persistent) throws InterruptedException {
    return run(() -> machine.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS).bootDevice(
        DeviceRequest.newBuilder().setAuthn(authn(bmc)).setVendor(Vendor.newBuilder().setName(bmc.vendor()))
            .setBootDevice(device).setPersistent(persistent).setEfiBoot(bmc.efi()).build()).getTaskId());
  }

  public Outcome power(BmcRepository.Bmc bmc, PowerAction action) throws InterruptedException {
    return run(() -> machine.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS).power(
        PowerRequest.newBuilder().setAuthn(authn(bmc)).setVendor(Vendor.newBuilder().setName(bmc.vendor()))
            .setPowerAction(action).build()).getTaskId());
  }

  private interface Start {
    String taskId();
  }

  private Outcome run(Start start) throws InterruptedException {
    String id;
    try {
      id = start.taskId();
    } catch (StatusRuntimeException e) {
      return refused(e);
    }
    long until = System.nanoTime() + stepTimeout.toNanos();
    while (true) {
      try {
        StatusResponse r = task.withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS)
            .status(StatusRequest.newBuilder().setTaskId(id).build());
        if (r.getComplete()) {
          return new Outcome(true, r.getResult(), false);
        }
      } catch (StatusRuntimeException e) {
        Outcome o = refused(e);
        if (!o.pbnjDown() || System.nanoTime() > until) {
          return o;
        }
      }
      if (System.nanoTime() > until) {
        return new Outcome(false, "PBnJ task " + id + " did not finish within " + stepTimeout.toSeconds() + "s", false);
      }
      Thread.sleep(POLL);
    }
  }

  private static Outcome refused(StatusRuntimeException e) {
    Status s = e.getStatus();
    boolean down = s.getCode() == Status.Code.UNAVAILABLE
        || (s.getCode() == Status.Code.DEADLINE_EXCEEDED && s.getDescription() != null
            && s.getDescription().startsWith("deadline exceeded after"));
    return new Outcome(false, s.getCode() + ": " + (s.getDescription() == null ? "" : s.getDescription()), down);
  }

  private static Authn authn(BmcRepository.Bmc bmc) {
    return Authn.newBuilder().setDirectAuthn(DirectAuthn.newBuilder().setHost(Host.newBuilder().setHost(bmc.host()))
        .setUsername(bmc.username()).setPassword(bmc.password())).build();
  }
}
