#!/usr/bin/env bash
# Prepares the browser tests without any browser download, which this network
# blocks: Debian's Chromium, and the Playwright driver from npm at exactly the
# version that the playwright-go module pins. Prints the variables the tests read.
set -euo pipefail
cd "$(dirname "$0")/.."
MODULE=github.com/mxschmitt/playwright-go
DRIVER=$PWD/.cache/pw-driver

if ! command -v chromium >/dev/null; then
  echo "installing Chromium from Debian packages (about 30 s)" >&2
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi
if ! command -v node >/dev/null; then
  echo "installing Node.js from Debian packages" >&2
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null
fi

go mod download "$MODULE"
version=$(sed -n 's/.*playwrightCliVersion *= *"\([0-9.]*\)".*/\1/p' "$(go list -m -f '{{.Dir}}' "$MODULE")/run.go")
if [ "$(node "$DRIVER/package/cli.js" --version 2>/dev/null)" != "Version $version" ]; then
  echo "installing playwright-core $version from npm" >&2
  rm -rf "$DRIVER"; mkdir -p "$DRIVER"
  npm install --prefix "$DRIVER" --no-save --no-audit --no-fund "playwright-core@$version" >/dev/null
  ln -sfn node_modules/playwright-core "$DRIVER/package"   # playwright-go looks for <dir>/package/cli.js
fi
echo "PLAYWRIGHT_DRIVER_PATH=$DRIVER PLAYWRIGHT_NODEJS_PATH=$(command -v node) CHROMIUM_PATH=$(command -v chromium)"
