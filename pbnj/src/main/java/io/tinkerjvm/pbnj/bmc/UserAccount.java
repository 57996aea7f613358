package io.tinkerjvm.pbnj.bmc;

/** A BMC user to create or update. */
public record UserAccount(String username, Secret password, Role role) {
  public enum Role { ADMIN, USER }
}
