package io.tinkerjvm.pbnj.bmc;

import io.tinkerjvm.pbnj.task.TaskRunner;
import io.tinkerjvm.proto.pbnj.v1.Authn;
import io.tinkerjvm.proto.pbnj.v1.Vendor;
import io.tinkerjvm.runtime.errors.FailedPreconditionException;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.util.List;

/**
 * What the gRPC services share: turn a request's authn and vendor into a target and a provider chain
 * (refusing bad ones at once), then start the operation as a task behind the BMC's gate.
 */
public final class BmcOperations {
  private final ProviderChain providers;
  private final TaskRunner tasks;

  public BmcOperations(ProviderChain providers, TaskRunner tasks) {
    this.providers = providers;
    this.tasks = tasks;
  }

  public String start(String operation, String description, Authn authn, Vendor vendor, boolean idempotent,
      ProviderChain.Operation<String> op) {
    BmcTarget target = Targets.fromAuthn(authn);
    List<BmcProvider> chain;
    try {
      String hint = vendor == null ? "" : vendor.getName();
      if (Targets.isRedfishUrl(authn)) {
        if (!hint.isBlank() && !hint.trim().equalsIgnoreCase("redfish")
            && providers.forVendor(hint).stream().noneMatch(p -> p.name().equals("redfish"))) {
          throw new InvalidArgumentException("an https:// host is a Redfish BMC, but vendor '" + hint
              + "' does not use Redfish");
        }
        hint = "redfish";
      }
      chain = providers.forVendor(hint);
    } catch (BmcException e) {
      if (e.kind() == BmcException.Kind.INVALID) {
        throw new InvalidArgumentException("vendor.name: " + e.getMessage());
      }
      throw new FailedPreconditionException(e.getMessage());
    }
    return tasks.submit(operation, description, target.gateKey(),
        (progress, deadline) -> providers.run(chain, target, deadline, progress, idempotent, op));
  }
}
