package io.tinkerjvm.hegel.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Machines by the addresses they ask from. An address that two records claim answers nobody (the router
 * says so), because serving either would hand one machine's data to the other.
 */
public final class MetadataIndex {
  private final Map<String, List<MachineMetadata>> byIp = new ConcurrentHashMap<>();
  private final Map<String, MachineMetadata> byHardware = new ConcurrentHashMap<>();

  /** Who asks from {@code ip}: empty when nobody, more than one when the address is claimed twice. */
  public List<MachineMetadata> byIp(String ip) {
    return byIp.getOrDefault(ip, List.of());
  }

  public int size() {
    return byHardware.size();
  }

  /** Each address's list is replaced whole, so that a lookup during an update sees the old or the new record. */
  public synchronized void put(MachineMetadata m) {
    MachineMetadata old = byHardware.put(m.hardwareId(), m);
    for (String ip : m.ips()) {
      byIp.compute(ip, (k, list) -> replace(list, old, m));
    }
    if (old != null) {
      for (String ip : old.ips()) {
        if (!m.ips().contains(ip)) {
          byIp.compute(ip, (k, list) -> replace(list, old, null));
        }
      }
    }
  }

  public synchronized void remove(String hardwareId) {
    MachineMetadata old = byHardware.remove(hardwareId);
    if (old != null) {
      for (String ip : old.ips()) {
        byIp.compute(ip, (k, list) -> replace(list, old, null));
      }
    }
  }

  private static List<MachineMetadata> replace(List<MachineMetadata> list, MachineMetadata old,
      MachineMetadata now) {
    List<MachineMetadata> out = new ArrayList<>(list == null ? List.of() : list);
    out.removeIf(x -> x == old || now != null && x.hardwareId().equals(now.hardwareId()));
    if (now != null) {
      out.add(now);
    }
    return out.isEmpty() ? null : List.copyOf(out);
  }
}
