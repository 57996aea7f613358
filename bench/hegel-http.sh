#!/usr/bin/env bash
# Hegel under HTTP load, against nginx serving the same bytes as static files, in one run.
# wrk (2 threads, 64 connections) asks for /2009-04-04/meta-data/hostname and for /metadata; Hegel
# answers from its cache of tink-server's hardware (pushed with bin/tink: the bench machine at 127.0.0.1
# plus --machines others), nginx (Debian's, worker_processes auto, access log off) from files that hold
# exactly the bytes Hegel returned. Reported per server and path: requests per second and p99 latency
# (median of the rounds), and Hegel/nginx. Goal: Hegel >= 0.8x nginx's requests per second, p99 < 5 ms.
#
# Each round runs every (path, server) pair once, alternating which server goes first (ABBA), after one
# unmeasured warm-up run of each. wrk, the servers and tink-server share the machine's cores, as they
# would on a small provisioner; run it on an otherwise idle machine.
#
# Usage: bench/hegel-http.sh [--rounds K] [--duration S] [--connections C] [--machines N] [--out DIR]
#   --rounds K       measured runs per server and path, default 5
#   --duration S     seconds per wrk run, default 10
#   --connections C  wrk connections, default 64
#   --machines N     other hardware records in tink-server, default 1000
#   --out DIR        keep wrk outputs and server logs there (default: nothing is kept)
set -euo pipefail

die() { echo "hegel-http: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rounds=5
duration=10
connections=64
machines=1000
out_dir=

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --machines) machines=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx-light)"

work=$(mktemp -d /tmp/hegel-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  if [ -n "$out_dir" ]; then mkdir -p "$out_dir" && cp -r "$work"/*.log "$work"/wrk-* "$out_dir"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() {  # url what
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  die "$2 did not come up ($1)"
}

log "build (no-op when up to date)"
"$root/tinkerjvm" build >/dev/null

grpc=$(free_port); thttp=$(free_port); hport=$(free_port); nport=$(free_port)
log "tink-server on an embedded Postgres (gRPC :$grpc)"
"$root/tinkerjvm" up --bind-address=127.0.0.1 --grpc-port="$grpc" --http-port="$thttp" \
  --data-dir="$work/db" >"$work/tink.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$thttp/healthz" tink-server

log "pushing the bench machine (127.0.0.1) and $machines others"
python3 - "$machines" >"$work/hardware.json" <<'EOF'
import json, sys
n = int(sys.argv[1])
def hw(i, ip, host):
    return {"id": "00000000-0000-4000-8000-%012x" % i,
            "metadata": {"facility": {"facility_code": "onprem", "plan_slug": "c2.medium.x86"},
                         "userdata": "#cloud-config\nhostname: %s\n" % host,
                         "instance": {"id": "i-%06d" % i, "hostname": host, "facility": "lab1", "plan": "c3.small",
                                      "operating_system": {"slug": "debian_12", "distro": "debian", "version": "12"},
                                      "ssh_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench ops@lab"],
                                      "tags": ["bench"]}},
            "network": {"interfaces": [{"dhcp": {"mac": "02:00:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255),
                                                 "ip": {"address": ip, "netmask": "255.0.0.0"}, "arch": "x86_64"},
                                        "netboot": {"allow_pxe": True, "allow_workflow": True}}]}}
docs = [hw(0, "127.0.0.1", "bench-node")]
for i in range(1, n + 1):
    docs.append(hw(i, "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), "node-%d" % i))
print(json.dumps(docs))
EOF
TINKERBELL_GRPC_AUTHORITY=127.0.0.1:$grpc "$root/bin/tink" hardware push --file "$work/hardware.json" >/dev/null

log "Hegel on :$hport"
HEGEL_LOG_LEVEL=WARN "$root/tinkerjvm" hegel --http-address=127.0.0.1 --http-port="$hport" \
  --tinkerbell-grpc-authority="127.0.0.1:$grpc" ${HEGEL_BENCH_FLAGS:-} >"$work/hegel.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$hport/healthz" Hegel

paths=(/2009-04-04/meta-data/hostname /metadata)
mkdir -p "$work/www/2009-04-04/meta-data"
curl -sf "http://127.0.0.1:$hport/2009-04-04/meta-data/hostname" >"$work/www/2009-04-04/meta-data/hostname"
curl -sf "http://127.0.0.1:$hport/metadata" >"$work/www/metadata"
[ "$(cat "$work/www/2009-04-04/meta-data/hostname")" = bench-node ] || die "Hegel did not answer the bench machine"
cat >"$work/nginx.conf" <<EOF
user root;
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    default_type text/plain;
    location = /metadata { default_type application/json; }
  }
}
EOF
log "nginx $(nginx -v 2>&1 | sed 's/.*\///') on :$nport"
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
wait_http "http://127.0.0.1:$nport/metadata" nginx
for p in "${paths[@]}"; do
  cmp -s <(curl -s "http://127.0.0.1:$hport$p") <(curl -s "http://127.0.0.1:$nport$p") \
    || die "nginx and Hegel differ on $p"
done

port_of() { [ "$1" = hegel ] && echo "$hport" || echo "$nport"; }

# wrk's "Requests/sec:" and its p99 (in ms) from --latency
run_wrk() {  # server path seconds label
  local out="$work/wrk-$4"
  wrk -t2 -c"$connections" -d"$3"s --latency "http://127.0.0.1:$(port_of "$1")$2" >"$out" 2>&1
  awk '/Requests\/sec:/ {rps=$2}
       /^ +99%/ {v=$2; u=v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v);
                 if (u == "us") v = v / 1000; else if (u == "s") v = v * 1000; p99=v}
       /Non-2xx|Socket errors/ {err=err $0 " "}
       END {printf "%s %s %s\n", rps, p99, (err == "" ? "-" : "errors")}' "$out"
}

log "warm-up: ${duration}s of each server on each path"
for p in "${paths[@]}"; do
  for s in hegel nginx; do run_wrk "$s" "$p" "$duration" "warm-$s-${p//\//_}" >/dev/null; done
done

declare -A results
for r in $(seq 1 "$rounds"); do
  for p in "${paths[@]}"; do
    if [ $((r % 2)) = 1 ]; then order=(nginx hegel); else order=(hegel nginx); fi
    for s in "${order[@]}"; do
      line=$(run_wrk "$s" "$p" "$duration" "$r-$s-${p//\//_}")
      results[$s,$p]+="$line;"
      log "round $r $s $p: rps p99_ms errors = $line"
    done
  done
done

median() { tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "Hegel vs nginx $(nginx -v 2>&1 | sed 's/.*\///'), wrk -t2 -c$connections, ${duration}s x $rounds rounds, $(nproc) cores, $(date -u +%F)"
printf '%-32s %12s %12s %12s %12s %8s\n' path "nginx req/s" "hegel req/s" "nginx p99" "hegel p99" ratio
for p in "${paths[@]}"; do
  nr=$(echo "${results[nginx,$p]}" | tr ';' '\n' | awk 'NF {print $1}' | tr '\n' ' ' | median)
  hr=$(echo "${results[hegel,$p]}" | tr ';' '\n' | awk 'NF {print $1}' | tr '\n' ' ' | median)
  np=$(echo "${results[nginx,$p]}" | tr ';' '\n' | awk 'NF {print $2}' | tr '\n' ' ' | median)
  hp=$(echo "${results[hegel,$p]}" | tr ';' '\n' | awk 'NF {print $2}' | tr '\n' ' ' | median)
  errs=$(echo "${results[hegel,$p]}${results[nginx,$p]}" | grep -c errors || true)
  printf '%-32s %12.0f %12.0f %10.2fms %10.2fms %7.2fx%s\n' "$p" "$nr" "$hr" "$np" "$hp" \
    "$(awk -v a="$hr" -v b="$nr" 'BEGIN {print a / b}')" "$([ "$errs" -gt 0 ] && echo '  (errors: see --out)')"
done
echo "Hegel heap/RSS after the run: $(ps -o rss= -p "$(pgrep -f 'io.tinkerjvm.hegel.Hegel' | head -1)" | awk '{printf "%.1f MiB RSS", $1/1024}')"
