package io.tinkerjvm.e2e.chaos;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The chaos run's settings, as {@code --name=value} flags. */
record ChaosOptions(Path repo, Path work, long seed, int machines, int bmcMachines, int tinkKills, int bootsKills,
    int pbnjKills, int postgresRestarts, int agentKills, int bootWindowSeconds, int timeoutMinutes, boolean keep) {

  static final String USAGE = """
      Usage: chaos [--name=value ...]   (as root: dockerd, ipmi_sim; everything on 127.0.0.1)
        --machines=50            machines, each a real osie-agent process, each with one workflow
        --bmc-machines=5         of them, machines with a BMC (ipmi_sim), powered on by tink-server through PBnJ
        --seed=<random>          the fault schedule's seed (printed; give it to replay the same schedule)
        --tink-kills=3 --boots-kills=2 --pbnj-kills=2 --postgres-restarts=1 --agent-kills=15
        --boot-window=30         machines without a BMC are powered on at random within this many seconds
        --timeout=12             minutes until the run gives up
        --work=<temp dir>        where logs, data and the report go (removed at the end unless --keep)
        --repo=<.>               the repository, built (target/classes, target/classpath.txt)
        --keep                   keep the work folder
      """;

  static ChaosOptions parse(String... args) {
    Map<String, String> m = new HashMap<>();
    for (String a : args) {
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + USAGE);
      }
      int eq = a.indexOf('=');
      m.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
    }
    for (String k : m.keySet()) {
      if (!java.util.List.of("machines", "bmc-machines", "seed", "tink-kills", "boots-kills", "pbnj-kills",
          "postgres-restarts", "agent-kills", "boot-window", "timeout", "work", "repo", "keep", "help").contains(k)) {
        throw new IllegalArgumentException("unknown setting --" + k + "\n" + USAGE);
      }
    }
    if (m.containsKey("help")) {
      return null;
    }
    long seed = m.containsKey("seed") ? Long.parseLong(m.get("seed")) : new java.security.SecureRandom().nextLong();
    Path work = m.containsKey("work") ? Path.of(m.get("work")) : null;
    int machines = Integer.parseInt(m.getOrDefault("machines", "50"));
    int bmc = Integer.parseInt(m.getOrDefault("bmc-machines", "5"));
    if (machines < 1 || bmc < 0 || bmc > machines) {
      throw new IllegalArgumentException("need 1 or more machines, and 0 to that many with a BMC");
    }
    return new ChaosOptions(Path.of(m.getOrDefault("repo", ".")).toAbsolutePath().normalize(), work, seed, machines,
        bmc, Integer.parseInt(m.getOrDefault("tink-kills", "3")), Integer.parseInt(m.getOrDefault("boots-kills", "2")),
        Integer.parseInt(m.getOrDefault("pbnj-kills", "2")), Integer.parseInt(m.getOrDefault("postgres-restarts", "1")),
        Integer.parseInt(m.getOrDefault("agent-kills", "15")), Integer.parseInt(m.getOrDefault("boot-window", "30")),
        Integer.parseInt(m.getOrDefault("timeout", "12")), m.containsKey("keep"));
  }
}
