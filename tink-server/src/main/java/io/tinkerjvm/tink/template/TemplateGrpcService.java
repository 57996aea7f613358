package io.tinkerjvm.tink.template;

import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.proto.tink.template.CreateResponse;
import io.tinkerjvm.proto.tink.template.Empty;
import io.tinkerjvm.proto.tink.template.GetRequest;
import io.tinkerjvm.proto.tink.template.ListRequest;
import io.tinkerjvm.proto.tink.template.TemplateServiceGrpc;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.runtime.errors.NotFoundException;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import io.tinkerjvm.tink.template.TemplateRepository.StoredTemplate;
import java.time.Instant;
import java.util.UUID;

/** Tinkerbell's TemplateService over {@link TemplateRepository}. */
public final class TemplateGrpcService extends TemplateServiceGrpc.TemplateServiceImplBase {
  private final TemplateRepository repository;

  public TemplateGrpcService(TemplateRepository repository) {
    this.repository = repository;
  }

  @Override
  public void createTemplate(WorkflowTemplate request, StreamObserver<CreateResponse> response) {
    String name = checked(request);
    UUID id = request.getId().isEmpty() ? UUID.randomUUID() : HardwareDocument.parseId(request.getId(), "template id");
    repository.create(id, name, request.getData());
    response.onNext(CreateResponse.newBuilder().setId(id.toString()).build());
    response.onCompleted();
  }

  @Override
  public void updateTemplate(WorkflowTemplate request, StreamObserver<Empty> response) {
    UUID id = HardwareDocument.parseId(request.getId(), "template id");
    String name = request.getName().isEmpty() && request.getData().isEmpty()
        ? null : checked(request);
    StoredTemplate current = repository.byId(id).orElseThrow(() -> new NotFoundException("template " + id + " not found"));
    repository.update(id, name == null ? current.name() : name,
        request.getData().isEmpty() ? current.data() : request.getData());
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  /** Validates the YAML and the template syntax inside it; returns the name to store. */
  private static String checked(WorkflowTemplate request) {
    return TemplateDocument.checkForStore(request.getName(), request.getData());
  }

  @Override
  public void getTemplate(GetRequest request, StreamObserver<WorkflowTemplate> response) {
    response.onNext(toProto(find(request), true));
    response.onCompleted();
  }

  @Override
  public void deleteTemplate(GetRequest request, StreamObserver<Empty> response) {
    repository.delete(find(request).id());
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void listTemplates(ListRequest request, StreamObserver<WorkflowTemplate> response) {
    for (StoredTemplate t : repository.list(request.getName())) {
      response.onNext(toProto(t, false));
    }
    response.onCompleted();
  }

  private StoredTemplate find(GetRequest request) {
    return switch (request.getGetByCase()) {
      case ID -> {
        UUID id = HardwareDocument.parseId(request.getId(), "template id");
        yield repository.byId(id).orElseThrow(() -> new NotFoundException("template " + id + " not found"));
      }
      case NAME -> repository.byName(request.getName())
          .orElseThrow(() -> new NotFoundException("template '" + request.getName() + "' not found"));
      case GETBY_NOT_SET -> throw new InvalidArgumentException("give a template id or name");
    };
  }

  static WorkflowTemplate toProto(StoredTemplate t, boolean withData) {
    WorkflowTemplate.Builder b = WorkflowTemplate.newBuilder().setId(t.id().toString()).setName(t.name());
    if (withData) {
      b.setData(t.data());
    }
    if (t.createdAt() != null) {
      b.setCreatedAt(timestamp(t.createdAt()));
    }
    if (t.updatedAt() != null) {
      b.setUpdatedAt(timestamp(t.updatedAt()));
    }
    return b.build();
  }

  public static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
