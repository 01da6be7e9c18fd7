#!/usr/bin/env bash
# Installs what `npm run test:cluster` needs beyond scripts/setup.sh, and only what is missing:
#  - Debian's PostgreSQL (apt-get), for Temporal's persistence and visibility,
#  - the Temporal server and its SQL schema tool, built from the pinned Go module into .tools/.
# Kept out of `npm test`: the normal suite runs on the dev server and does not pay for this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Kept in step with TEMPORAL_SERVER in src/embedded/tools.ts.
TEMPORAL_SERVER_VERSION=1.29.1
SERVER_DIR=.tools/temporal-server-$TEMPORAL_SERVER_VERSION

log() { echo "[setup-cluster] $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's PostgreSQL"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    log "PostgreSQL is missing and apt-get cannot run here: install Debian's postgresql package"
    exit 1
  fi
fi

if [ ! -x "$SERVER_DIR/server" ] || [ ! -x "$SERVER_DIR/sql" ]; then
  log "building the Temporal server $TEMPORAL_SERVER_VERSION and its SQL tool (first time takes several minutes)"
  # Niced and one package at a time: the machine is shared, and a test run can wait.
  mkdir -p "$SERVER_DIR.new"
  GOBIN="$PWD/$SERVER_DIR.new" GOFLAGS="${GOFLAGS:-} -buildvcs=false -p=1" nice -n 19 \
    go install "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION"
  rm -rf "$SERVER_DIR" && mv "$SERVER_DIR.new" "$SERVER_DIR"
fi
