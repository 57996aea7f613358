package io.tinkerjvm.boots.hardware;

import java.util.Optional;

/** Where Boots looks machines up: Tink over gRPC (cached) or a file. Lookups take a normalized MAC or IP. */
public interface HardwareSource extends AutoCloseable {

  Optional<Machine> byMac(String mac);

  Optional<Machine> byIp(String ip);

  /**
   * True when lookups are answered from memory, so that a packet loop may call them inline. When false, a
   * lookup may go over the network and callers run it off the loop.
   */
  boolean answersFromMemory();

  /** Null when lookups work, otherwise what is wrong (for /healthz). */
  String healthProblem();

  /** Number of interfaces known, for metrics. */
  int size();

  @Override
  void close();
}
