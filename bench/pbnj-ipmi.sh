#!/usr/bin/env bash
# Power status of 100 ipmi_sim BMCs (OpenIPMI's simulator, one process and UDP port each, on 127.0.0.1)
# through PBnJ, against a loop of ipmitool calls over the same BMCs, in one run. PBnJ runs as its own
# process and is asked for every BMC at once, as a client of its task API does; it is measured with its
# native IPMI provider and with its ipmitool provider. Reported: the median and best sweep time of each
# way and the share of BMCs whose answer matched the simulator's state. Needs openipmi and ipmitool.
#
# Usage: bench/pbnj-ipmi.sh [--bmcs N] [--rounds K]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v ipmi_sim >/dev/null && command -v ipmitool >/dev/null \
  || { echo "pbnj-ipmi: needs ipmi_sim and ipmitool (apt-get install openipmi ipmitool)" >&2; exit 1; }
JAVA_HOME=${JAVA_HOME:-$(./tinkerjvm java-home)}
export JAVA_HOME
./mvnw -q -B -DskipTests install -pl pbnj -am >&2
./mvnw -q -B test-compile -pl pbnj >&2
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "pbnj/target/test-classes:pbnj/target/classes:$(cat pbnj/target/classpath.txt)" \
  io.tinkerjvm.pbnj.bench.PbnjBenchmark "$@"
