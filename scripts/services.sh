#!/usr/bin/env bash
# Local services for development and tests: a throwaway PostgreSQL on 127.0.0.1.
# Usage: scripts/services.sh postgres | postgres-stop | postgres-status
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

case "${1:-}" in
  postgres) start_postgres ;;
  postgres-stop) stop_postgres ;;
  postgres-status) status_postgres ;;
  *)
    echo "usage: $0 {postgres|postgres-stop|postgres-status}" >&2
    exit 2
    ;;
esac
