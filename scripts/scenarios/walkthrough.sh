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
mkdir "$WORK/reader" && cd "$WORK/reader"
trap 'fail "walkthrough command failed (line $LINENO of the concatenated blocks): $BASH_COMMAND"' ERR
# shellcheck disable=SC1091
source "$WORK/walkthrough.en.sh"
trap - ERR

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
echo "walkthrough: ok"
