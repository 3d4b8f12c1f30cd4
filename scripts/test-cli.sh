#!/usr/bin/env bash
# Runs every AWS CLI scenario under scripts/scenarios/ against a fresh
# `ferry serve`, and prints a summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
for s in scripts/scenarios/*.sh; do
  echo "== scenario $(basename "$s")"
  if bash "$s"; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAILED: $s"; fi
done
echo "scenarios: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
