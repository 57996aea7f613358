#!/usr/bin/env bash
# TFTP under concurrency, Boots against tftpd-hpa, in one run: N clients (default 200) fetch the iPXE
# binary /usr/lib/ipxe/undionly.kpxe at the same time from a server on 127.0.0.1 (a free high port).
# Reported per server: wall time of the whole batch (start to last fetch finished; best and median of
# the rounds), per-fetch p50/p99 (median round), failed fetches, and whether every fetched copy is
# byte-identical (SHA-1) to the original. Goal: Boots/tftpd-hpa batch time <= 1.0, as the median of
# the per-round ratios (each round runs both servers back to back, so slow drift of the machine cancels).
#
# Both servers serve the same directory, side by side on different ports. Each round starts both
# afresh, gives each two unmeasured warm-up batches, then runs one measured batch of each, back to
# back, alternating which goes first (ABBA).
# The client is curl (--tftp-blksize 1468 by default). By default ONE curl process runs all N
# transfers concurrently (--parallel): starting N curl processes costs more time than the transfers
# themselves on a small machine (trial: 1.7 s to fork 200 curls for a 0.4 s batch). --procs starts one
# curl per fetch instead.
# Other processes on the machine skew everything: run it on an otherwise idle machine.
#
# Usage (root: tftpd-hpa chroots into the served directory):
#   bench/boots-tftp.sh [--clients N] [--blksize B] [--rounds K] [--only tftpd|boots] [--procs]
#                       [--file PATH] [--out DIR]
#   --clients N   concurrent fetches, default 200 (at most 300 without --procs: curl's --parallel-max cap)
#   --blksize B   TFTP block size option sent by curl, default 1468
#   --rounds K    measured batches per server, default 9
#   --only SIDE   run only tftpd (tftpd-hpa) or boots
#   --procs       one curl process per fetch, all started at once, instead of one curl --parallel
#   --file PATH   the file to serve, default /usr/lib/ipxe/undionly.kpxe (package ipxe)
#   --out DIR     keep the per-fetch timings and server logs there (default: nothing is kept)
#   env BOOTS_LOG_LEVEL: Boots' log level, default WARN (no line per request, like the reference server);
#   env TINKERJVM: the launcher used for Boots, default ../tinkerjvm (a stand-in, to test the harness)
set -euo pipefail

die() { echo "boots-tftp: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

here=$(cd "$(dirname "$0")" && pwd)
tinkerjvm=${TINKERJVM:-$(cd "$here/.." && pwd)/tinkerjvm}   # env TINKERJVM: another launcher (tests)

clients=200
blksize=1468
rounds=9
warmups=2          # unmeasured batches per server per round, after its start
only=both
procs=no
file=/usr/lib/ipxe/undionly.kpxe
out_dir=
fetch_timeout=60   # seconds, per fetch (curl --max-time)

while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients=$2; shift 2 ;;
    --blksize) blksize=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --procs) procs=yes; shift ;;
    --file) file=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
case "$only" in both|boots) ;; tftpd|tftpd-hpa) only=tftpd ;; *) die "--only takes tftpd or boots" ;; esac
[[ "$clients" =~ ^[1-9][0-9]*$ ]] || die "--clients must be a positive number"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive number"
[[ "$blksize" =~ ^[0-9]+$ ]] && [ "$blksize" -ge 8 ] && [ "$blksize" -le 65464 ] || die "--blksize must be 8..65464"
[ "$procs" = yes ] || [ "$clients" -le 300 ] || die "curl --parallel runs at most 300 transfers at once; use --procs for more"
[ "$(id -u)" -eq 0 ] || die "must run as root (tftpd-hpa chroots into the served directory)"
[ -f "$file" ] || die "$file not found (package ipxe)"
for tool in curl ss sha1sum awk; do command -v "$tool" >/dev/null || die "$tool not found"; done
if [ "$only" != boots ]; then command -v in.tftpd >/dev/null || die "in.tftpd not found (package tftpd-hpa)"; fi
if [ "$only" != tftpd ]; then [ -x "$tinkerjvm" ] || die "$tinkerjvm not found"; fi

# --- everything this run creates; removed by cleanup() -------------------------------------------
work=$(mktemp -d /tmp/bb-tftp.XXXXXX)
tftpd_pid=
boots_pid=
boots_java=
client_pids=()

# kill_tree PID: TERM a process we started and the children it forked (tftpd-hpa forks one per
# transfer), by PID; KILL what is left after 5 s.
kill_tree() {
  local pid=$1 kids
  if kill -0 "$pid" 2>/dev/null; then
    kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    kill -TERM "$pid" $kids 2>/dev/null || true
    for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" $kids 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? p
  set +e
  for p in "${client_pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$tftpd_pid" ] && kill_tree "$tftpd_pid"
  [ -n "$boots_pid" ] && kill_tree "$boots_pid"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free UDP port on 127.0.0.1 in 20000..59999 (each server binds its port before the next is picked).
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    [ -n "$(ss -Hlun "sport = :$p")" ] || { echo "$p"; return 0; }
  done
  die "no free UDP port found"
}

# The served directory (tftpd-hpa's chroot, Boots' --ipxe-dir): a copy of the file, readable by the
# unprivileged user tftpd-hpa switches to.
name=$(basename "$file")
root=$work/root
mkdir -m 755 "$root"
install -m 644 "$file" "$root/$name"
want_sha=$(sha1sum "$root/$name" | cut -d' ' -f1)
size=$(stat -c %s "$root/$name")
echo '[]' >"$work/hardware.json"

start_tftpd() {
  tftpd_port=$(free_port)
  in.tftpd -L -s "$root" -a "127.0.0.1:$tftpd_port" >"$work/tftpd.log" 2>&1 &
  tftpd_pid=$!
  for _ in $(seq 1 50); do
    [ -n "$(ss -Hlun "sport = :$tftpd_port")" ] && return 0
    kill -0 "$tftpd_pid" 2>/dev/null || { cat "$work/tftpd.log" >&2; die "in.tftpd exited"; }
    sleep 0.1
  done
  die "in.tftpd is not listening on 127.0.0.1:$tftpd_port"
}

start_boots() {
  boots_port=$(free_port)
  # Boots logs every transfer at INFO, tftpd-hpa (without -v) nothing: WARN unless BOOTS_LOG_LEVEL says
  # otherwise. --bind-address keeps its HTTP and syslog listeners (ephemeral ports) on loopback too.
  # All fetches come from 127.0.0.1, standing in for as many machines: lift the per-address cap (16)
  # to the client count, as tftpd-hpa has none.
  BOOTS_LOG_LEVEL=${BOOTS_LOG_LEVEL:-WARN} "$tinkerjvm" boots --bind-address=127.0.0.1 --public-ip=127.0.0.1 \
    --dhcp-mode=off --tftp-address=127.0.0.1 --tftp-port="$boots_port" --http-port=0 --syslog-port=0 \
    --tftp-max-per-client="$clients" --backend=file --hardware-file="$work/hardware.json" --ipxe-dir="$root" >"$work/boots.log" 2>"$work/boots.err" &
  boots_pid=$!   # tinkerjvm execs java, so this is the JVM
  for _ in $(seq 1 600); do
    if grep -q 'is up' "$work/boots.log" 2>/dev/null; then
      boots_java=$(readlink "/proc/$boots_pid/exe" || true)
      return 0
    fi
    kill -0 "$boots_pid" 2>/dev/null || { tail -n 30 "$work/boots.log" "$work/boots.err" >&2; die "boots exited before it was up"; }
    sleep 0.2
  done
  tail -n 30 "$work/boots.log" "$work/boots.err" >&2
  die "boots not up after 120 s (no line containing 'is up')"
}

# batch SERVER PORT TAG [quiet]: N concurrent fetches. Writes $work/TAG.times ("seconds exitcode file" per
# fetch), $work/TAG.wall (milliseconds, first start to last end), $work/TAG.failed, $work/TAG.badsha.
batch() {
  local tag=$3 dir=$work/$3 url t0 t1 i
  url=tftp://127.0.0.1:$2/$name
  mkdir "$dir"
  local common=(--no-progress-meter --tftp-blksize "$blksize" --max-time "$fetch_timeout"
    -w '%{time_total} %{exitcode} %{filename_effective}\n')
  if [ "$procs" = yes ]; then
    client_pids=()
    t0=$(date +%s%N)
    for i in $(seq 1 "$clients"); do
      curl "${common[@]}" -o "$dir/f$i" "$url" >"$dir/t$i" 2>>"$dir/err" &
      client_pids+=($!)
    done
    for i in "${client_pids[@]}"; do wait "$i" || true; done
    t1=$(date +%s%N)
    client_pids=()
    cat "$dir"/t* >"$work/$tag.times" 2>/dev/null || : >"$work/$tag.times"
  else
    local args=()
    for i in $(seq 1 "$clients"); do args+=(-o "$dir/f$i" "$url"); done
    t0=$(date +%s%N)
    curl --parallel --parallel-immediate --parallel-max "$clients" "${common[@]}" "${args[@]}" \
      >"$work/$tag.times" 2>"$dir/err" &
    client_pids=($!)
    wait "${client_pids[0]}" || true   # failures are counted below, per fetch
    t1=$(date +%s%N)
    client_pids=()
  fi
  echo $(((t1 - t0) / 1000000)) >"$work/$tag.wall"
  # Failed: curl said so, or no timing line at all. Bad: a file that is there but differs.
  awk -v n="$clients" '$2 == 0 {ok++} END {print n - ok}' "$work/$tag.times" >"$work/$tag.failed"
  (cd "$dir" && for i in $(seq 1 "$clients"); do if [ -f "f$i" ]; then echo "f$i"; fi; done | xargs -r sha1sum) \
    | awk -v w="$want_sha" '$1 != w {bad++} END {print bad + 0}' >"$work/$tag.badsha"
  # Fetches that never produced a file count as failed, whatever curl printed.
  local missing
  missing=$(for i in $(seq 1 "$clients"); do if [ ! -f "$dir/f$i" ]; then echo x; fi; done | wc -l)
  [ "$missing" -le "$(cat "$work/$tag.failed")" ] || echo "$missing" >"$work/$tag.failed"
  [ -s "$dir/err" ] && sort "$dir/err" | uniq -c | sort -rn | head -3 >"$work/$tag.errors"
  rm -rf "$dir"
  [ -n "${4:-}" ] || log "$tag: $(cat "$work/$tag.wall") ms, failed $(cat "$work/$tag.failed"), bad sha1 $(cat "$work/$tag.badsha")"
  return 0
}

servers=()
[ "$only" = boots ] || servers+=(tftpd)
[ "$only" = tftpd ] || servers+=(boots)
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
# CPU busy in the second before the run: other work on the machine skews the figures.
busy_at_start=$( (head -1 /proc/stat; sleep 1; head -1 /proc/stat) | awk '{idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i}
  NR == 1 {i0 = idle; t0 = total} NR == 2 {printf "%.0f", 100 * (1 - (idle - i0) / (total - t0))}')
[ "$busy_at_start" -le 10 ] || log "warning: the CPUs were ${busy_at_start}% busy before the start; the figures will be skewed"

if [ "$only" != tftpd ]; then
  # Build first, so that the start-up waits below are only start-ups.
  log "boots: ./tinkerjvm build (no-op when up to date)"
  "$tinkerjvm" build >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "tinkerjvm build failed"; }
fi
port_of() { if [ "$1" = tftpd ]; then echo "$tftpd_port"; else echo "$boots_port"; fi; }
stop_tftpd() { kill_tree "$tftpd_pid"; tftpd_pid=; }
stop_boots() { kill_tree "$boots_pid"; boots_pid=; }

# Every round starts both servers afresh (one instance can be steadily ~8% slower than another
# instance of the very same server, so instances are sampled like the rest), checks one fetch,
# runs the warm-up batches, then one measured batch of each, back to back, in ABBA order.
for round in $(seq 1 "$rounds"); do
  order=("${servers[@]}")
  if [ $((round % 2)) -eq 0 ] && [ "${#servers[@]}" -eq 2 ]; then order=("${servers[1]}" "${servers[0]}"); fi
  for s in "${order[@]}"; do
    "start_$s"
    curl -sS --tftp-blksize "$blksize" --max-time 20 -o "$work/sanity.$s" "tftp://127.0.0.1:$(port_of "$s")/$name" \
      || die "$s: a single fetch failed"
    [ "$(sha1sum <"$work/sanity.$s" | cut -d' ' -f1)" = "$want_sha" ] || die "$s: the fetched file differs from $file"
    for w in $(seq 1 "$warmups"); do batch "$s" "$(port_of "$s")" "$s.r$round.warmup$w" quiet; done
  done
  sleep 0.5
  for s in "${order[@]}"; do batch "$s" "$(port_of "$s")" "$s.r$round"; sleep 0.5; done
  for s in "${order[@]}"; do "stop_$s"; done
done

# --- report --------------------------------------------------------------------------------------------
pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
label() { if [ "$1" = tftpd ]; then echo tftpd-hpa; else echo boots; fi; }
# percentile P FILE: nearest-rank percentile of the first column, in ms
percentile() { sort -g "$2" | awk -v p="$1" '{a[NR] = $1} END {i = int(p * NR + 0.999999); if (i < 1) i = 1; if (NR) printf "%.1f", a[i] * 1000; else printf "n/a"}'; }
echo
echo "== Boots vs tftpd-hpa: $clients concurrent TFTP fetches of $name ($size bytes) =="
echo "date:     $started (CPUs ${busy_at_start}% busy in the second before the start)"
echo "machine:  $(nproc) CPU, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)"
echo "packages: tftpd-hpa $(pkg_version tftpd-hpa), curl $(pkg_version curl), ipxe $(pkg_version ipxe)"
if [ -n "$boots_java" ]; then echo "boots JVM: $("$boots_java" -version 2>&1 | head -1)"; fi
[ "$only" = tftpd ] || echo "boots:    log level ${BOOTS_LOG_LEVEL:-WARN}"
echo "client:   curl, blksize $blksize, $([ "$procs" = yes ] && echo "$clients processes started at once" || echo "one process, --parallel --parallel-max $clients")"
echo "rounds:   $rounds; each: both servers started afresh, $warmups warm-up batches each, then one measured batch each (ABBA order);"
echo "          measured batch wall ms per round:"
for s in "${servers[@]}"; do
  printf '          %-9s' "$(label "$s"):"
  for round in $(seq 1 "$rounds"); do printf ' %s' "$(cat "$work/$s.r$round.wall")"; done
  echo
done
echo
printf '%-9s %12s %14s %12s %12s %9s %14s\n' server 'best ms' 'median ms' 'p50 ms' 'p99 ms' 'failed' 'sha1 identical'
for s in "${servers[@]}"; do
  best=$(for r in $(seq 1 "$rounds"); do cat "$work/$s.r$r.wall"; done | sort -n | head -1)
  med_round=$(for r in $(seq 1 "$rounds"); do echo "$(cat "$work/$s.r$r.wall") $r"; done | sort -n \
    | awk '{r[NR] = $2} END {print r[int((NR + 1) / 2)]}')
  echo "$med_round" >"$work/$s.median"
  failed=0 bad=0
  for r in $(seq 1 "$rounds"); do
    failed=$((failed + $(cat "$work/$s.r$r.failed"))); bad=$((bad + $(cat "$work/$s.r$r.badsha")))
  done
  ok=$((clients * rounds - failed - bad))
  printf '%-9s %12s %14s %12s %12s %9s %14s\n' "$(label "$s")" "$best" "$(cat "$work/$s.r$med_round.wall")" \
    "$(percentile 0.50 "$work/$s.r$med_round.times")" "$(percentile 0.99 "$work/$s.r$med_round.times")" \
    "$failed/$((clients * rounds))" "$([ "$bad" -eq 0 ] && [ "$failed" -eq 0 ] && echo "yes, all" || echo "$ok of $((clients * rounds))")"
  for r in $(seq 1 "$rounds"); do
    [ -s "$work/$s.r$r.errors" ] && { echo "  $(label "$s") round $r curl errors:"; sed 's/^/    /' "$work/$s.r$r.errors"; }
  done
done
echo "(median ms = the median round's batch wall time, from launching the client(s) to the last fetch done;"
echo " p50/p99 = per-fetch curl time_total in that round; failed/identical over all measured rounds)"
if [ "$only" = both ]; then
  tw=$(cat "$work/tftpd.r$(cat "$work/tftpd.median").wall")
  bw=$(cat "$work/boots.r$(cat "$work/boots.median").wall")
  # The machine's speed drifts (by 30% within a minute on a shared VM); the two batches of one round
  # run within a second of each other, so the median of the per-round ratios is the steadier figure.
  paired=$(for r in $(seq 1 "$rounds"); do
      awk -v b="$(cat "$work/boots.r$r.wall")" -v t="$(cat "$work/tftpd.r$r.wall")" 'BEGIN {print (t > 0 ? b / t : 0)}'
    done | sort -g | awk '{a[NR] = $1} END {printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
  echo
  echo "Boots/tftpd-hpa batch time: median of the per-round ratios ${paired}, ratio of the medians" \
    "$(awk -v b="$bw" -v t="$tw" 'BEGIN {printf "%.2f", (t > 0 ? b / t : 0)}')" \
    "(goal <= 1.0: $(awk -v r="$paired" 'BEGIN {print (r <= 1.0) ? "met" : "NOT met"}'))"
fi

if [ -n "$out_dir" ]; then
  mkdir -p "$out_dir"
  cp "$work"/*.times "$work"/*.wall "$work"/*.log "$out_dir"/ 2>/dev/null || true
  [ -f "$work/boots.err" ] && cp "$work/boots.err" "$out_dir"/
  log "outputs copied to $out_dir"
fi
