#!/usr/bin/env bash
# CI's check of the deployment files (no dockerd needed): docker-compose.yml must validate with the
# example env file, must refuse to render without the required settings, the example must hold only
# placeholders, and the image scripts must parse. Needs Debian's docker-compose (1.29; the Compose v2
# plugin is not packaged for Debian 12) and python3 (its dependency).
set -euo pipefail
cd "$(dirname "$0")"
fail() { echo "deploy/check.sh: $*" >&2; exit 1; }
command -v docker-compose >/dev/null || fail "docker-compose is not installed (apt-get install docker-compose)"

# settings the environment could carry into the checks below
unset COMPOSE_FILE COMPOSE_PROJECT_NAME PUBLIC_IP PUBLISH_IP POSTGRES_PASSWORD TINK_BMC_KEY BOOTS_DHCP_MODE TINKERJVM_TAG

# 1. the file with the documented example: valid, and the services it should have
out=$(docker-compose --env-file "$PWD/env.example" -f docker-compose.yml config) \
  || fail "docker-compose.yml does not validate with env.example (above)"
services=$(docker-compose --env-file "$PWD/env.example" -f docker-compose.yml config --services | sort | tr '\n' ' ')
[ "$services" = "boots hegel pbnj postgres tink-server " ] || fail "unexpected services: $services"
volumes=$(docker-compose --env-file "$PWD/env.example" -f docker-compose.yml config --volumes | sort | tr '\n' ' ')
[ "$volumes" = "boots-ipxe boots-osie postgres-data tinkerjvm-data " ] || fail "unexpected volumes: $volumes"
grep -q 'TINK_BMC_KEY: REPLACE-ME' <<<"$out" || fail "TINK_BMC_KEY does not come from the env file"

# 2. without an env file the required settings stop it (no secret default hides in the compose file)
empty=$(mktemp); trap 'rm -f "$empty"' EXIT
for v in PUBLIC_IP POSTGRES_PASSWORD TINK_BMC_KEY; do
  grep -v "^$v=" env.example > "$empty"
  if err=$(docker-compose --env-file "$empty" -f docker-compose.yml config -q 2>&1); then
    fail "docker-compose.yml renders without $v"
  fi
  grep -q "$v" <<<"$err" || fail "the error without $v does not name it: $err"
done

# 3. the example is not a working secret, and nothing else in deploy/ is one
for v in POSTGRES_PASSWORD TINK_BMC_KEY; do
  grep -q "^$v=REPLACE-ME" env.example || fail "env.example's $v must stay a REPLACE-ME placeholder"
done
[ ! -e .env ] || git check-ignore -q .env 2>/dev/null || fail "deploy/.env exists and git does not ignore it"

# 4. the scripts parse
for f in check.sh netns-smoke.sh images/build-base.sh images/build.sh images/postgres/entrypoint.sh images/java/healthz; do
  bash -n "$f" || fail "$f does not parse"
done
echo "deploy/check.sh: docker-compose.yml valid ($(docker-compose version --short)); services: $services"
