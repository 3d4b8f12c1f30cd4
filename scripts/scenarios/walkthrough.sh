#!/usr/bin/env bash
# The README's walkthrough (cross-account, cross-region, KMS-encrypted
# replication), run as written: the ```sh walkthrough blocks of README.md,
# which docs/ja/walkthrough.md must repeat byte for byte, are concatenated
# and run against a fresh server; then the final state is checked.
source "$(dirname "$0")/../lib/ferry.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
README="$ROOT/README.md"
JA="$ROOT/docs/ja/walkthrough.md"
MARKER='<!-- walkthrough: diagnostics -->'

# doc_fail reports a problem with the documents themselves (no server yet).
doc_fail() { echo "FAIL: $*" >&2; exit 1; }

# blocks FILE prints the bodies of FILE's ```sh walkthrough blocks, in order,
# each followed by a blank line.
blocks() {
  awk '
    in_block && /^```[[:space:]]*$/ { in_block = 0; print ""; next }
    in_block { print; next }
    /^```sh walkthrough[[:space:]]*$/ { in_block = 1; n++ }
    END { if (in_block) { print "unterminated walkthrough block" > "/dev/stderr"; exit 1 } }
  ' "$1"
}

step "the walkthrough blocks of README.md and docs/ja/walkthrough.md"
blocks "$README" >"$WORK/walkthrough.en.sh" || doc_fail "README.md: bad walkthrough blocks"
blocks "$JA" >"$WORK/walkthrough.ja.sh" || doc_fail "docs/ja/walkthrough.md: bad walkthrough blocks"
n=$(grep -c '^```sh walkthrough' "$README" || true)
[ "$n" -gt 0 ] || doc_fail "README.md has no \`\`\`sh walkthrough block"
echo "$n blocks"
if ! diff -u --label README.md --label docs/ja/walkthrough.md "$WORK/walkthrough.en.sh" "$WORK/walkthrough.ja.sh"; then
  doc_fail "the walkthrough blocks of docs/ja/walkthrough.md differ from README.md's (diff above)"
fi
grep -qxF "$MARKER" "$README" || doc_fail "README.md lacks the line $MARKER"
grep -qxF "$MARKER" "$JA" || doc_fail "docs/ja/walkthrough.md lacks the line $MARKER"

start_ferry

step "run the walkthrough"
# The blocks run in this shell, as a reader pastes them into theirs, from a
# directory of their own (they write a few JSON files).
mkdir "$WORK/reader" "$WORK/bin" && cd "$WORK/reader"
# The reader runs the blocks where they started `ferry serve`, with a
# `ferry` command at hand (see the diagnostics section).
ln -s "$DATA" "$WORK/reader/ferry-data"
ln -s "$FERRY_BIN" "$WORK/bin/ferry"
PATH="$WORK/bin:$PATH"
# The blocks' output goes to a file (its lines are checked below); on a
# failure it is shown, with the failing command, on the script's stderr.
exec 3>&2
trap '{ cat "$WORK/walkthrough.out"; fail "walkthrough command failed (line $LINENO of the concatenated blocks): $BASH_COMMAND"; } 2>&3 1>&3' ERR
# shellcheck disable=SC1091
source "$WORK/walkthrough.en.sh" >"$WORK/walkthrough.out" 2>&1
trap - ERR
cat "$WORK/walkthrough.out"

step "final state"
for v in ACCOUNT_A ACCOUNT_B KS_ARN KD_ARN VERSION_ID; do
  [ -n "${!v:-}" ] || fail "the walkthrough did not set $v"
done
A="aws --profile ferry-a"
B="aws --profile ferry-b"
src() { $A s3api head-object --bucket walkthrough-src --region ap-northeast-1 --key reports/q3.txt --query "$1" --output text; }
dst() { $B s3api head-object --bucket walkthrough-dst --region us-west-2 --key reports/q3.txt --query "$1" --output text; }
expect_eq "$(src ReplicationStatus)" "COMPLETED" "source replication status"
expect_eq "$(src VersionId)" "$VERSION_ID" "source version id"
expect_eq "$(src SSEKMSKeyId)" "$KS_ARN" "source key"
expect_eq "$(dst ReplicationStatus)" "REPLICA" "replica status"
expect_eq "$(dst VersionId)" "$VERSION_ID" "replica version id"
expect_eq "$(dst ServerSideEncryption)" "aws:kms" "replica encryption"
expect_eq "$(dst SSEKMSKeyId)" "$KD_ARN" "replica key"
[[ "$KD_ARN" == arn:aws:kms:us-west-2:"$ACCOUNT_B":key/* ]] || fail "Kd is not b's key in us-west-2: $KD_ARN"
[[ "$KS_ARN" == arn:aws:kms:ap-northeast-1:"$ACCOUNT_A":key/* ]] || fail "Ks is not a's key in ap-northeast-1: $KS_ARN"

step "diagnostics"
expect_eq "$($A s3api head-object --bucket walkthrough-src --region ap-northeast-1 --key reports/q4.txt --version-id "$VERSION_Q4" \
  --query ReplicationStatus --output text)" "FAILED" "q4 without the destination bucket policy"
ferry explain s3://walkthrough-src/reports/q4.txt --version-id "$VERSION_Q4" >"$WORK/explain.out" && fail "explain of a FAILED version exits 0"
grep -q 'FAILED with DstPutObjectNotPermitted, but every hop passes now' "$WORK/explain.out" || fail "explain after the fix: $(cat "$WORK/explain.out")"

step "the diagnostics outputs shown in the docs are what the commands printed"
# Ids differ on every server: the docs show accounts 111111111111 (a) and
# 222222222222 (b), and "…" for key ids, version ids and times; a line that
# is only "…" stands for lines left out.
sed -e "s/$ACCOUNT_A/111111111111/g" -e "s/$ACCOUNT_B/222222222222/g" -e 's#key/[0-9a-f-]\{36\}#key/…#g' \
  -e 's/version [A-Za-z0-9._]\{32\}/version …/g' -e 's/last at [0-9TZ:-]*/last at …/g' \
  "$WORK/walkthrough.out" >"$WORK/walkthrough.norm"
for doc in "$README" "$JA"; do
  awk -v m="$MARKER" '$0 == m { after = 1 } after && /^```text$/ { inb = 1; next } inb && /^```$/ { inb = 0; next } inb' "$doc" |
    while IFS= read -r line; do
      [[ "$line" =~ ^[[:space:]]*…$ || -z "$line" ]] && continue
      grep -qxF -- "$line" "$WORK/walkthrough.norm" || fail "$(basename "$doc") shows a line the commands did not print: $line"
    done
done
ferry doctor replication walkthrough-src >"$WORK/doctor.out" || fail "doctor after the fix: $(cat "$WORK/doctor.out")"
grep -q 'Every hop passes' "$WORK/doctor.out" || fail "doctor: $(cat "$WORK/doctor.out")"
ferry doctor replication walkthrough-src --profile ferry-a >"$WORK/doctor-a.out" && fail "doctor as account a sees b's documents"
grep -q '? destination .*cannot see\|cannot see' "$WORK/doctor-a.out" || fail "doctor as a: $(cat "$WORK/doctor-a.out")"
echo "walkthrough: ok"
