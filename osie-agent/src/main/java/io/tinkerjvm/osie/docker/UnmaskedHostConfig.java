package io.tinkerjvm.osie.docker;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;

/**
 * A HostConfig with empty MaskedPaths and ReadonlyPaths, as {@code --security-opt systempaths=unconfined} sends
 * them (docker-java has no setter): what privileged gives, so an action can write /proc/sys and /proc/sysrq-trigger.
 */
final class UnmaskedHostConfig extends HostConfig {
  private static final long serialVersionUID = 1L;

  @JsonProperty("MaskedPaths")
  private final List<String> maskedPaths = List.of();

  @JsonProperty("ReadonlyPaths")
  private final List<String> readonlyPaths = List.of();

  List<String> maskedPaths() {
    return maskedPaths;
  }

  List<String> readonlyPaths() {
    return readonlyPaths;
  }
}
