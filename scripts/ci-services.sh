#!/usr/bin/env bash
# Makes sure Redis and PostgreSQL answer on loopback for the store integration tests,
# then prints the environment the tests read:
#
#   eval "$(scripts/ci-services.sh)"     # exports REDIS_URL and DATABASE_URL
#
# Progress goes to stderr; stdout carries only the `export` lines, so the script is
# meant to be eval'd (sourcing it works too, but would leak its `set -e` into your shell).
# Steps: install redis-server / postgresql with apt-get when missing (root or sudo),
# start whichever is not running, trust loopback connections for the postgres user on a
# fresh cluster, create the `test` database, and wait until both answer (30 s at most).
# CI_REDIS_PORT / CI_PG_PORT override the ports (defaults 6379 / 5432); the PostgreSQL
# port must be the one the existing cluster listens on.
set -euo pipefail

REDIS_PORT=${CI_REDIS_PORT:-6379}
PG_PORT=${CI_PG_PORT:-5432}
PG_DB=test
log() { echo "[ci-services] $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() {
  local packages=()
  command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
  command -v pg_ctlcluster >/dev/null 2>&1 || packages+=(postgresql)
  if [ "${#packages[@]}" -gt 0 ]; then
    log "installing ${packages[*]}"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${packages[@]}" >&2
  fi
}

redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }
psql_postgres() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -w "$@"; }

wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 60); do
    if $check; then return 0; fi
    sleep 0.5
  done
  log "$what did not answer within 30 s"
  return 1
}

start_redis() {
  redis_up && return 0
  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
}

start_postgres() {
  pg_up && return 0
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version (cluster main)"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
}

# A fresh apt cluster asks for a password on TCP; CI wants passwordless loopback access.
trust_loopback() {
  psql_postgres -d postgres -c "SELECT 1" >/dev/null 2>&1 && return 0
  local version hba
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  log "allowing trust auth for postgres on loopback in $hba"
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload >&2
  psql_postgres -d postgres -c "SELECT 1" >/dev/null
}

create_database() {
  if [ "$(psql_postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
    log "creating database $PG_DB"
    psql_postgres -d postgres -c "CREATE DATABASE \"$PG_DB\"" >&2
  fi
}

install_missing
start_redis
start_postgres
wait_for redis redis_up
wait_for postgresql pg_up
trust_loopback
create_database
log "redis and postgresql are up"

echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
