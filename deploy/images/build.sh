#!/usr/bin/env bash
# Builds the service images from the jars Maven made, on top of tinkerjvm/java:25 (./build-base.sh):
#   tinkerjvm/tink-server, tinkerjvm/boots, tinkerjvm/hegel, tinkerjvm/pbnj   tagged TAG and the version
# Each image holds the service's jar and its runtime class path (<module>/target/classpath.txt, the list
# the `tinkerjvm` launcher runs with): third-party jars in /opt/tinkerjvm/lib (a layer that changes only
# when a dependency does), our modules in /opt/tinkerjvm/app, and /opt/tinkerjvm/java.args, the launcher's
# java command line as an argument file. Builds the jars with `./mvnw -q -B -DskipTests package` when
# they are missing. Talks to the dockerd in DOCKER_HOST.
#   deploy/images/build.sh [service ...]    (default: all four; TAG=latest, IPXE_DIR=/usr/lib/ipxe)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
TAG=${TAG:-latest}
BASE=${BASE:-tinkerjvm/java:25}
IPXE_DIR=${IPXE_DIR:-/usr/lib/ipxe}
# jars left out of the images: the embedded Postgres binaries (15 MB) serve only tink-server without
# --db-url, and the images always run against a Postgres of their own (compose's postgres service)
EXCLUDE_JARS=${EXCLUDE_JARS:-embedded-postgres-binaries-*}

log() { printf 'build: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

declare -A MAIN=([tink-server]=io.tinkerjvm.tink.TinkServer [boots]=io.tinkerjvm.boots.Boots
                 [hegel]=io.tinkerjvm.hegel.Hegel [pbnj]=io.tinkerjvm.pbnj.Pbnj)
declare -A HEALTH_PORT=([tink-server]=42114 [boots]=8080 [hegel]=50061 [pbnj]=50052)

services=("$@")
[ ${#services[@]} -gt 0 ] || services=(tink-server boots hegel pbnj)
for s in "${services[@]}"; do [ -n "${MAIN[$s]:-}" ] || die "unknown service '$s' (tink-server boots hegel pbnj)"; done

docker image inspect "$BASE" >/dev/null 2>&1 || die "no $BASE image: run deploy/images/build-base.sh first"
jdk=$("$repo/tinkerjvm" java-home)
service_jar() { ls "$repo/$1"/target/"$1"-*.jar 2>/dev/null | grep -v -- '-tests\.jar$' | head -1; }
missing=no
for s in "${services[@]}"; do
  [ -f "$repo/$s/target/classpath.txt" ] && [ -n "$(service_jar "$s")" ] || missing=yes
done
if [ $missing = yes ]; then
  log "jars missing: ./mvnw -q -B -DskipTests package (JDK $jdk)"
  (cd "$repo" && JAVA_HOME=$jdk ./mvnw -q -B -DskipTests package)
fi

work=$(mktemp -d /tmp/tinkerjvm-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

# stage SERVICE DIR: lib/, app/ and java.args for one service
stage() {
  local s=$1 ctx=$2 jar entry name cp pattern excluded
  read -r -a excluded <<< "$EXCLUDE_JARS"   # word-split, never globbed
  jar=$(service_jar "$s")
  mkdir -p "$ctx/lib" "$ctx/app"
  cp "$jar" "$ctx/app/$s.jar"
  cp="/opt/tinkerjvm/app/$s.jar"
  while IFS= read -r entry || [ -n "$entry" ]; do
    [ -n "$entry" ] || continue
    if [ -d "$entry" ]; then
      # a sibling module's target/classes (a reactor build that stopped before packaging): jar it
      name=$(basename "$(dirname "$(dirname "$entry")")").jar
      "$jdk/bin/jar" --create --file "$ctx/app/$name" -C "$entry" .
      cp="$cp:/opt/tinkerjvm/app/$name"
    elif [[ "$entry" == "$repo/"* || "$entry" == */io/tinkerjvm/* ]]; then
      name=$(basename "$entry"); cp "$entry" "$ctx/app/$name"; cp="$cp:/opt/tinkerjvm/app/$name"
    else
      name=$(basename "$entry")
      # shellcheck disable=SC2053
      for pattern in "${excluded[@]}"; do [[ "$name" == $pattern ]] && continue 2; done
      [ ! -e "$ctx/lib/$name" ] || die "$s: two class path entries are called $name"
      cp "$entry" "$ctx/lib/$name"; cp="$cp:/opt/tinkerjvm/lib/$name"
    fi
  done < <(tr ':' '\n' < "$repo/$s/target/classpath.txt")
  # the launcher's command line (./tinkerjvm up|boots|hegel|pbnj); JDK_JAVA_OPTIONS adds JVM options
  printf '%s\n' --enable-native-access=ALL-UNNAMED -cp "$cp" "${MAIN[$s]}" > "$ctx/java.args"
}

version=$(basename "$(service_jar tink-server)" .jar); version=${version#tink-server-}
for s in "${services[@]}"; do
  started=$SECONDS
  ctx=$work/$s
  stage "$s" "$ctx"
  if [ "$s" = boots ]; then
    cp "$here/boots/Dockerfile" "$ctx/Dockerfile"
    mkdir -p "$ctx/ipxe"
    # Debian's iPXE binaries (package ipxe), links resolved; the image seeds the boots-ipxe volume with them
    for f in undionly.kpxe undionly.kkpxe ipxe.pxe ipxe.efi snponly.efi snp.efi ipxe.lkrn; do
      [ -e "$IPXE_DIR/$f" ] && cp -L "$IPXE_DIR/$f" "$ctx/ipxe/"
    done
    [ -n "$(ls "$ctx/ipxe")" ] || log "boots: no iPXE binaries in $IPXE_DIR (install Debian's ipxe); the image's iPXE folder is empty"
  else
    cp "$here/service/Dockerfile" "$ctx/Dockerfile"
  fi
  docker build -q -t "tinkerjvm/$s:$TAG" -t "tinkerjvm/$s:$version" --build-arg BASE="$BASE" \
    --build-arg SERVICE="$s" --build-arg HEALTH_PORT="${HEALTH_PORT[$s]}" "$ctx" >/dev/null
  log "built tinkerjvm/$s:$TAG ($version, $(docker image inspect -f '{{.Size}}' "tinkerjvm/$s:$TAG" | numfmt --to=si), $(ls "$ctx/lib" | wc -l) jars + $(ls "$ctx/app" | wc -l) of ours) in $((SECONDS - started)) s"
done
