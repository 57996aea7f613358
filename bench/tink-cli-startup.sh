#!/usr/bin/env bash
# Wall time of `tink hardware list` against a running tink-server, side by side with a bare `java -version`
# of the same JDK, interleaved in one run. Prints medians; see docs/benchmarks.md.
#   ./tinkerjvm bench-cli [RUNS]   (default 30 runs of each)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
./tinkerjvm build >/dev/null 2>&1
. tink-cli/target/launch.sh
work=$(mktemp -d /tmp/tink-cli-bench.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./tinkerjvm up --bind-address=127.0.0.1 --grpc-port="$port" --http-port="$hport" --data-dir="$work/data" \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do grep -q ' is up' "$work/server.log" 2>/dev/null && break; sleep 0.5; done
grep -q ' is up' "$work/server.log" || { cat "$work/server.log"; exit 1; }
export TINKERBELL_GRPC_AUTHORITY=127.0.0.1:$port

mkdir -p "$work/hw"
for i in $(seq 1 50); do
  printf '{"id":"%s","network":{"interfaces":[{"dhcp":{"mac":"02:00:00:00:%02x:%02x","hostname":"node-%d","ip":{"address":"10.0.%d.%d"}}}]}}\n' \
    "$(python3 -c 'import uuid; print(uuid.uuid4())')" $((i / 256)) $((i % 256)) "$i" $((i / 250)) $((i % 250 + 1)) >"$work/hw/$i.json"
done
bin/tink hardware push "$work/hw" >/dev/null

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
plain_opts=$(echo "$TINK_JAVA_OPTS" | sed 's/-XX:AOTCache=[^ ]*//; s/-XX:SharedArchiveFile=[^ ]*//')
for _ in 1 2 3; do ms "$TINK_JAVA" -version >/dev/null; ms bin/tink hardware list >/dev/null; done
: >"$work/jv"; : >"$work/tink"; : >"$work/nocds"
for _ in $(seq 1 "$runs"); do
  ms "$TINK_JAVA" -version >>"$work/jv"
  ms bin/tink hardware list >>"$work/tink"
  # shellcheck disable=SC2086
  ms "$TINK_JAVA" $plain_opts -Xshare:auto -cp "$TINK_CP" io.tinkerjvm.cli.Tink hardware list >>"$work/nocds"
done
jv=$(median <"$work/jv"); tk=$(median <"$work/tink"); nc=$(median <"$work/nocds")
rows=$(bin/tink hardware list --no-headers --format csv | wc -l)
echo "machine: $(nproc) cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$TINK_JAVA" -version 2>&1 | head -1)"
echo "runs: $runs each, interleaved; tink-server on loopback holding $rows hardware records"
echo "java -version                          median ${jv} ms"
echo "tink hardware list (bin/tink, archive)  median ${tk} ms  ($(awk -v a="$tk" -v b="$jv" 'BEGIN {printf "%.1f", a / b}')x java -version)"
echo "tink hardware list (no archive)         median ${nc} ms  ($(awk -v a="$nc" -v b="$jv" 'BEGIN {printf "%.1f", a / b}')x java -version)"
