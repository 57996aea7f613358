#!/bin/bash
# Starts Debian's PostgreSQL 15 as user postgres. On the first start (an empty PGDATA) it makes the
# cluster: initdb with the superuser POSTGRES_USER and its password (POSTGRES_PASSWORD, or the file
# POSTGRES_PASSWORD_FILE names), stored as SCRAM-SHA-256; every connection over TCP, from any address,
# must give it (pg_hba: scram-sha-256); the local socket is peer only. Then the database POSTGRES_DB.
# Later starts use what the volume holds and ignore the variables.
set -euo pipefail
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
log() { printf 'postgres-entrypoint: %s\n' "$*" >&2; }

if [ "${1:-postgres}" != postgres ]; then
  exec "$@"          # e.g. psql or a shell for maintenance
fi
shift || true

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /run/postgresql
  chown postgres:postgres "$PGDATA" /run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    password=$(cat "$POSTGRES_PASSWORD_FILE")
  else
    password=${POSTGRES_PASSWORD:-}
  fi
  if [ -z "$password" ]; then
    log "no password: set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE); deploy/env.example says how"; exit 1
  fi
  case "$password" in
    REPLACE-ME*) log "POSTGRES_PASSWORD is still the example's placeholder: write a real one into .env"; exit 1 ;;
  esac
  log "initialising $PGDATA (superuser $user, database $db)"
  pwfile=$(mktemp)
  printf '%s\n' "$password" > "$pwfile"
  initdb --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >&2
  rm -f "$pwfile"
  cat >> "$PGDATA/postgresql.conf" <<CONF
# written by postgres-entrypoint on first start
listen_addresses = '*'
password_encryption = scram-sha-256
unix_socket_directories = '/run/postgresql'
jit = off                      # the image leaves LLVM out
CONF
  cat > "$PGDATA/pg_hba.conf" <<HBA
# written by postgres-entrypoint on first start: socket by peer, TCP from anywhere with a SCRAM password
local all all                peer
host  all all 0.0.0.0/0      scram-sha-256
host  all all ::/0           scram-sha-256
HBA
  if [ "$db" != postgres ]; then
    # single-user mode: no server listens while the cluster has only its superuser
    echo "CREATE DATABASE \"$db\" OWNER \"$user\";" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  log "initialised"
fi
exec postgres -D "$PGDATA" "$@"
