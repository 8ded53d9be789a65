#!/usr/bin/env bash
# postgres-dev.sh: a PostgreSQL server of its own for developing and testing
# rgallery's team gallery (RGALLERY_DB=postgres://...).
#
#   scripts/postgres-dev.sh start        install (apt) if needed, initialise and start; prints `export` lines
#   eval "$(scripts/postgres-dev.sh start -q)"   ... and take them into this shell
#   scripts/postgres-dev.sh env          print the exports of the running server
#   scripts/postgres-dev.sh status       pid and readiness; exit 1 if not running
#   scripts/postgres-dev.sh stop         stop the server this script started
#
# Everything lives in $RGALLERY_PG_DIR (default /var/tmp/rgallery-pg): the
# cluster (data/), its log and socket dir. The server listens on 127.0.0.1 at
# $RGALLERY_PG_PORT (default 6942, not the standard 5432) and on a unix socket
# in that dir, so it never collides with, and never touches, a PostgreSQL it
# did not start: it is controlled with pg_ctl on its own data dir only.
# Idempotent: start on a running server only prints the exports. As root, the
# server runs as the `postgres` user (Debian's package creates it). The
# database is `rgallery`, user `rgallery`, password `rgallery` (a test server
# on loopback; do not reuse for a team). RGALLERY_PG_NO_INSTALL=1 never runs
# apt-get.
set -euo pipefail

cmd="${1:-}"
[ $# -gt 0 ] && shift
QUIET=0
for a in "$@"; do
  case "$a" in
    -q|--quiet) QUIET=1 ;;
    *) echo "postgres-dev.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

D="${RGALLERY_PG_DIR:-/var/tmp/rgallery-pg}"
PORT="${RGALLERY_PG_PORT:-6942}"
DATA="$D/data"
LOG="$D/postgres.log"
URL="postgres://rgallery:rgallery@127.0.0.1:$PORT/rgallery?sslmode=disable"

say() { [ "$QUIET" = 1 ] && return 0; echo "[postgres-dev] $*" >&2; }
fail() { echo "postgres-dev.sh: $*" >&2; [ -f "$LOG" ] && tail -n 20 "$LOG" >&2; exit 1; }

bindir() {
  local b
  for b in /usr/lib/postgresql/*/bin; do
    [ -x "$b/pg_ctl" ] && { echo "$b"; return 0; }
  done
  return 1
}

install() {
  bindir >/dev/null && return 0
  [ "${RGALLERY_PG_NO_INSTALL:-0}" = 1 ] && fail "PostgreSQL is not installed and RGALLERY_PG_NO_INSTALL=1"
  say "installing postgresql with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; } \
    || fail "apt-get install postgresql failed"
  # Debian's package starts a cluster on 5432; we leave it as it is.
  bindir >/dev/null || fail "postgresql installed but no pg_ctl found under /usr/lib/postgresql"
}

# as_pg runs a command as the cluster's owner.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg() { as_pg "$(bindir)/pg_ctl" -D "$DATA" "$@"; }

running() { [ -d "$DATA" ] && pg status >/dev/null 2>&1; }

print_env() { echo "export RGALLERY_DB='$URL'"; }

start() {
  install
  if running; then
    say "already running on port $PORT"
    print_env
    return 0
  fi
  mkdir -p "$D"
  [ "$(id -u)" = 0 ] && chown postgres: "$D"
  if [ ! -s "$DATA/PG_VERSION" ]; then
    say "initialising a cluster in $DATA"
    local pw
    pw="$(mktemp)"
    echo rgallery >"$pw"
    [ "$(id -u)" = 0 ] && chown postgres: "$pw"
    as_pg "$(bindir)/initdb" -D "$DATA" -U rgallery --pwfile="$pw" -A scram-sha-256 -E UTF8 >/dev/null \
      || { rm -f "$pw"; fail "initdb failed"; }
    rm -f "$pw"
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $PORT"
      echo "unix_socket_directories = '$D'"
      echo "max_connections = 300"
      echo "fsync = on"
    } >>"$DATA/postgresql.conf"
  fi
  say "starting on 127.0.0.1:$PORT"
  pg -l "$LOG" -w -t 60 start >/dev/null || fail "pg_ctl start failed"
  if ! PGPASSWORD=rgallery "$(bindir)/psql" -h 127.0.0.1 -p "$PORT" -U rgallery -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'rgallery'" | grep -q 1; then
    PGPASSWORD=rgallery "$(bindir)/createdb" -h 127.0.0.1 -p "$PORT" -U rgallery rgallery || fail "createdb failed"
  fi
  print_env
}

case "$cmd" in
  start) start ;;
  env) running || fail "not running (start it: scripts/postgres-dev.sh start)"; print_env ;;
  status)
    if running; then
      echo "running: $(head -n1 "$DATA/postmaster.pid"), 127.0.0.1:$PORT, data $DATA"
    else
      echo "not running (data $DATA)"
      exit 1
    fi
    ;;
  stop)
    if running; then
      pg -m fast -w stop >/dev/null && say "stopped"
    else
      say "not running"
    fi
    ;;
  *) echo "usage: postgres-dev.sh start [-q] | env | status | stop" >&2; exit 2 ;;
esac
