package io.tinkerjvm.pbnj.support;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinkerjvm.proto.pbnj.v1.Authn;
import io.tinkerjvm.proto.pbnj.v1.BMCGrpc;
import io.tinkerjvm.proto.pbnj.v1.DirectAuthn;
import io.tinkerjvm.proto.pbnj.v1.Host;
import io.tinkerjvm.proto.pbnj.v1.MachineGrpc;
import io.tinkerjvm.proto.pbnj.v1.StatusRequest;
import io.tinkerjvm.proto.pbnj.v1.StatusResponse;
import io.tinkerjvm.proto.pbnj.v1.TaskGrpc;
import io.tinkerjvm.proto.pbnj.v1.Vendor;
import java.util.concurrent.TimeUnit;

/** PBnJ's generated stubs over a real TCP channel, and a wait for a task's end as a PBnJ client polls for it. */
public final class PbnjClient implements AutoCloseable {
  public final ManagedChannel channel;
  public final MachineGrpc.MachineBlockingStub machine;
  public final BMCGrpc.BMCBlockingStub bmc;
  public final TaskGrpc.TaskBlockingStub task;

  public PbnjClient(int port) {
    // as tink-server connects by default: TLS from the stack's CA, with a certificate from it
    channel = Grpc.newChannelBuilder("127.0.0.1:" + port,
        io.tinkerjvm.runtime.tls.Tls.localClient("test-client").credentials()).build();
    machine = MachineGrpc.newBlockingStub(channel);
    bmc = BMCGrpc.newBlockingStub(channel);
    task = TaskGrpc.newBlockingStub(channel);
  }

  public static Authn authn(String host, String user, String password) {
    return Authn.newBuilder().setDirectAuthn(DirectAuthn.newBuilder().setHost(Host.newBuilder().setHost(host))
        .setUsername(user).setPassword(password)).build();
  }

  public static Vendor vendor(String name) {
    return Vendor.newBuilder().setName(name).build();
  }

  /** Polls until the task is complete; a failed task throws its status, as PBnJ's Task.Status does. */
  public StatusResponse await(String taskId, long timeoutMs) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      StatusResponse r = task.status(StatusRequest.newBuilder().setTaskId(taskId).build());
      if (r.getComplete()) {
        return r;
      }
      if (System.nanoTime() > until) {
        throw new AssertionError("task " + taskId + " still running after " + timeoutMs + " ms: " + r);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** The status a failed task ends with. */
  public Status awaitFailure(String taskId, long timeoutMs) {
    try {
      StatusResponse r = await(taskId, timeoutMs);
      throw new AssertionError("task " + taskId + " succeeded: " + r);
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
