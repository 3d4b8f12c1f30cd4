# Helpers for scenario scripts: build and start a throw-away Ferry server,
# run the stock AWS CLI against it, and check results.
set -euo pipefail

FERRY_BIN=${FERRY_BIN:-}
WORK=$(mktemp -d)
DATA="$WORK/data"
SERVER_PID=
trap 'stop_ferry; rm -rf "$WORK"' EXIT

build_ferry() {
  if [ -z "$FERRY_BIN" ]; then
    FERRY_BIN="$WORK/ferry"
    go build -o "$FERRY_BIN" ./cmd/ferry
  fi
}

# start_ferry starts the server on a free loopback port and waits until it answers.
start_ferry() {
  build_ferry
  "$FERRY_BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if [ -f "$DATA/admin.json" ] && grep -q "listening on" "$WORK/serve.out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  ENDPOINT=$(sed -n 's/.*"endpoint": "\(.*\)".*/\1/p' "$DATA/admin.json")
  for _ in $(seq 1 50); do
    curl -fsS "$ENDPOINT/_ferry/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  export AWS_CONFIG_FILE="$DATA/aws/config" AWS_SHARED_CREDENTIALS_FILE="$DATA/aws/credentials"
  export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
  unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_REGION
}

stop_ferry() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

step() { echo "-- $*"; }

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log (tail)" >&2
  tail -n 20 "$WORK/serve.log" >&2 || true
  exit 1
}

# expect_eq ACTUAL EXPECTED MESSAGE
expect_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

# expect_error CODE COMMAND... : the command must fail with the AWS error CODE.
expect_error() {
  local code=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "expected $code from: $*"; fi
  grep -q "($code)" <<<"$out" || fail "expected $code from: $* — got: $out"
}
