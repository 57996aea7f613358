package io.tinkerjvm.cli;

import io.tinkerjvm.cli.grpc.GrpcException;
import java.util.Collection;
import java.util.function.Consumer;

/** Deletes several things, reporting each; one that is missing does not stop the rest, but fails the command. */
final class Deletes {
  private Deletes() {}

  static int each(Tink tink, Collection<String> ids, Consumer<String> delete) {
    int failed = 0;
    for (String id : ids) {
      try {
        delete.accept(id);
        tink.context.out().println("Deleted\t" + id);
      } catch (GrpcException e) {
        if (e.code() != GrpcException.NOT_FOUND) {
          throw e;
        }
        tink.context.err().println("Error\t" + id + "\tnot found");
        failed++;
      }
    }
    return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
