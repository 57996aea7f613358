package io.tinkerjvm.pbnj.bmcadmin;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinkerjvm.pbnj.bmc.BmcOperations;
import io.tinkerjvm.pbnj.bmc.Secret;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import io.tinkerjvm.proto.pbnj.v1.BMCGrpc;
import io.tinkerjvm.proto.pbnj.v1.CreateUserRequest;
import io.tinkerjvm.proto.pbnj.v1.CreateUserResponse;
import io.tinkerjvm.proto.pbnj.v1.DeactivateSOLRequest;
import io.tinkerjvm.proto.pbnj.v1.DeactivateSOLResponse;
import io.tinkerjvm.proto.pbnj.v1.DeleteUserRequest;
import io.tinkerjvm.proto.pbnj.v1.DeleteUserResponse;
import io.tinkerjvm.proto.pbnj.v1.NetworkSourceRequest;
import io.tinkerjvm.proto.pbnj.v1.NetworkSourceResponse;
import io.tinkerjvm.proto.pbnj.v1.ResetRequest;
import io.tinkerjvm.proto.pbnj.v1.ResetResponse;
import io.tinkerjvm.proto.pbnj.v1.UpdateUserRequest;
import io.tinkerjvm.proto.pbnj.v1.UpdateUserResponse;
import io.tinkerjvm.proto.pbnj.v1.UserCreds;
import io.tinkerjvm.proto.pbnj.v1.UserRole;
import io.tinkerjvm.runtime.errors.FailedPreconditionException;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;

/** PBnJ's BMC service: users and BMC resets as tasks. NetworkSource and DeactivateSOL are not offered (as in PBnJ). */
public final class BmcGrpcService extends BMCGrpc.BMCImplBase {
  private final BmcOperations operations;

  public BmcGrpcService(BmcOperations operations) {
    this.operations = operations;
  }

  @Override
  public void createUser(CreateUserRequest request, StreamObserver<CreateUserResponse> response) {
    UserAccount account = account(request.getUserCreds(), true);
    // not repeated after a lost answer: a second try of a create that half happened finds the user there
    String id = operations.start("create_user", "creating user " + account.username(), request.getAuthn(),
        request.getVendor(), false, (s, deadline, progress) -> {
          s.createUser(account);
          return "user " + account.username() + " created";
        });
    response.onNext(CreateUserResponse.newBuilder().setTaskId(id).build());
    response.onCompleted();
  }

  @Override
  public void updateUser(UpdateUserRequest request, StreamObserver<UpdateUserResponse> response) {
    UserAccount account = account(request.getUserCreds(), false);
    String id = operations.start("update_user", "updating user " + account.username(), request.getAuthn(),
        request.getVendor(), true, (s, deadline, progress) -> {
          s.updateUser(account);
          return "user " + account.username() + " updated";
        });
    response.onNext(UpdateUserResponse.newBuilder().setTaskId(id).build());
    response.onCompleted();
  }

  @Override
  public void deleteUser(DeleteUserRequest request, StreamObserver<DeleteUserResponse> response) {
    String username = checkUsername(request.getUsername(), "username");
    if (username.equals(request.getAuthn().getDirectAuthn().getUsername())) {
      throw new FailedPreconditionException("will not delete '" + username + "', the user this request logs in with");
    }
    String id = operations.start("delete_user", "deleting user " + username, request.getAuthn(), request.getVendor(),
        true, (s, deadline, progress) -> {
          s.deleteUser(username);
          return "user " + username + " deleted";
        });
    response.onNext(DeleteUserResponse.newBuilder().setTaskId(id).build());
    response.onCompleted();
  }

  @Override
  public void reset(ResetRequest request, StreamObserver<ResetResponse> response) {
    boolean cold = switch (request.getResetKind()) {
      case RESET_KIND_COLD -> true;
      case RESET_KIND_WARM -> false;
      default -> throw new InvalidArgumentException("reset_kind must be RESET_KIND_COLD or RESET_KIND_WARM; got "
          + request.getResetKindValue());
    };
    String kind = cold ? "cold" : "warm";
    String id = operations.start("reset_bmc", kind + " reset of the BMC", request.getAuthn(), request.getVendor(),
        false, (s, deadline, progress) -> {
          s.resetBmc(cold);
          return "BMC " + kind + " reset requested";
        });
    response.onNext(ResetResponse.newBuilder().setTaskId(id).build());
    response.onCompleted();
  }

  @Override
  public void networkSource(NetworkSourceRequest request, StreamObserver<NetworkSourceResponse> response) {
    response.onError(Status.UNIMPLEMENTED.withDescription("NetworkSource is not implemented (nor is it in PBnJ): "
        + "set the BMC's address source on the BMC itself").asRuntimeException());
  }

  @Override
  public void deactivateSOL(DeactivateSOLRequest request, StreamObserver<DeactivateSOLResponse> response) {
    response.onError(Status.UNIMPLEMENTED.withDescription("DeactivateSOL is not implemented: no provider here "
        + "opens serial-over-LAN sessions").asRuntimeException());
  }

  private static UserAccount account(UserCreds creds, boolean create) {
    String username = checkUsername(creds.getUsername(), "user_creds.username");
    if (creds.getPassword().isEmpty()) {
      throw new InvalidArgumentException("user_creds.password is required");
    }
    if (!US_ASCII.newEncoder().canEncode(creds.getPassword())) {
      throw new InvalidArgumentException("user_creds.password must be ASCII (BMCs store bytes, and ASCII reads the "
          + "same on every one)");
    }
    if (creds.getPassword().length() > 20) {
      throw new InvalidArgumentException("user_creds.password is longer than 20 characters, the IPMI limit");
    }
    UserAccount.Role role = switch (creds.getUserRole()) {
      case USER_ROLE_ADMIN -> UserAccount.Role.ADMIN;
      case USER_ROLE_USER -> UserAccount.Role.USER;
      default -> {
        if (create || creds.getUserRole() != UserRole.USER_ROLE_UNSPECIFIED) {
          throw new InvalidArgumentException("user_creds.user_role must be USER_ROLE_ADMIN or USER_ROLE_USER");
        }
        yield null;
      }
    };
    return new UserAccount(username, Secret.of(creds.getPassword()), role);
  }

  private static String checkUsername(String username, String field) {
    if (username == null || username.isBlank()) {
      throw new InvalidArgumentException(field + " is required");
    }
    // ASCII letters only: the IPMI limit is 16 bytes, not characters
    if (username.length() > 16 || !username.matches("[A-Za-z0-9._-]+")) {
      throw new InvalidArgumentException(field + " '" + username
          + "' must be 1 to 16 letters, digits, '.', '_' or '-' (the IPMI limit)");
    }
    return username;
  }
}
