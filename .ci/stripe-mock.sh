#!/usr/bin/env bash
# Runs stripe-mock, which answers the Stripe API with its fixtures, for the tests
# that check Checkout Session requests. Both addresses are set because with only
# -http-addr it also opens HTTPS on every interface.
# Usage: .ci/stripe-mock.sh start. Prints STRIPE_MOCK_URL for the tests; `make
# db-stop` stops it with the other services (its pid file is in .data/run).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.bin RUN=$PWD/.data/run
VERSION=v0.203.0
HTTP_ADDR=127.0.0.1:${STRIPE_MOCK_PORT:-12111}
HTTPS_ADDR=127.0.0.1:${STRIPE_MOCK_HTTPS_PORT:-12112}
mkdir -p "$BIN" "$RUN"

if [ "$(go version -m "$BIN/stripe-mock" 2>/dev/null | awk '$1 == "mod" { print $3 }')" != "$VERSION" ]; then
  echo "building stripe-mock $VERSION (about 10 s the first time)" >&2
  GOBIN=$BIN go install "github.com/stripe/stripe-mock@$VERSION"
fi

pidfile=$RUN/stripe-mock.pid
if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  if curl -s -o /dev/null "http://$HTTP_ADDR/v1/customers"; then
    # Another checkout's stripe-mock already listens there, so share it (STRIPE_MOCK_PORT picks another port).
    rm -f "$pidfile"
  else
    nohup "$BIN/stripe-mock" -http-addr "$HTTP_ADDR" -https-addr "$HTTPS_ADDR" >"$RUN/stripe-mock.log" 2>&1 &
    echo $! >"$pidfile"
  fi
fi
for _ in $(seq 200); do
  # stripe-mock returns 401 without an API key, which proves it is up.
  if curl -s -o /dev/null "http://$HTTP_ADDR/v1/customers"; then
    echo "STRIPE_MOCK_URL=http://$HTTP_ADDR"
    exit 0
  fi
  sleep 0.05
done
echo "stripe-mock did not respond on $HTTP_ADDR; see $RUN/stripe-mock.log" >&2
exit 1
