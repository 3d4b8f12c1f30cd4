#!/usr/bin/env bash
# Measures Ferry's hot paths on this machine, each next to a baseline taken in
# the same run: the disk's sequential write speed (dd with fdatasync) for large
# PUTs, and a no-op HTTP server driven by the same client for everything else.
# Usage: scripts/perf.sh [seconds-per-phase]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-perf.XXXXXX")
trap 'kill "${pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/ferry" ./cmd/ferry

start() {
  rm -rf "$work/data"
  "$work/ferry" serve --data-dir "$work/data" --listen 127.0.0.1:0 --log-level warn >"$work/serve.out" 2>"$work/serve.log" &
  pid=$!
  for _ in $(seq 100); do [ -f "$work/data/admin.json" ] && grep -q "listening on" "$work/serve.out" && break; sleep 0.1; done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

echo "== machine: $(nproc) cores, $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== disk baseline: 1 GiB sequential write with fdatasync, on the data directory's file system"
dd if=/dev/zero of="$work/dd.bin" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1
rm -f "$work/dd.bin"

echo "== 4KiB and 1MiB, 32 clients"
start
"$work/ferry" bench --data-dir "$work/data" -c 32 -d "${secs}s" --sizes 4KiB,1MiB --baseline
stop

echo "== 64MiB, one client (compare PUT with the disk baseline)"
start
"$work/ferry" bench --data-dir "$work/data" -c 1 -d "${secs}s" --sizes 64MiB --baseline
stop
