#!/usr/bin/env bash
# Chaos: 50 workflows on 50 osie-agent processes while tink-server, Boots, PBnJ and agents are killed with
# kill -9 and Postgres is restarted; prints the seed, each fault's recovery times, and the checks (docs/reliability.md).
#   bench/chaos.sh [--seed=N] [--machines=50] [--keep] [--help]
# Needs root (dockerd with safe flags, ipmi_sim), Debian's docker.io, docker-registry, openipmi, ipmitool and
# busybox-static, and the modules built into target/ (it builds the e2e module and what it needs, without
# installing anything into ~/.m2). Everything listens on 127.0.0.1; no DHCP is served.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(./tinkerjvm java-home)}
export JAVA_HOME
case " $* " in *" --help "*) ;; *)
  ./mvnw -q -B -pl e2e -am -DskipTests package >&2 ;;
esac
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "e2e/target/classes:$(cat e2e/target/classpath.txt)" io.tinkerjvm.e2e.chaos.ChaosRun --repo="$PWD" "$@"
