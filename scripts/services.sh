#!/usr/bin/env bash
# Local services for development and tests: a throwaway PostgreSQL on 127.0.0.1.
# Usage: scripts/services.sh start | postgres | postgres-stop | postgres-status | chromium
#        | redis | redis-stop | redis-status   (start = postgres + redis)
# (chromium: installs Debian's chromium for the browser tests; source the script with
#  `chromium` to get PROSPECT_CHROMIUM exported in the calling shell.)
# Idempotent: running a start twice leaves the one running server alone.
set -euo pipefail

PG_DATA="${PROSPECT_PG_DATA:-/tmp/prospect-pg/data}"
PG_PORT="${PROSPECT_PG_PORT:-5432}"
PG_LOG="$(dirname "$PG_DATA")/postgres.log"
PG_SOCKET_DIR="$(dirname "$PG_DATA")"
PG_USER="prospect"
PG_PASSWORD="${PROSPECT_PG_PASSWORD:-prospect}"
PG_DATABASES=("prospect" "prospect_test")

as_postgres() { runuser -u postgres -- "$@"; }

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" ]] || return 1
  echo "$dir"
}

install_postgres() {
  if ! pg_bin >/dev/null; then
    echo "installing postgresql (apt-get)..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

init_cluster() {
  local bin="$1"
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  mkdir -p "$PG_DATA"
  chown -R postgres:postgres "$(dirname "$PG_DATA")"
  chmod 700 "$PG_DATA"
  as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
}

psql_admin() {
  as_postgres "$(pg_bin)/psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -qtA "$@"
}

create_role_and_databases() {
  local db
  if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" ]]; then
    psql_admin -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'" >/dev/null
  fi
  for db in "${PG_DATABASES[@]}"; do
    if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
      psql_admin -c "CREATE DATABASE $db OWNER $PG_USER" >/dev/null
    fi
  done
}

start_postgres() {
  install_postgres
  local bin
  bin="$(pg_bin)"
  init_cluster "$bin"
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -s \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_SOCKET_DIR" \
      start
  fi
  create_role_and_databases
  echo "postgres ready: postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/prospect_test"
}

stop_postgres() {
  local bin
  bin="$(pg_bin)" || return 0
  if [[ -f "$PG_DATA/postmaster.pid" ]]; then
    as_postgres "$bin/pg_ctl" -D "$PG_DATA" -w -s -m fast stop
  fi
}

status_postgres() {
  "$(pg_bin)/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
}

CHROMIUM_BIN="${PROSPECT_CHROMIUM:-/usr/bin/chromium}"

# Browser tests (pytest -m browser) drive Debian's chromium with Playwright; Playwright's own
# browser download is not used.
start_chromium() {
  if [[ ! -x "$CHROMIUM_BIN" ]]; then
    echo "installing chromium (apt-get)..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  export PROSPECT_CHROMIUM="$CHROMIUM_BIN"
  echo "chromium ready: PROSPECT_CHROMIUM=$PROSPECT_CHROMIUM ($("$CHROMIUM_BIN" --version 2>/dev/null))"
}

REDIS_PORT="${PROSPECT_REDIS_PORT:-6379}"
REDIS_DIR="${PROSPECT_REDIS_DIR:-/tmp/prospect-redis}"

# Celery's production broker and result backend for the worker tests (pytest -m redis): a
# throwaway, non-persistent redis-server on 127.0.0.1; sourcing exports PROSPECT_TEST_REDIS_URL.
start_redis() {
  if ! command -v redis-server >/dev/null; then
    echo "installing redis-server (apt-get)..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p "$REDIS_DIR"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --daemonize yes \
      --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
      --save "" --appendonly no >/dev/null
    local tries=0
    until redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; do
      (( ++tries > 50 )) && { echo "redis-server did not start; see $REDIS_DIR/redis.log" >&2; return 1; }
      sleep 0.1
    done
  fi
  export PROSPECT_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "redis ready: PROSPECT_TEST_REDIS_URL=$PROSPECT_TEST_REDIS_URL"
}

stop_redis() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

status_redis() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

case "${1:-}" in
  postgres) start_postgres ;;
  postgres-stop) stop_postgres ;;
  postgres-status) status_postgres ;;
  chromium) start_chromium ;;
  redis) start_redis ;;
  redis-stop) stop_redis ;;
  redis-status) status_redis ;;
  start)
    # Everything the tests need; a service that cannot start is reported, and its tests skip
    # with that reason instead of failing. The exports land in .services.env for the caller.
    : > .services.env
    for service in postgres redis chromium; do
      if ( "start_$service" ); then
        case "$service" in
          postgres) echo "export PROSPECT_TEST_POSTGRES_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/prospect_test" ;;
          redis) echo "export PROSPECT_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0" ;;
          chromium) echo "export PROSPECT_CHROMIUM=$CHROMIUM_BIN" ;;
        esac >> .services.env
      else
        echo "warning: $service could not be started; its tests will skip" >&2
      fi
    done
    ;;
  *)
    echo "usage: $0 {start|postgres|postgres-stop|postgres-status|chromium|redis|redis-stop|redis-status}" >&2
    exit 2
    ;;
esac
