#!/usr/bin/env bash
# Runs a private PostgreSQL cluster for development and tests: data in .data/pg,
# TCP on 127.0.0.1:${PGPORT:-5433} only, trust authentication, database "ledgvero".
# Usage: .ci/devpg.sh start|stop|status. Every action is idempotent.
#
# initdb and postgres refuse to run as root, so as root the cluster runs as the
# "postgres" system user. When that user cannot enter the checkout (a clone under a
# private home directory), the data lives under /tmp and .data/pg links to it.
set -euo pipefail
cd "$(dirname "$0")/.."
PGPORT=${PGPORT:-5433}
PGDB=${PGDB:-ledgvero}
PGDATA=$PWD/.data/pg
LOG=$PWD/.data/pg.log

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN=$(pg_bin || true)
if [ -z "$BIN" ]; then
  echo "installing PostgreSQL from Debian packages" >&2
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  BIN=$(pg_bin)
fi

mkdir -p .data
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
  [ -L "$PGDATA" ] && [ ! -e "$PGDATA" ] && rm "$PGDATA"   # link to a /tmp folder that was wiped
  mkdir -p "$PGDATA"
  chown postgres "$PGDATA"
  if ! as_pg test -w "$PGDATA"; then
    real=/tmp/ledgvero-pg-$(echo "$PWD" | md5sum | cut -c1-8)
    mkdir -p "$real"; chown postgres "$real"
    rmdir "$PGDATA" 2>/dev/null || true
    ln -sfn "$real" "$PGDATA"
    PGDATA=$real LOG=$real.log
  fi
else
  as_pg() { "$@"; }
  mkdir -p "$PGDATA"
fi
ctl() { as_pg "$BIN/pg_ctl" -D "$PGDATA" "$@"; }

case "${1:-start}" in
start)
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! ctl status >/dev/null 2>&1; then
    touch "$LOG"; [ "$(id -u)" = 0 ] && chown postgres "$LOG"
    # fsync off: this cluster holds development and test data only, and tests
    # create many databases; a crash loses nothing that a re-seed cannot restore.
    ctl -w -t 60 -l "$LOG" -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  fi
  for _ in $(seq 100); do "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" && break; sleep 0.1; done
  if [ -z "$("$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$PGDB'")" ]; then
    "$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$PGDB"
  fi
  echo "postgres://postgres@127.0.0.1:$PGPORT/$PGDB?sslmode=disable" ;;
stop)
  if ctl status >/dev/null 2>&1; then ctl -w -m fast stop >/dev/null; fi
  echo "PostgreSQL stopped" ;;
status)
  ctl status ;;
*)
  echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
