package io.tinkerjvm.tink.support;

import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tinkerbell-format documents used across tests, and a status assertion. */
public final class Fixtures {
  private Fixtures() {}

  /** A hardware record in Tinkerbell's documented JSON (reference §1.6), metadata as a string. */
  public static Hardware hardware(String id, String mac, String ip) {
    String json = """
        {"id":"%s",
         "metadata":"{\\"state\\":\\"\\",\\"facility\\":{\\"facility_code\\":\\"onprem\\",\\"plan_slug\\":\\"c2.medium.x86\\"},\\"instance\\":{\\"id\\":\\"\\",\\"hostname\\":\\"s1\\",\\"operating_system\\":{\\"slug\\":\\"ubuntu_20_04\\"}}}",
         "network":{"interfaces":[{"dhcp":{"mac":"%s","hostname":"s1","lease_time":86400,"arch":"x86_64","uefi":false,
           "name_servers":["1.1.1.1"],"time_servers":[],"iface_name":"eth0",
           "ip":{"address":"%s","netmask":"255.255.255.248","gateway":"192.168.1.1","family":4}},
          "netboot":{"allow_pxe":true,"allow_workflow":true,"ipxe":{"url":"","contents":""},
           "osie":{"base_url":"","kernel":"","initrd":""}}}]}}
        """.formatted(id, mac, ip);
    Hardware.Builder b = Hardware.newBuilder();
    try {
      JsonFormat.parser().merge(json, b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return b.build();
  }

  /** Tinkerbell's sample template (reference §1.5), two tasks on two workers, three actions. */
  public static final String TWO_WORKER_TEMPLATE = """
      version: "0.1"
      name: two-workers
      global_timeout: 1800
      tasks:
      - name: "os-installation"
        worker: "{{.device_1}}"
        volumes:
          - /dev:/dev
          - /dev/console:/dev/console
          - /lib/firmware:/lib/firmware:ro
        environment:
          MIRROR_HOST: 192.168.1.2
        actions:
        - name: "stream-image"
          image: image2disk:v1.0.0
          timeout: 600
          environment:
            DEST_DISK: /dev/sda
            IMG_URL: "http://192.168.1.2/ubuntu.raw.gz"
            COMPRESSED: true
        - name: "write-config"
          image: writefile:v1.0.0
          timeout: 90
          volumes:
            - /dev:/mnt/dev
          environment:
            DEST_DISK: '{{ formatPartition "/dev/nvme0n1" 1 }}'
            MIRROR_HOST: 10.0.0.1
      - name: "verify"
        worker: "{{.device_2}}"
        actions:
        - name: "check"
          image: cexec:v1.0.0
          timeout: 60
          command: ["sh", "-c", "true"]
          pid: host
      """;

  public static StatusRuntimeException assertStatus(Status.Code code, String messagePart, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), () -> "status was " + e.getStatus());
    String description = String.valueOf(e.getStatus().getDescription());
    assertTrue(description.contains(messagePart),
        () -> "expected the message to contain '" + messagePart + "', got: " + description);
    return e;
  }

  /** An async observer that puts each message on a queue, for tests that wait on streams. */
  public static <T> StreamObserver<T> collect(BlockingQueue<T> queue) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        queue.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /** Creates a template of one action on {@code {{.device_1}}} and a workflow of it for {@code mac}; its id. */
  public static String oneActionWorkflow(RunningTink tink, String name, String mac) {
    String template = tink.templates().createTemplate(io.tinkerjvm.proto.tink.template.WorkflowTemplate.newBuilder()
        .setName(name).setData("""
            version: "0.1"
            name: %s
            global_timeout: 60
            tasks:
            - name: t
              worker: "{{.device_1}}"
              actions:
              - name: a
                image: busybox
                timeout: 10
            """.formatted(name)).build()).getId();
    return tink.workflows().createWorkflow(io.tinkerjvm.proto.tink.workflow.CreateRequest.newBuilder()
        .setTemplate(template).setHardware("{\"device_1\":\"" + mac + "\"}").build()).getId();
  }
}
