#!/usr/bin/env bash
# The whole compose deployment for real, on this machine, without touching its network: a dockerd of
# its own (safe flags: no docker0, no iptables, no forwarding) inside a network namespace made here,
# so the compose network, the published ports and the host-network services (Boots, Hegel) all live
# in that namespace. A second namespace, joined by a veth pair, plays a machine on the provisioning
# network (10.77.0.0/24). Builds the base and service images, starts the stack, checks each service,
# pushes a hardware record with the tink CLI, then has the "machine" take a DHCP lease, fetch iPXE
# over TFTP, its iPXE script over HTTP, its metadata from Hegel and send a syslog line. Removes all it
# made on exit (compose down -v, dockerd by its PID, both namespaces, its /tmp folder).
# Root; packages docker.io docker-compose debootstrap iproute2 udhcpc curl bsdutils ipxe; the jars
# (./mvnw -q -B -DskipTests package). docs/deploy.md shows a run.
#   deploy/netns-smoke.sh            (KEEP=1 leaves the stack running and prints how to stop it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
NS=tjdeploy CLIENT_NS=tjclient
D=$(mktemp -d /tmp/dk-deploy.XXXXXX)
MAC=02:00:0a:4d:00:32 MACHINE_IP=10.77.0.50 PUBLIC_IP=10.77.0.1
export DOCKER_HOST=unix://$D/docker.sock
t0=$SECONDS
say() { printf '\n[%4ds] %s\n' $((SECONDS - t0)) "$*"; }
C() { (cd "$here" && docker-compose --env-file "$D/env" -f docker-compose.yml "$@"); }

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
for ns in $NS $CLIENT_NS; do
  ! ip netns list | grep -qw "$ns" || { echo "namespace $ns exists: another run? (ip netns del $ns)" >&2; exit 1; }
done

cleanup() {
  set +e
  if [ "${KEEP:-}" = 1 ]; then
    echo "KEEP=1: left running. Stop with: DOCKER_HOST=$DOCKER_HOST docker-compose -f $here/docker-compose.yml --env-file $D/env down -v; kill \$(cat $D/pid); ip netns del $NS; ip netns del $CLIENT_NS; rm -rf $D /etc/netns/$CLIENT_NS"
    return
  fi
  say "cleaning up"
  [ -S "$D/docker.sock" ] && C down -v --remove-orphans >/dev/null 2>&1
  pid=none
  if [ -f "$D/pid" ]; then
    pid=$(cat "$D/pid"); kill "$pid" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  # dockerd leaves the bind mount of its network namespace (nsfs) behind
  grep -o " $D/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m"; done
  ip netns del $CLIENT_NS 2>/dev/null; ip netns del $NS 2>/dev/null
  rm -rf /etc/netns/$CLIENT_NS
  # never delete through a mount
  grep -q " $D/" /proc/mounts && { echo "mounts left under $D, not deleting it"; return; }
  rm -rf "$D"
  echo "removed: compose stack and volumes, dockerd $pid, namespaces $NS $CLIENT_NS, $D"
}
trap cleanup EXIT

say "namespaces: $NS ($PUBLIC_IP on prov0) and $CLIENT_NS (the machine, $MAC on cli0)"
ip netns add $NS; ip -n $NS link set lo up
ip netns add $CLIENT_NS; ip -n $CLIENT_NS link set lo up
ip link add prov0 netns $NS type veth peer name cli0 netns $CLIENT_NS
ip -n $NS addr add $PUBLIC_IP/24 dev prov0; ip -n $NS link set prov0 up
ip -n $CLIENT_NS link set cli0 address $MAC; ip -n $CLIENT_NS link set cli0 up
mkdir -p /etc/netns/$CLIENT_NS && echo '#' > /etc/netns/$CLIENT_NS/resolv.conf   # udhcpc never edits the host's

say "dockerd in $NS (nsenter --net: \`ip netns exec\` remounts /sys and hides the cgroup mounts dockerd needs)"
nsenter --net=/run/netns/$NS setsid dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
  --data-root "$D/root" --exec-root "$D/exec" --pidfile "$D/pid" -H "$DOCKER_HOST" > "$D/dockerd.log" 2>&1 &
for _ in $(seq 1 30); do docker version >/dev/null 2>&1 && break; sleep 1; done
docker info --format 'dockerd {{.ServerVersion}}, {{.Driver}}, cgroup v{{.CgroupVersion}}, pid '"$(cat "$D/pid")"

say "base images (deploy/images/build-base.sh)"
s=$SECONDS; "$here/images/build-base.sh" 2>&1 | grep '^build-base:'; echo "build-base.sh: $((SECONDS - s)) s"
say "service images (deploy/images/build.sh)"
s=$SECONDS; "$here/images/build.sh" 2>&1 | grep '^build:'; echo "build.sh: $((SECONDS - s)) s"
docker images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -v -e '<none>' -e 0.1.0 | sort

say "env file: deploy/env.example with PUBLIC_IP=$PUBLIC_IP and fresh secrets"
( umask 077
  grep -v -E '^(PUBLIC_IP|POSTGRES_PASSWORD|TINK_BMC_KEY)=' "$here/env.example"
  echo "PUBLIC_IP=$PUBLIC_IP"
  echo "POSTGRES_PASSWORD=$(head -c 24 /dev/urandom | base64)"
  echo "TINK_BMC_KEY=$(head -c 32 /dev/urandom | base64)" ) > "$D/env"

say "docker-compose up -d"
s=$SECONDS; C up -d 2>&1 | grep -v -e '^$' -e '\.\.\. $'
echo "up -d returned after $((SECONDS - s)) s"
for _ in $(seq 1 120); do
  [ "$(docker ps --filter label=com.docker.compose.project=tinkerjvm --format '{{.Status}}' | grep -c '(healthy)')" = 5 ] && break
  sleep 1
done
echo "healthy after $((SECONDS - s)) s:"; C ps
docker ps --format '{{.Names}}' | sort | while read -r c; do
  printf '  %-26s %s\n' "$c" "$(docker inspect -f '{{.State.Health.Status}} (restarts {{.RestartCount}})' "$c")"
done

say "postgres initialised its volume; tink-server migrated it"
docker logs tinkerjvm_postgres_1 2>&1 | grep -E 'postgres-entrypoint|ready to accept'
docker exec tinkerjvm_postgres_1 sh -c 'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U tinkerbell -d tinkerbell -c "select version, description, success, installed_on from flyway_schema_history order by installed_rank"'
C logs --no-color tink-server | grep -v JDK_JAVA_OPTIONS

echo "host side: bridges/veths/docker0 on the host: $(ip -br link | grep -c -E '^(br-|veth|docker0)' || true), ip_forward $(sysctl -n net.ipv4.ip_forward); in $NS: $(ip -n $NS -br link | grep -c '^br-' || true) bridge(s)"

say "each service's /healthz through the port the operator uses"
for u in http://127.0.0.1:42114/healthz http://127.0.0.1:8080/healthz http://127.0.0.1:50061/healthz http://127.0.0.1:50052/healthz; do
  printf '  %-34s %s\n' "$u" "$(ip netns exec $NS curl -sS -w ' [%{http_code}]' "$u" | tr -d '\n')"
done
echo "  processes: $(for c in tink-server boots hegel pbnj; do p=$(docker inspect -f '{{.State.Pid}}' tinkerjvm_${c}_1); printf '%s uid %s CapEff %s; ' $c "$(awk '/^Uid/{print $2}' /proc/$p/status)" "$(awk '/^CapEff/{print $2}' /proc/$p/status)"; done)"

say "tink CLI: push a hardware record through the published port 42113"
cat > "$D/hw.json" <<EOF
{"id":"5b2f6a1e-8d3c-4c1b-9f7e-2a6d0c4e9b10",
 "metadata":{"facility":{"facility_code":"onprem","plan_slug":"c2.medium.x86"},
  "instance":{"id":"","hostname":"node1","operating_system":{"slug":"debian_12","distro":"debian","version":"12"},
   "ip_addresses":[{"address":"$MACHINE_IP","netmask":"255.255.255.0","gateway":"$PUBLIC_IP","address_family":4,"public":false}]},
  "bmc":{"host":"10.77.0.200","username":"admin","password":"bmc-test-password"}},
 "network":{"interfaces":[{"dhcp":{"mac":"$MAC","hostname":"node1","lease_time":3600,"arch":"x86_64","uefi":false,
   "ip":{"address":"$MACHINE_IP","netmask":"255.255.255.0","gateway":"$PUBLIC_IP","family":4}},
  "netboot":{"allow_pxe":true,"allow_workflow":true}}]}}
EOF
jdk=$("$repo/tinkerjvm" java-home)
cli_jar=$(ls "$repo"/tink-cli/target/tink-cli-*.jar | grep -v -- -tests.jar | head -1)
# TLS: trust the CA the services made in the shared volume (docs/security.md)
docker run --rm --network none -v tinkerjvm_tinkerjvm-data:/d:ro tinkerjvm/debian:bookworm cat /d/tls/ca.pem > "$D/ca.pem"
tink() {
  ip netns exec $NS env TINKERBELL_GRPC_AUTHORITY=127.0.0.1:42113 TINKERBELL_CA_FILE="$D/ca.pem" \
    "$jdk/bin/java" -XX:TieredStopAtLevel=1 -cp "$cli_jar:$(cat "$repo/tink-cli/target/classpath.txt")" io.tinkerjvm.cli.Tink "$@"
}
s=$SECONDS; echo "\$ tink hardware push --file hw.json"; tink hardware push --file "$D/hw.json"; echo "($((SECONDS - s)) s)"
echo "\$ tink hardware mac $MAC"; tink hardware mac $MAC
echo "\$ tink hardware get ... --format json | grep -A4 bmc"; tink hardware get 5b2f6a1e-8d3c-4c1b-9f7e-2a6d0c4e9b10 --format json | grep -A4 '"bmc"'
echo "BMC password in a dump of the database: $(docker exec tinkerjvm_postgres_1 sh -c 'PGPASSWORD="$POSTGRES_PASSWORD" pg_dump -h 127.0.0.1 -U tinkerbell tinkerbell' | grep -c bmc-test-password || true) times (sealed with TINK_BMC_KEY)"
sleep 2   # Boots' and Hegel's caches follow the change feed

say "the machine in $CLIENT_NS: DHCP from Boots (host network, CAP_NET_BIND_SERVICE only)"
printf '#!/bin/sh\n[ "$1" = bound ] && echo "bound ip=$ip mask=$subnet router=$router siaddr=$siaddr boot_file=$boot_file lease=$lease hostname=$hostname"\nexit 0\n' > "$D/hook.sh"
chmod +x "$D/hook.sh"
ip netns exec $CLIENT_NS timeout 20 udhcpc -i cli0 -f -q -n -t 3 -T 2 -V PXEClient:Arch:00000:UNDI:002001 -s "$D/hook.sh"
ip -n $CLIENT_NS addr add $MACHINE_IP/24 dev cli0
ip netns exec $CLIENT_NS curl -sS --tftp-blksize 1468 -o "$D/undionly.kpxe" tftp://$PUBLIC_IP/undionly.kpxe
echo "TFTP undionly.kpxe: $(stat -c %s "$D/undionly.kpxe") bytes, same as Debian's: $(cmp -s "$D/undionly.kpxe" /usr/lib/ipxe/undionly.kpxe && echo yes || echo no)"
echo "HTTP /$MAC/auto.ipxe:"; ip netns exec $CLIENT_NS curl -sS http://$PUBLIC_IP:8080/$MAC/auto.ipxe | sed 's/^/  /' | cut -c1-160

say "OSIE into the boots-osie volume (a stand-in kernel), served at /osie/"
mkdir -p "$D/osie" && cp /usr/lib/ipxe/ipxe.lkrn "$D/osie/vmlinuz-x86_64"
docker run --rm --network none -v tinkerjvm_boots-osie:/osie -v "$D/osie":/src:ro tinkerjvm/debian:bookworm \
  sh -c 'cp /src/* /osie/ && chmod 644 /osie/*'
ip netns exec $CLIENT_NS curl -sS -o /dev/null -w "GET /osie/vmlinuz-x86_64 %{http_code}, %{size_download} bytes\n" http://$PUBLIC_IP:8080/osie/vmlinuz-x86_64
echo "iPXE folder (seeded from the image): $(docker run --rm --network none -v tinkerjvm_boots-ipxe:/ipxe tinkerjvm/debian:bookworm ls /ipxe | tr '\n' ' ')"

say "Hegel answers the machine by its source address"
for p in /metadata /2009-04-04/meta-data/hostname; do
  printf '  GET %-32s %s\n' "$p" "$(ip netns exec $CLIENT_NS curl -sS -w ' [%{http_code}]' http://$PUBLIC_IP:50061$p)"
done
ip netns exec $CLIENT_NS logger -n $PUBLIC_IP -P 514 -d -t osie-agent "hello from node1"; sleep 1
echo "Boots' syslog: $(docker logs tinkerjvm_boots_1 2>&1 | grep 'hello from node1' | tail -1)"

say "crash and restart: kill -9 tink-server's java"
kill -9 "$(docker inspect -f '{{.State.Pid}}' tinkerjvm_tink-server_1)"; s=$SECONDS; sleep 2
echo "  Boots /healthz meanwhile: $(ip netns exec $NS curl -sS -w ' [%{http_code}]' http://127.0.0.1:8080/healthz | tr -d '\n')"
for _ in $(seq 1 90); do [ "$(docker inspect -f '{{.State.Health.Status}}' tinkerjvm_tink-server_1)" = healthy ] && break; sleep 1; done
echo "  tink-server $(docker inspect -f '{{.State.Health.Status}}, restarts {{.RestartCount}}' tinkerjvm_tink-server_1) after $((SECONDS - s)) s"

say "down and up again: the volumes keep the data"
s=$SECONDS; C down 2>&1 | tail -1; C up -d >/dev/null 2>&1
for _ in $(seq 1 120); do
  [ "$(docker ps --filter label=com.docker.compose.project=tinkerjvm --format '{{.Status}}' | grep -c '(healthy)')" = 5 ] && break
  sleep 1
done
echo "all healthy $((SECONDS - s)) s after down; postgres initialised again: $(docker logs tinkerjvm_postgres_1 2>&1 | grep -c initialising) times"
tink hardware list
docker stats --no-stream --format '  {{.Name}} {{.MemUsage}}'
say "done in $((SECONDS - t0)) s"
