package io.tinkerjvm.boots.hardware;

import io.tinkerjvm.proto.tink.hardware.Hardware;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Interfaces by MAC and by IP, and which MACs each hardware record owns, so that a change replaces them all. */
final class MachineIndex {
  private final Map<String, Machine> byMac = new ConcurrentHashMap<>();
  private final Map<String, Machine> byIp = new ConcurrentHashMap<>();
  private final Map<String, List<Machine>> byHardware = new ConcurrentHashMap<>();

  /** New entries go in before stale ones come out, so that a lookup during an update never misses. */
  synchronized void put(Hardware hw) {
    List<Machine> machines = Machine.fromHardware(hw);
    List<Machine> old = byHardware.put(hw.getId(), machines);
    for (Machine m : machines) {
      byMac.put(m.mac(), m);
      if (m.hasAddress()) {
        byIp.put(m.ip(), m);
      }
    }
    if (old != null) {
      for (Machine m : old) {
        byMac.remove(m.mac(), m); // a no-op where the new record replaced it
        if (m.hasAddress()) {
          byIp.remove(m.ip(), m);
        }
      }
    }
  }

  synchronized void remove(String hardwareId) {
    List<Machine> old = byHardware.remove(hardwareId);
    if (old == null) {
      return;
    }
    for (Machine m : old) {
      byMac.remove(m.mac(), m);
      if (m.hasAddress()) {
        byIp.remove(m.ip(), m);
      }
    }
  }

  synchronized void clear() {
    byMac.clear();
    byIp.clear();
    byHardware.clear();
  }

  Optional<Machine> byMac(String mac) {
    return Optional.ofNullable(byMac.get(mac));
  }

  Optional<Machine> byIp(String ip) {
    return Optional.ofNullable(byIp.get(ip));
  }

  int size() {
    return byMac.size();
  }
}
