#!/usr/bin/env bash
# DHCP throughput of Boots against ISC Kea, in one run: complete 4-way exchanges (DISCOVER, OFFER,
# REQUEST, ACK) per second, measured by perfdhcp (package kea-admin), with N machines that each have
# a reserved address. Both servers get the same reservations, the same network and the same load:
#   two network namespaces joined by a veth pair; the server runs in one (10.213.0.1/16), perfdhcp in
#   the other (10.213.0.2/16), picking a random MAC from the N reserved ones for every exchange.
#
# What is measured, for each server in turn (same procedure for both):
#   1. a sanity exchange (must succeed) and a warm-up (JIT, caches), results ignored;
#   2. unless --rate is given: a search for the highest offered rate (perfdhcp -r) at which no more
#      than --max-drop percent of the exchanges are lost (short probes: double until it fails, then
#      bisect), because past its capacity a server's rate collapses and the figures are noise;
#   3. measured rounds: perfdhcp -r <that rate> -p <duration>, each on a freshly started and warmed-up
#      server, the servers alternating (ABBA); a run that loses too much is repeated 3% lower (at most
#      5 times). The round with the median rate goes into the summary:
#      perfdhcp's "Rate" line, drops per exchange type, delays, the server's CPU use. Goal: Boots' rate
#      >= 1.0x Kea's, with Boots losing at most 2.5% of the exchanges.
# Other processes on the machine skew everything: run it on an otherwise idle machine. A run of both
# servers with the defaults takes about 5-6 minutes.
#
# Usage (root; needs ip, perfdhcp, kea-dhcp4; Boots is started through ../tinkerjvm):
#   bench/boots-dhcp.sh [--machines N] [--only kea|boots] [--rate R] [--duration S] [--rounds K]
#                       [--probe S] [--max-drop PCT] [--mode broadcast|relay] [--kea-threads T] [--out DIR]
#   --machines N    machines (MACs with reservations), default 1000 (env BENCH_MACHINES)
#   --only SIDE     run only one server (default: both, Kea first)
#   --rate R        skip the search; run both servers at the same offered rate R
#   --duration S    seconds of each measured run, default 15; --rounds K: measured runs per server, default 3
#   --probe S       seconds per search probe, default 6
#   --max-drop PCT  exchange loss allowed, default 2.5
#   --mode broadcast: DISCOVER/REQUEST go to 255.255.255.255 (default); relay: unicast to 10.213.0.1
#   --kea-threads T Kea multi-threading pool size, default nproc; 0 = single-threaded Kea
#   --out DIR       copy perfdhcp outputs, server logs and configs there (default: nothing is kept)
#   env BOOTS_LOG_LEVEL: Boots' log level, default WARN (no line per request, like the reference server);
#   env TINKERJVM: the launcher used for Boots, default ../tinkerjvm (a stand-in, to test the harness)
#
# perfdhcp note: in both modes it sends from <its address>:67 with giaddr = its address and hops = 1,
# i.e. like a relay agent, and it listens on a socket bound to 10.213.0.2:67. A server must answer
# unicast to giaddr:67 (a broadcast answer does not reach that socket) and put its server identifier
# (option 54) in the OFFER, which perfdhcp copies into the REQUEST.
set -euo pipefail

die() { echo "boots-dhcp: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

here=$(cd "$(dirname "$0")" && pwd)
tinkerjvm=${TINKERJVM:-$(cd "$here/.." && pwd)/tinkerjvm}   # env TINKERJVM: another launcher (tests)

machines=${BENCH_MACHINES:-1000}
only=both
fixed_rate=
duration=15
rounds=3
probe=6
max_drop=2.5
mode=broadcast
kea_threads=$(nproc)
out_dir=
warmup=3          # seconds of warm-up load
warmup_rate=1000  # offered rate of the warm-up
start_rate=1000   # first probe of the search
max_rate=200000   # the search stops doubling here
exit_wait_us=250000   # perfdhcp -W: after the last send, wait this long for answers (counted in Rate's time)

while [ $# -gt 0 ]; do
  case "$1" in
    --machines|-n) machines=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --rate) fixed_rate=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --probe) probe=$2; shift 2 ;;
    --max-drop) max_drop=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --kea-threads) kea_threads=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
case "$only" in both|kea|boots) ;; *) die "--only takes kea or boots" ;; esac
case "$mode" in broadcast|relay) ;; *) die "--mode takes broadcast or relay" ;; esac
for v in rounds duration probe; do [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive whole number"; done
[ -z "$fixed_rate" ] || [[ "$fixed_rate" =~ ^[1-9][0-9]*$ ]] || die "--rate must be a positive whole number"
[[ "$kea_threads" =~ ^[0-9]+$ ]] || die "--kea-threads must be a number"
[[ "$max_drop" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--max-drop must be a percentage, e.g. 2.5"
[[ "$machines" =~ ^[0-9]+$ ]] && [ "$machines" -ge 1 ] && [ "$machines" -le 65000 ] \
  || die "--machines must be 1..65000 (one /16)"
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, DHCP ports)"
for tool in ip perfdhcp awk; do command -v "$tool" >/dev/null || die "$tool not found"; done
if [ "$only" != boots ]; then command -v kea-dhcp4 >/dev/null || die "kea-dhcp4 not found (package kea-dhcp4-server)"; fi
if [ "$only" != kea ]; then [ -x "$tinkerjvm" ] || die "$tinkerjvm not found"; fi

# --- everything this run creates; removed by cleanup() -------------------------------------------
srv_ns=bb-dhcp-s-$$
cli_ns=bb-dhcp-c-$$
srv_if=bbs$$      # veth ends are created inside the namespaces, so the names never touch the host
cli_if=bbc$$
srv_ip=10.213.0.1
cli_ip=10.213.0.2
work=$(mktemp -d /tmp/bb-dhcp.XXXXXX)
server_pid=
perf_pid=

cleanup() {
  local rc=$?
  set +e
  if [ -n "$perf_pid" ] && kill -0 "$perf_pid" 2>/dev/null; then kill "$perf_pid"; wait "$perf_pid"; fi
  stop_server
  ip netns del "$srv_ns" 2>/dev/null
  ip netns del "$cli_ns" 2>/dev/null
  rm -rf "/etc/netns/$cli_ns" "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# --- machines: one line each, "mac ip hostname uuid" ----------------------------------------------
# Machine i (0-based) gets MAC 02:bb:00:xx:xx:xx (locally administered) and 10.213.0.10 + i.
awk -v n="$machines" 'BEGIN {
  for (i = 0; i < n; i++) {
    a = 10 + i
    printf "02:bb:00:%02x:%02x:%02x 10.213.%d.%d m%d 00000000-0000-4000-8000-%012x\n",
      int(i / 65536) % 256, int(i / 256) % 256, i % 256, int(a / 256), a % 256, i + 1, i + 1
  }
}' >"$work/machines.txt"
awk '{print $1}' "$work/machines.txt" >"$work/macs.txt"

# Boots: Tinkerbell hardware documents, one JSON array.
awk -v gw="$srv_ip" 'BEGIN {print "["}
  { printf "%s{\"id\":\"%s\",\"metadata\":{\"instance\":{\"hostname\":\"%s\"}},\"network\":{\"interfaces\":[{\"dhcp\":{\"mac\":\"%s\",\"hostname\":\"%s\",\"lease_time\":86400,\"arch\":\"x86_64\",\"ip\":{\"address\":\"%s\",\"netmask\":\"255.255.0.0\",\"gateway\":\"%s\"}},\"netboot\":{\"allow_pxe\":true,\"allow_workflow\":true}}]}}\n",
      (NR > 1 ? "," : ""), $4, $3, $1, $3, $2, gw }
  END {print "]"}' "$work/machines.txt" >"$work/hardware.json"

# Kea: the same reservations (MAC -> address, hostname), no dynamic pool, so like Boots in
# reservation mode it answers only the known machines.
# - Lease database: memfile with persist=false. Boots in reservation mode keeps no lease state at all;
#   Kea still keeps its leases in memory but does not append each one to a CSV file. This favours Kea
#   (persisting cost it a few percent in a trial), so it makes the goal harder, not easier.
# - Socket type raw: with "udp" Kea binds 10.213.0.1:67 and never sees the 255.255.255.255 broadcasts
#   (tried: 100% drops); raw serves both --mode broadcast and --mode relay.
# - Multi-threading on with nproc threads: on 2 cores it carries far more than single-threaded Kea
#   (trial: 7,200-7,800/s within 2.5% loss, against ~5,300/s single-threaded), so the reference is Kea at
#   its best. --kea-threads 0 gives single-threaded Kea.
# - Logging: INFO for start-up messages, WARN for the per-lease logger (it logs every lease at INFO).
{
  cat <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["$srv_if"], "dhcp-socket-type": "raw"},
  "lease-database": {"type": "memfile", "persist": false},
  "multi-threading": {"enable-multi-threading": $([ "$kea_threads" -gt 0 ] && echo true || echo false),
                      "thread-pool-size": $kea_threads, "packet-queue-size": 64},
  "host-reservation-identifiers": ["hw-address"],
  "valid-lifetime": 86400,
  "loggers": [
    {"name": "kea-dhcp4", "output_options": [{"output": "stdout"}], "severity": "INFO"},
    {"name": "kea-dhcp4.leases", "output_options": [{"output": "stdout"}], "severity": "WARN"}
  ],
  "subnet4": [{
    "id": 1, "subnet": "10.213.0.0/16",
    "option-data": [{"name": "routers", "data": "$srv_ip"}],
    "reservations": [
EOF
  awk '{printf "%s      {\"hw-address\": \"%s\", \"ip-address\": \"%s\", \"hostname\": \"%s\"}\n", (NR > 1 ? "," : ""), $1, $2, $3}' \
    "$work/machines.txt"
  echo '    ]}]}}'
} >"$work/kea-dhcp4.json"

# --- network: server ns <-veth-> client ns ----------------------------------------------------------
ip netns add "$srv_ns"
ip netns add "$cli_ns"
ip link add "$srv_if" netns "$srv_ns" type veth peer name "$cli_if" netns "$cli_ns"
for ns in "$srv_ns" "$cli_ns"; do ip -n "$ns" link set lo up; done
ip -n "$srv_ns" addr add "$srv_ip/16" dev "$srv_if"
ip -n "$cli_ns" addr add "$cli_ip/16" dev "$cli_if"
ip -n "$srv_ns" link set "$srv_if" up
ip -n "$cli_ns" link set "$cli_if" up
mkdir -p "/etc/netns/$cli_ns"
echo '# boots-dhcp benchmark: no resolver' >"/etc/netns/$cli_ns/resolv.conf"

if [ "$mode" = broadcast ]; then perf_target=(-l "$cli_if"); else perf_target=(-l "$cli_ip" "$srv_ip"); fi

# perfdhcp RATE SECONDS OUTFILE: one perfdhcp run from the client namespace; 0 or 3 (some exchanges
# lost) are both normal exits.
perfdhcp_run() {
  local rc=0
  ip netns exec "$cli_ns" perfdhcp -4 -M "$work/macs.txt" -r "$1" -p "$2" -W "$exit_wait_us" \
    "${perf_target[@]}" >"$3" 2>&1 &
  perf_pid=$!
  wait "$perf_pid" || rc=$?
  perf_pid=
  case "$rc" in 0|3) ;; *) cat "$3" >&2; die "perfdhcp exited with $rc" ;; esac
}

# Parse a perfdhcp report into shell assignments: rate, do_sent, do_recv, do_drop, do_avg, ra_sent,
# ra_recv, ra_drop, ra_avg, loss (percent of DISCOVERs that did not end in an ACK).
perfdhcp_parse() {
  awk '
    /^Rate:/ { rate = $2 }
    /Statistics for: DISCOVER-OFFER/ { s = "do" }
    /Statistics for: REQUEST-ACK/ { s = "ra" }
    s != "" && /^sent packets:/ { sent[s] = $3 }
    s != "" && /^received packets:/ { recv[s] = $3 }
    s != "" && /^drops ratio:/ { drop[s] = $3 }
    s != "" && /^avg delay:/ { avg[s] = $3 }
    END {
      if (rate == "") rate = 0
      printf "rate=%s\n", rate
      for (k in sent) printf "%s_sent=%d\n%s_recv=%d\n%s_drop=%s\n%s_avg=%s\n", k, sent[k], k, recv[k], k, drop[k], k, avg[k]
      loss = sent["do"] > 0 ? 100 * (1 - recv["ra"] / sent["do"]) : 100
      printf "loss=%.3f\n", loss
    }' "$1"
}

# within_loss FILE: true when the run lost at most max_drop percent of its exchanges.
within_loss() {
  local loss
  loss=$(perfdhcp_parse "$1" | sed -n 's/^loss=//p')
  awk -v l="$loss" -v m="$max_drop" 'BEGIN {exit !(l <= m)}'
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

start_kea() {
  KEA_PIDFILE_DIR=$work KEA_LOCKFILE_DIR=$work \
    ip netns exec "$srv_ns" kea-dhcp4 -c "$work/kea-dhcp4.json" >"$work/kea.log" 2>&1 &
  server_pid=$!
  wait_for_line "$work/kea.log" DHCP4_STARTED 30 kea
}

# Boots logs every reply at INFO; like Kea's per-lease logger above, that is turned off (WARN) unless
# BOOTS_LOG_LEVEL says otherwise.
start_boots() {
  BOOTS_LOG_LEVEL=${BOOTS_LOG_LEVEL:-WARN} ip netns exec "$srv_ns" "$tinkerjvm" boots \
    --public-ip="$srv_ip" --dhcp-mode=reservation --dhcp-port=67 --tftp-port=0 --http-port=0 --syslog-port=0 \
    --backend=file --hardware-file="$work/hardware.json" >"$work/boots.log" 2>"$work/boots.err" &
  server_pid=$!   # tinkerjvm execs java, so this is the JVM
  wait_for_line "$work/boots.log" 'is up' 120 boots
}

# wait_for_line FILE PATTERN SECONDS NAME
wait_for_line() {
  local i
  for i in $(seq 1 $(($3 * 5))); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      tail -n 30 "$1" "${1%.log}.err" 2>/dev/null >&2; die "$4 exited before it was up"
    fi
    sleep 0.2
  done
  tail -n 30 "$1" >&2; die "$4 not up after $3 s (no line matching '$2')"
}

# start_checked NAME: start the server, check that it answers, warm it up.
start_checked() {
  local name=$1 i
  log "$name: starting"
  "start_$name"
  # Sanity: ~10 exchanges at 10/s must all complete, else the setup is wrong and there is no point measuring.
  for i in 1 2 3; do
    perfdhcp_run 10 1 "$work/$name.sanity.txt"
    within_loss "$work/$name.sanity.txt" && break
    [ "$i" -lt 3 ] || { cat "$work/$name.sanity.txt" >&2
      die "$name: sanity exchanges failed (perfdhcp wants the replies unicast to giaddr $cli_ip port 67)"; }
  done
  log "$name: warm-up ${warmup}s at ${warmup_rate}/s"
  perfdhcp_run "$warmup_rate" "$warmup" "$work/$name.warmup.txt"
}

# search NAME: highest offered rate with at most max_drop% loss, into $work/NAME.rate. Doubles from
# start_rate until a probe loses too much (or halves until one passes), then bisects to within 2.5%.
search() {
  local name=$1 rate lo=0 hi=0 f loss verdict
  rate=$start_rate
  : >"$work/$name.search"
  while :; do
    f=$work/$name.probe-$rate.txt
    perfdhcp_run "$rate" "$probe" "$f"
    loss=$(perfdhcp_parse "$f" | sed -n 's/^loss=//p')
    if within_loss "$f"; then verdict=ok lo=$rate; else verdict=lost hi=$rate; fi
    echo "$rate $loss $verdict" >>"$work/$name.search"
    log "$name: probe ${rate}/s: loss ${loss}% ($verdict)"
    sleep 1   # let an overloaded server drain its queues
    if [ "$hi" -eq 0 ]; then
      [ "$rate" -lt "$max_rate" ] || break
      rate=$((rate * 2))
    elif [ "$lo" -eq 0 ]; then
      [ "$rate" -gt 50 ] || break
      rate=$((rate / 2))
    else
      [ $((hi - lo)) -gt $((lo / 40)) ] && [ $((hi - lo)) -gt 50 ] || break
      rate=$(((lo + hi) / 100 * 50))   # midpoint, rounded down to 50/s
      [ "$rate" -gt "$lo" ] || break
    fi
  done
  [ "$lo" -gt 0 ] || die "$name: loses more than $max_drop% even at ${rate}/s"
  echo "$lo" >"$work/$name.rate"
}

# measure NAME ROUND: the measured run, into $work/NAME.rROUND.result. It starts at $work/NAME.rate;
# without --rate, a run that loses more than max_drop% is repeated 3% lower (5 times at most): near
# its capacity a server tips over on a hiccup and then loses most exchanges, so a round reports the
# highest offered rate it carried for the whole run.
measure() {
  local name=$1 round=$2 rate try t0 t1 c0 c1 f tries=
  rate=$(cat "$work/$name.rate")
  f=$work/$name.run$round.txt
  for try in 0 1 2 3 4 5; do
    log "$name: round $round, ${duration}s at ${rate}/s"
    c0=$(cpu_ticks "$server_pid"); t0=$(date +%s%N)
    perfdhcp_run "$rate" "$duration" "$f"
    t1=$(date +%s%N); c1=$(cpu_ticks "$server_pid")
    tries="$tries${tries:+,}$rate:$(perfdhcp_parse "$f" | sed -n 's/^loss=//p')"
    if [ -n "$fixed_rate" ] || within_loss "$f" || [ "$try" -eq 5 ]; then break; fi
    log "$name: round $round lost $(perfdhcp_parse "$f" | sed -n 's/^loss=//p')% at ${rate}/s; 3% lower"
    rate=$((rate * 97 / 100 / 10 * 10))
    sleep 1
  done
  {
    echo "target=$rate"
    echo "tries=$tries"
    perfdhcp_parse "$f"
    awk -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v ns=$((t1 - t0)) 'BEGIN {printf "cpu=%.0f\n", 100 * c / hz / (ns / 1e9)}'
  } >"$work/$name.r$round.result"
  log "$name: round $round: $(grep -E '^(rate|loss)=' "$work/$name.r$round.result" | tr '\n' ' ')"
}

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
# CPU busy in the second before the run: other work on the machine skews the figures.
busy_at_start=$( (head -1 /proc/stat; sleep 1; head -1 /proc/stat) | awk '{idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i}
  NR == 1 {i0 = idle; t0 = total} NR == 2 {printf "%.0f", 100 * (1 - (idle - i0) / (total - t0))}')
[ "$busy_at_start" -le 10 ] || log "warning: the CPUs were ${busy_at_start}% busy before the start; the figures will be skewed"

if [ "$only" != kea ]; then
  # Build before entering the namespace: it has no route out, so Maven could not download anything there.
  log "boots: ./tinkerjvm build (no-op when up to date)"
  "$tinkerjvm" build >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "tinkerjvm build failed"; }
fi
servers=()
[ "$only" = boots ] || servers+=(kea)
[ "$only" = kea ] || servers+=(boots)

# Phase 1: the offered rate of each server (searched, or --rate for both).
for s in "${servers[@]}"; do
  if [ -n "$fixed_rate" ]; then
    echo "$fixed_rate" >"$work/$s.rate"
  else
    start_checked "$s"
    search "$s"
    stop_server
  fi
done
# Phase 2: measured rounds, each on a freshly started and warmed-up server, in ABBA order
# (Kea, Boots, Boots, Kea, ...) so that a drift of the machine does not favour one side.
for round in $(seq 1 "$rounds"); do
  order=("${servers[@]}")
  if [ $((round % 2)) -eq 0 ] && [ "${#servers[@]}" -eq 2 ]; then order=("${servers[1]}" "${servers[0]}"); fi
  for s in "${order[@]}"; do
    start_checked "$s"
    measure "$s" "$round"
    [ "$s" = boots ] && { readlink "/proc/$server_pid/exe" >"$work/boots.java" 2>/dev/null || true; }
    stop_server
  done
done

# The round with the median rate stands for the server (lower middle for an even count).
for s in "${servers[@]}"; do
  for round in $(seq 1 "$rounds"); do
    echo "$(sed -n 's/^rate=//p' "$work/$s.r$round.result") $round"
  done | sort -g | awk '{r[NR] = $2} END {print r[int((NR + 1) / 2)]}' >"$work/$s.median"
  cp "$work/$s.r$(cat "$work/$s.median").result" "$work/$s.result"
done

# --- report --------------------------------------------------------------------------------------------
pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
echo
echo "== Boots vs Kea: DHCPv4 4-way exchanges per second (perfdhcp) =="
echo "date:     $started (CPUs ${busy_at_start}% busy in the second before the start)"
echo "machine:  $(nproc) CPU, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)"
echo "packages: kea-dhcp4-server $(pkg_version kea-dhcp4-server), kea-admin (perfdhcp) $(pkg_version kea-admin)"
if [ -s "$work/boots.java" ]; then echo "boots JVM: $("$(cat "$work/boots.java")" -version 2>&1 | head -1)"; fi
echo "setup:    $machines machines with reservations; perfdhcp $mode mode, -M (random reserved MAC per exchange), -W ${exit_wait_us}us;"
echo "          Kea memfile persist=false, raw socket, multi-threading: $kea_threads threads, per-lease log off;"
[ "$only" = kea ] || echo "          Boots log level ${BOOTS_LOG_LEVEL:-WARN}"
if [ -n "$fixed_rate" ]; then
  echo "load:     fixed offered rate ${fixed_rate}/s for both"
else
  echo "load:     offered rate = highest with <= ${max_drop}% exchange loss in ${probe} s probes:"
  for s in "${servers[@]}"; do
    echo "          $s: $(awk '{printf "%s%s/s %.2f%% %s", (NR > 1 ? ", " : ""), $1, $2, $3}' "$work/$s.search")"
  done
fi
echo "rounds:   $rounds x ${duration} s per server, each on a fresh server after a ${warmup} s warm-up$([ -n "$fixed_rate" ] || echo ", 3% lower while it loses more"); rate/s per round:"
for s in "${servers[@]}"; do
  printf '          %s:' "$s"
  for round in $(seq 1 "$rounds"); do
    (. "$work/$s.r$round.result"; printf ' %.1f (%.2f%% at %s/s)' "$rate" "$loss" "$target")
  done
  echo "; median round: $(cat "$work/$s.median")"
done
echo "(rate = perfdhcp's 'Rate:' line: completed exchanges / (test period + exit wait); loss = DISCOVERs that got no ACK;"
echo " delays: perfdhcp's averages; CPU% = server process CPU time / wall time of the run, 100 = one core)"
echo
printf '%-6s %9s %10s %9s %9s %8s %10s %10s %6s\n' server 'offered/s' 'rate/s' 'DO drop%' 'RA drop%' 'loss%' 'DO avg ms' 'RA avg ms' 'CPU%'
for s in "${servers[@]}"; do
  (
    . "$work/$s.result"
    printf '%-6s %9s %10.1f %9.3f %9.3f %8.3f %10s %10s %6s\n' "$s" "$target" "$rate" "${do_drop:-100}" "${ra_drop:-100}" \
      "$loss" "${do_avg:-n/a}" "${ra_avg:-n/a}" "$cpu"
  )
done
if [ "$only" = both ]; then
  kr=$(sed -n 's/^rate=//p' "$work/kea.result")
  br=$(sed -n 's/^rate=//p' "$work/boots.result")
  bl=$(sed -n 's/^loss=//p' "$work/boots.result")
  ratio=$(awk -v b="$br" -v k="$kr" 'BEGIN {printf "%.2f", (k > 0 ? b / k : 0)}')
  met=$(awk -v r="$ratio" -v l="$bl" -v m="$max_drop" 'BEGIN {print (r >= 1.0 && l <= m) ? "met" : "NOT met"}')
  echo
  echo "Boots/Kea rate (median rounds): ${ratio}x, Boots loss ${bl}% (goal >= 1.0x with <= ${max_drop}% loss: $met)"
fi

if [ -n "$out_dir" ]; then
  mkdir -p "$out_dir"
  cp "$work"/*.txt "$work"/*.json "$work"/*.log "$work"/*.result "$work"/*.search "$out_dir"/ 2>/dev/null || true
  [ -f "$work/boots.err" ] && cp "$work/boots.err" "$out_dir"/
  log "outputs copied to $out_dir"
fi
