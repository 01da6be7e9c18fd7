#!/usr/bin/env bash
# Builds FerretDB from its published module with our patches applied: usage build.sh OUTPUT.
# The module is copied from Go's module cache (fetched through the Go proxy) into a scratch
# folder, each tools/ferretdb/patches/*.patch is applied to the copy, and tools/ferretdb is
# built against it through a replace directive written into a copy of its go.mod.
#
# patches/update-closes-each-statement.patch: FerretDB 1.24's update command keeps every
# statement's read open until the whole command returns, each holding one of the SQLite
# pool's 100 connections while it waits for another to write; a few bulk updates at once
# exhausted the pool and every query then waited forever while ping still answered
# (docs/reliability.md). The patch releases each statement's read when it is done.
#
# patches/id-filter-pushdown.patch: FerretDB 1.24 narrows a query to one row by _id only when
# its filter is exactly { _id: value }; { _id, runId } or { _id: { $in: [...] } } read the whole
# table. The patch narrows every filter naming _id (a string or ObjectID, or an $in of them).
#
# patches/release-builds-track-nothing.patch: FerretDB 1.24 tracks every document iterator's
# lifetime, in release builds too: a stack capture into a pprof profile, a reflective check and
# a finalizer each, 5% of its CPU in the benchmark's profile, and the finalizer panics (ending
# the server) should an iterator ever leak. The patch tracks only in debug builds, as the
# tracking's own debugbuild flag intends.
set -euo pipefail
out=$(realpath -m "$1")
cd "$(dirname "$0")"
module=github.com/FerretDB/FerretDB
version=$(go list -m -f '{{.Version}}' "$module")
source=$(go mod download -json "$module@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch"; rm -rf "$scratch"' EXIT
cp -r "$source" "$scratch/ferretdb"
chmod -R u+w "$scratch/ferretdb"
for patch in "$PWD"/patches/*.patch; do
  (cd "$scratch/ferretdb" && git apply -p1 "$patch")
done
mkdir "$scratch/build"
cp go.mod go.sum ./*.go "$scratch/build/"
(cd "$scratch/build" && go mod edit -replace "$module=../ferretdb" && go build -o "$out" .)
