#!/usr/bin/env bash
# Boot storm: N simulated machines (default 1000) boot at once against one stack (tink-server on its
# embedded Postgres, Boots, Hegel, each its own JVM from this tree's build), each through DHCP, TFTP, its
# iPXE script, Hegel and a workflow of two no-op actions. Prints p50/p99 per phase, the wall time, and the
# memory of every process; see docs/benchmarks.md ("Boot storm").
#
# Usage: bench/boot-storm.sh [machines=1000] [--warmup=N] [--work=DIR] [--keep] [--profile]
#   Needs this tree built (./tinkerjvm build, or the modules' target/classes and target/classpath.txt) and
#   Debian's ipxe package (/usr/lib/ipxe). Everything runs on 127.0.0.0/8; the machines' addresses are
#   127.20.x.y on lo. Not root: the ports are free high ones.
#   --warmup=N: boot N other machines first, unmeasured, so that the measured storm meets compiled code
#   --profile: a JFR recording of each service over the storm, in the work folder
#   env STORM_JAVA_OPTS: options for the load generator's JVM
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(./tinkerjvm java-home)}
for m in e2e tink-server boots hegel; do
  if [ ! -f "$m/target/classpath.txt" ] || [ ! -d "$m/target/classes" ]; then
    echo "boot-storm: $m is not built; run ./tinkerjvm build first" >&2
    exit 1
  fi
done
# this tree's own modules from target/classes, not from whatever ~/.m2 holds
cp=$(tr ':' '\n' < e2e/target/classpath.txt | sed -E "s#^.*/io/tinkerjvm/([a-z-]+)/[^/]+/\1-[^/]+-tests\.jar\$#$PWD/\1/target/test-classes#; s#^.*/io/tinkerjvm/([a-z-]+)/[^/]+/\1-[^/]+\.jar\$#$PWD/\1/target/classes#" | paste -sd:)
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${STORM_JAVA_OPTS:-} \
  -cp "$PWD/e2e/target/classes:$cp" io.tinkerjvm.e2e.storm.BootStorm --repo="$PWD" "$@"
