#!/usr/bin/env bash
# Measures Ferry's hot paths on this machine, each next to a baseline taken in
# the same run: the disk's sequential write speed (dd with fdatasync) for large
# PUTs, and a no-op HTTP server driven by the same client for everything else.
# Usage: scripts/perf.sh [seconds-per-phase]   (default 10)
cd "$(dirname "$0")/.."
source scripts/lib/ferry.sh
secs=${1:-10}

# fresh starts a server on an empty data directory.
fresh() { stop_ferry; rm -rf "$DATA"; start_ferry; }

build_ferry
echo "== machine: $(nproc) cores, $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== disk baseline: 1 GiB sequential write with fdatasync, on the data directory's file system"
dd if=/dev/zero of="$WORK/dd.bin" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1
rm -f "$WORK/dd.bin"

echo "== 4KiB and 1MiB, 32 clients"
fresh
"$FERRY_BIN" bench --data-dir "$DATA" -c 32 -d "${secs}s" --sizes 4KiB,1MiB --baseline

echo "== 64MiB, one client (compare PUT with the disk baseline)"
fresh
"$FERRY_BIN" bench --data-dir "$DATA" -c 1 -d "${secs}s" --sizes 64MiB --baseline
