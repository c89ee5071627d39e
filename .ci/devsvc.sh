#!/usr/bin/env bash
# Runs the development mail catcher, Mailpit: SMTP on 127.0.0.1:1025, web UI and API
# on 127.0.0.1:8025. Its defaults listen on every interface, so every address is set.
# Usage: .ci/devsvc.sh start|stop. The binary is built into .bin with `go install`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.bin RUN=$PWD/.data/run
MAILPIT_VERSION=v1.33.1
mkdir -p "$BIN" "$RUN"

# install NAME MODULE VERSION: go install unless .bin/NAME was built from that version.
install() {
  if [ "$(go version -m "$BIN/$1" 2>/dev/null | awk '$1 == "mod" { print $3 }')" != "$3" ]; then
    echo "building $1 $3 (about a minute the first time)" >&2
    GOBIN=$BIN go install "$2@$3"
  fi
}

# start NAME CMD...: start CMD in the background unless its pid file names a live process.
start() {
  local name=$1; shift
  local pidfile=$RUN/$name.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return; fi
  nohup "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$pidfile"
}

wait_http() {
  for _ in $(seq 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "$1 did not answer; see $RUN/*.log" >&2; return 1
}

case "${1:-start}" in
start)
  install mailpit github.com/axllent/mailpit "$MAILPIT_VERSION"
  pidfile=$RUN/mailpit.pid
  if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; } && curl -s -o /dev/null http://127.0.0.1:8025/livez; then
    # Another checkout's Mailpit already listens on these ports, so share it rather than fail to bind.
    rm -f "$pidfile"
    echo "Mailpit: already running on 127.0.0.1:1025 and :8025 (not started by this checkout), messages at http://127.0.0.1:8025/view/latest.html"
    exit 0
  fi
  start mailpit "$BIN/mailpit" --listen 127.0.0.1:8025 --smtp 127.0.0.1:1025 --pop3 127.0.0.1:1110 --disable-version-check
  wait_http http://127.0.0.1:8025/livez
  echo "Mailpit: SMTP 127.0.0.1:1025, messages at http://127.0.0.1:8025/view/latest.html" ;;
stop)
  for pidfile in "$RUN"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # Stop only a process that runs a binary of this checkout, never a process
    # that has reused the number since.
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^$BIN/"; then
      kill "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  echo "services stopped" ;;
*)
  echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
