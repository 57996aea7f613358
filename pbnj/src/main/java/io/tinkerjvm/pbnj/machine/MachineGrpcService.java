package io.tinkerjvm.pbnj.machine;

import io.grpc.stub.StreamObserver;
import io.tinkerjvm.pbnj.bmc.BmcOperations;
import io.tinkerjvm.pbnj.bmc.BootDevice;
import io.tinkerjvm.proto.pbnj.v1.DeviceRequest;
import io.tinkerjvm.proto.pbnj.v1.DeviceResponse;
import io.tinkerjvm.proto.pbnj.v1.MachineGrpc;
import io.tinkerjvm.proto.pbnj.v1.PowerRequest;
import io.tinkerjvm.proto.pbnj.v1.PowerResponse;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.time.Duration;

/** PBnJ's Machine service: power and boot device, each started as a task whose id returns at once. */
public final class MachineGrpcService extends MachineGrpc.MachineImplBase {
  private final BmcOperations operations;
  private final PowerControl power;

  public MachineGrpcService(BmcOperations operations, PowerControl power) {
    this.operations = operations;
    this.power = power;
  }

  @Override
  public void power(PowerRequest request, StreamObserver<PowerResponse> response) {
    PowerControl.Action action = switch (request.getPowerAction()) {
      case POWER_ACTION_ON -> PowerControl.Action.ON;
      case POWER_ACTION_OFF -> PowerControl.Action.OFF;
      case POWER_ACTION_HARDOFF -> PowerControl.Action.HARDOFF;
      case POWER_ACTION_CYCLE -> PowerControl.Action.CYCLE;
      case POWER_ACTION_RESET -> PowerControl.Action.RESET;
      case POWER_ACTION_STATUS -> PowerControl.Action.STATUS;
      default -> throw new InvalidArgumentException("power_action must be one of ON, OFF, HARDOFF, CYCLE, RESET, "
          + "STATUS; got " + request.getPowerActionValue());
    };
    if (request.getSoftTimeout() < 0 || request.getOffDuration() < 0) {
      throw new InvalidArgumentException("soft_timeout and off_duration are seconds and cannot be negative");
    }
    Duration soft = Duration.ofSeconds(request.getSoftTimeout());
    Duration off = Duration.ofSeconds(request.getOffDuration());
    boolean idempotent = action != PowerControl.Action.CYCLE && action != PowerControl.Action.RESET;
    String id = operations.start("power_" + action.name().toLowerCase(), "power action: "
        + request.getPowerAction().name(), request.getAuthn(), request.getVendor(), idempotent,
        (s, deadline, progress) -> power.apply(s, action, soft, off, deadline, progress));
    response.onNext(PowerResponse.newBuilder().setTaskId(id).build());
    response.onCompleted();
  }

  @Override
  public void bootDevice(DeviceRequest request, StreamObserver<DeviceResponse> response) {
    BootDevice.Device device = switch (request.getBootDevice()) {
      case BOOT_DEVICE_NONE -> BootDevice.Device.NONE;
      case BOOT_DEVICE_BIOS -> BootDevice.Device.BIOS;
      case BOOT_DEVICE_CDROM -> BootDevice.Device.CDROM;
      case BOOT_DEVICE_DISK -> BootDevice.Device.DISK;
      case BOOT_DEVICE_PXE -> BootDevice.Device.PXE;
      default -> throw new InvalidArgumentException("boot_device must be one of NONE, BIOS, CDROM, DISK, PXE; got "
          + request.getBootDeviceValue());
    };
    BootDevice wanted = new BootDevice(device, request.getPersistent(), request.getEfiBoot());
    String id = operations.start("boot_device", "setting boot device: " + request.getBootDevice().name(),
        request.getAuthn(), request.getVendor(), true, (s, deadline, progress) -> {
          s.bootDevice(wanted);
          return "boot device " + wanted.describe() + " set via " + s.provider();
        });
    response.onNext(DeviceResponse.newBuilder().setTaskId(id).build());
    response.onCompleted();
  }
}
