package io.tinkerjvm.osie.docker;

/** How an action container gets the privileges tink-worker gives every action (Privileged: true). */
public enum PrivilegeMode {
  /** Privileged: true, as tink-worker does. */
  FULL,
  /** CapAdd ALL minus the capabilities this host's bounding set lacks, seccomp unconfined, the host's devices. */
  ALL_ALLOWED_CAPS,
  /** FULL, falling back to ALL_ALLOWED_CAPS once the engine refuses privileged with "operation not permitted". */
  AUTO
}
