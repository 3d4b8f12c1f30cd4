#!/usr/bin/env bash
# ferry demo against a running server: the cross-account, cross-region,
# KMS-encrypted replication of the walkthrough completes; with
# --break missing-bucket-policy the objects end FAILED and the demo still
# exits 0 (it saw the failure it expected); an unknown break is refused.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
# ferry demo finds the server through $DATA/admin.json and the profiles
# ferry-a and ferry-b through $DATA/aws/credentials.
DEMO="$FERRY_BIN demo --data-dir $DATA --objects 3 --timeout 20s"

step "the working set-up replicates every object"
$DEMO >"$WORK/demo.out" 2>&1 || { cat "$WORK/demo.out"; fail "ferry demo exited $?"; }
grep -q "^Ferry replication demo against $ENDPOINT\$" "$WORK/demo.out" || fail "demo did not use the running server"
expect_eq "$(grep -c '^  ✓ demo/object-[0-9]*.txt: COMPLETED, replica verified$' "$WORK/demo.out")" "3" "objects completed and verified"
grep -q "^Ferry did what AWS does.$" "$WORK/demo.out" || fail "no verdict"
grep -q "(diagnostics not available on this server)\|^    " "$WORK/demo.out" || fail "no pre-flight diagnostics line"

step "the set-up is real: the replica is there for the stock CLI"
dst=$(sed -n 's/^  ✓ create bucket: arn:aws:s3:::\(ferry-demo-dst-[0-9a-f]*\)$/\1/p' "$WORK/demo.out")
[ -n "$dst" ] || fail "destination bucket not printed"
expect_eq "$(aws --profile ferry-b s3api head-object --bucket "$dst" --key demo/object-1.txt --query ReplicationStatus --output text)" \
  "REPLICA" "replica status seen by account b"

step "--break missing-bucket-policy: FAILED, as AWS does"
$DEMO --break missing-bucket-policy >"$WORK/break.out" 2>&1 || { cat "$WORK/break.out"; fail "ferry demo --break exited $?"; }
grep -q "^Break: missing-bucket-policy" "$WORK/break.out" || fail "break not announced"
grep -q "^  - bucket policy granting A's role the replicate actions: skipped" "$WORK/break.out" || fail "bucket policy not skipped"
expect_eq "$(grep -c '^  ✓ demo/object-[0-9]*.txt: FAILED' "$WORK/break.out")" "3" "objects failed as expected"

step "an unknown break is refused"
if $DEMO --break nonsense >"$WORK/bad.out" 2>&1; then fail "unknown break accepted"; fi
grep -q "unknown break" "$WORK/bad.out" || fail "no message for an unknown break"
echo "demo: ok"
