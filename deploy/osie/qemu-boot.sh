#!/usr/bin/env bash
# Boots the OSIE under QEMU (TCG, never KVM) in a network namespace with only lo and slirp
# (-netdev user: DHCP gives 10.0.2.15; 10.0.2.2 is the namespace's 127.0.0.1), with a virtio-net NIC
# and an empty virtio-blk disk, and reports when each stage shows up on the serial console.
#
#   deploy/osie/qemu-boot.sh [--out DIR] [--mem MB] [--timeout S] [--log FILE] [--append "ARGS"] [--until STAGE]
#
# Stages: kernel init modules network disk dockerd agent-start agent-up tink-retry. It stops at STAGE
# (default tink-retry: the agent has tried tink-server; nothing listens at 10.0.2.2:42113 unless you
# start something in the namespace), kills QEMU by its PID and deletes the namespace.
# Needs root, iproute2 and qemu-system-x86; at least 768 MB (--mem), since the unpacked root is ~300 MB.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/out"
mem=2048
timeout=600
log=""
until=tink-retry
append="grpc_authority=10.0.2.2:42113 worker_id=test docker_registry=10.0.2.2:5000"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --until) until=$2; shift 2 ;;
    *) echo "qemu-boot.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for f in vmlinuz-x86_64 initramfs-x86_64; do [ -f "$out/$f" ] || { echo "qemu-boot.sh: $out/$f is missing; run deploy/osie/build.sh" >&2; exit 1; }; done

ns="osie-boot-$$"
tmp=$(mktemp -d /tmp/osie-boot.XXXXXX)
[ -n "$log" ] || log="$tmp/serial.log"
qpid=""
cleanup() {
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill "$qpid"; wait "$qpid" 2>/dev/null || true; fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "/etc/netns/$ns"
  rm -f "$tmp/disk.raw"
}
trap cleanup EXIT INT TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "/etc/netns/$ns" && echo '# osie boot test' >"/etc/netns/$ns/resolv.conf"
truncate -s 1G "$tmp/disk.raw"
: >"$log"

t0=$(date +%s.%N)
ip netns exec "$ns" qemu-system-x86_64 -accel tcg -machine q35 -smp 2 -m "$mem" -nodefaults -display none -no-reboot \
  -kernel "$out/vmlinuz-x86_64" -initrd "$out/initramfs-x86_64" -append "console=ttyS0 $append" \
  -serial "file:$log" \
  -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 \
  -drive "file=$tmp/disk.raw,format=raw,if=virtio" &
qpid=$!
echo "qemu-boot: QEMU pid $qpid in netns $ns, serial log $log"

# stage: a line of the serial log that marks it
stages=(
  "kernel|Linux version"
  "init|osie: init started"
  "modules|osie: modules loaded"
  "network|osie: network up"
  "disk|osie: disks:.* vd"
  "dockerd|osie: dockerd ready"
  "agent-start|osie: agent started"
  "agent-up|osie-agent .* is up for hardware"
  "tink-retry|lost tink-server"
)
declare -A seen
while :; do
  now=$(date +%s.%N)
  for s in "${stages[@]}"; do
    name=${s%%|*} re=${s#*|}
    [ -z "${seen[$name]:-}" ] && grep -qE "$re" "$log" 2>/dev/null || continue
    seen[$name]=$(awk "BEGIN{printf \"%.1f\", $now - $t0}")
    echo "qemu-boot: $(printf '%-12s' "$name") at ${seen[$name]} s"
  done
  [ -n "${seen[$until]:-}" ] && break
  grep -q 'osie: FAILED' "$log" && { echo "qemu-boot: init failed:"; grep 'osie: FAILED' "$log"; exit 1; }
  grep -q 'Kernel panic' "$log" && { echo "qemu-boot: kernel panic:"; grep -E 'Kernel panic|Initramfs unpacking failed' "$log"; exit 1; }
  kill -0 "$qpid" 2>/dev/null || { echo "qemu-boot: QEMU exited"; tail -20 "$log"; exit 1; }
  if awk "BEGIN{exit !($now - $t0 > $timeout)}"; then echo "qemu-boot: timed out after $timeout s"; tail -20 "$log"; exit 1; fi
  sleep 0.2
done
[ "$until" != tink-retry ] || ! grep -q 'could not look for containers left behind' "$log" || echo "qemu-boot: WARNING: the agent could not reach dockerd"
echo "qemu-boot: ok; serial log in $log"
