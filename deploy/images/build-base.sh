#!/usr/bin/env bash
# Builds the local base images the service images start FROM, with nothing from a container registry:
#   tinkerjvm/debian:bookworm   a debootstrap'd Debian 12 (minbase, no docs), imported with `docker import`
#   tinkerjvm/java:25           that Debian plus a jlinked JRE (from the JDK the launcher finds) in /opt/java,
#                               ipmitool (PBnJ's second provider), setcap, the `healthz` probe and user tinkerjvm
#   tinkerjvm/postgres:15       a second debootstrap'd Debian with Debian's postgresql-15 and an entrypoint
#                               that makes the cluster on first start (see postgres/entrypoint.sh)
# Run as root (debootstrap needs it); it talks to the dockerd in DOCKER_HOST. Debian packages come from
# DEBIAN_MIRROR (default http://deb.debian.org/debian); downloaded .debs are kept in DEBOOTSTRAP_CACHE so
# a second run downloads nothing. Installs debootstrap with apt-get when it is missing.
#   deploy/images/build-base.sh [java|postgres ...]   (default: both)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${DEBOOTSTRAP_CACHE:-/var/cache/tinkerjvm-debootstrap}
DEBIAN_IMAGE=tinkerjvm/debian:$SUITE
JAVA_IMAGE=tinkerjvm/java:25
POSTGRES_IMAGE=tinkerjvm/postgres:15
# every JDK module a service's class path uses (jdeps --print-module-deps over all four services and their
# jars), plus jdk.naming.dns for JNDI DNS lookups
JRE_MODULES=java.base,java.compiler,java.desktop,java.naming,java.net.http,java.security.jgss,java.sql,jdk.httpserver,jdk.jfr,jdk.management,jdk.naming.dns,jdk.unsupported

log() { printf 'build-base: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: debootstrap needs it"
command -v docker >/dev/null || die "no docker client on PATH"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no dockerd answers at ${DOCKER_HOST:-/var/run/docker.sock}"
if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(java postgres)

work=$(mktemp -d /tmp/tinkerjvm-base.XXXXXX)
cleanup() {
  # debootstrap mounts /proc and /sys in the root it builds; never delete through a mount
  for r in "$work"/*/; do
    for m in proc sys dev/pts; do mountpoint -q "$r$m" 2>/dev/null && umount -l "$r$m"; done
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$CACHE"

# debootstrap ROOT [packages]: a minbase Debian with docs, man pages, locales and apt's lists taken out,
# and dpkg told to leave them out of anything installed later.
bootstrap() {
  local root=$1 include=${2:-}
  local started=$SECONDS
  log "debootstrap $SUITE into $root${include:+ with $include}"
  debootstrap --variant=minbase ${include:+--include="$include"} --cache-dir="$CACHE" \
    "$SUITE" "$root" "$MIRROR" > "$root.log" 2>&1 || { tail -20 "$root.log" >&2; die "debootstrap failed (log above)"; }
  cat > "$root/etc/dpkg/dpkg.cfg.d/01-tinkerjvm-nodoc" <<'CFG'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
CFG
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/usr/share/lintian/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/debootstrap
  printf '#!/bin/sh\n# no service starts in an image\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  : > "$root/etc/resolv.conf"; echo localhost > "$root/etc/hostname"
  log "debootstrap took $((SECONDS - started)) s; root is $(du -sh --one-file-system "$root" | cut -f1)"
}

# import ROOT IMAGE [--change ...]: the root as a one-layer image (no /dev, /proc, /sys contents)
import() {
  local root=$1 image=$2; shift 2
  tar --numeric-owner --xattrs --one-file-system -C "$root" \
    --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* -cf - . \
    | docker import "$@" - "$image" >/dev/null
  log "imported $image ($(docker image inspect -f '{{.Size}}' "$image" | numfmt --to=si))"
}

build_java() {
  local root=$work/debian jdk
  bootstrap "$root" ipmitool,libcap2-bin
  import "$root" "$DEBIAN_IMAGE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]'
  jdk=$("$repo/tinkerjvm" java-home)
  log "jlink from $jdk: $JRE_MODULES"
  mkdir -p "$work/java"
  "$jdk/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --generate-cds-archive --output "$work/java/jre"
  cp "$here/java/Dockerfile" "$here/java/healthz" "$work/java/"
  docker build -q -t "$JAVA_IMAGE" --build-arg BASE="$DEBIAN_IMAGE" "$work/java" >/dev/null
  log "built $JAVA_IMAGE ($(docker image inspect -f '{{.Size}}' "$JAVA_IMAGE" | numfmt --to=si)): $(docker run --rm --network none "$JAVA_IMAGE" java -version 2>&1 | head -1)"
}

build_postgres() {
  local root=$work/postgres
  bootstrap "$root" postgresql-15
  # the package's postinst made a cluster "main"; the entrypoint makes its own in the data volume
  rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main
  # 200 MB of the 400 the packages bring serve nothing here: LLVM and Z3 are for JIT (the entrypoint sets
  # jit = off), perl runs only postgresql-common's pg_ctlcluster wrappers (the image calls the binaries
  # in /usr/lib/postgresql/15/bin), locales only non-C locales (initdb uses C.UTF-8, part of libc).
  # The image is rebuilt, never upgraded with apt, so dpkg's broken dependencies on them do not matter.
  chroot "$root" dpkg --purge --force-depends libllvm14 libz3-4 perl libperl5.36 perl-modules-5.36 locales \
    >> "$root.log" 2>&1
  rm -rf "$root"/var/log/*
  log "without LLVM, perl and locales the root is $(du -sh --one-file-system "$root" | cut -f1)"
  import "$root" "$POSTGRES_IMAGE-root" \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8'
  mkdir -p "$work/postgres-image"
  cp "$here/postgres/Dockerfile" "$here/postgres/entrypoint.sh" "$work/postgres-image/"
  docker build -q -t "$POSTGRES_IMAGE" --build-arg BASE="$POSTGRES_IMAGE-root" "$work/postgres-image" >/dev/null
  docker rmi "$POSTGRES_IMAGE-root" >/dev/null 2>&1 || true   # untags only; the layer stays under $POSTGRES_IMAGE
  log "built $POSTGRES_IMAGE ($(docker image inspect -f '{{.Size}}' "$POSTGRES_IMAGE" | numfmt --to=si)): $(docker run --rm --network none --entrypoint postgres "$POSTGRES_IMAGE" --version)"
}

for t in "${targets[@]}"; do
  case "$t" in
    java) build_java ;;
    postgres) build_postgres ;;
    *) die "unknown target '$t' (java or postgres)" ;;
  esac
done
