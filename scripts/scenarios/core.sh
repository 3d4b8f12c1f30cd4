#!/usr/bin/env bash
# The core walkthrough with the stock AWS CLI: two accounts, two regions,
# buckets, versioning, objects, listings, a multipart upload, presigned GET,
# Object Lock, a new account through the admin API, and a restart that keeps everything.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
B="aws --profile ferry-b"

step "accounts have distinct identities and no buckets"
expect_eq "$($A s3api list-buckets --query 'length(Buckets)' --output text)" "0" "buckets of a"

step "buckets in two regions"
$A s3api create-bucket --bucket src-bucket >/dev/null
$B s3api create-bucket --bucket dst-bucket --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
expect_eq "$($B s3api get-bucket-location --bucket dst-bucket --query LocationConstraint --output text)" "us-west-2" "location"
expect_error BucketAlreadyExists $B s3api create-bucket --bucket src-bucket --region us-east-1
expect_error IllegalLocationConstraintException $B s3api create-bucket --bucket other-bucket
expect_error AccessDenied $B s3api list-objects-v2 --bucket src-bucket --region us-east-1
# A request signed for the wrong region gets AuthorizationHeaderMalformed naming
# the bucket's region; the CLI follows it and retries there.
$A s3api list-objects-v2 --bucket src-bucket --region eu-west-1 --debug >"$WORK/redirect.log" 2>&1 || fail "wrong-region list not redirected"
grep -q "<Code>AuthorizationHeaderMalformed</Code>.*<Region>us-east-1</Region>" "$WORK/redirect.log" || fail "no AuthorizationHeaderMalformed naming us-east-1"

step "versioning, put, get, list, delete"
$A s3api put-bucket-versioning --bucket src-bucket --versioning-configuration Status=Enabled
expect_eq "$($A s3api get-bucket-versioning --bucket src-bucket --query Status --output text)" "Enabled" "versioning"
echo "first" >"$WORK/f1"; echo "second" >"$WORK/f2"
v1=$($A s3api put-object --bucket src-bucket --key docs/a.txt --body "$WORK/f1" --metadata team=storage --query VersionId --output text)
v2=$($A s3api put-object --bucket src-bucket --key docs/a.txt --body "$WORK/f2" --query VersionId --output text)
[ "$v1" != "$v2" ] || fail "versions must differ"
$A s3api get-object --bucket src-bucket --key docs/a.txt "$WORK/out" >/dev/null
expect_eq "$(cat "$WORK/out")" "second" "latest content"
$A s3api get-object --bucket src-bucket --key docs/a.txt --version-id "$v1" "$WORK/out" >/dev/null
expect_eq "$(cat "$WORK/out")" "first" "old version content"
expect_eq "$($A s3api head-object --bucket src-bucket --key docs/a.txt --version-id "$v1" --query Metadata.team --output text)" "storage" "metadata"
$A s3api put-object --bucket src-bucket --key docs/b.txt --body "$WORK/f1" >/dev/null
$A s3api put-object --bucket src-bucket --key top.txt --body "$WORK/f1" >/dev/null
expect_eq "$($A s3api list-objects-v2 --bucket src-bucket --delimiter / --query 'CommonPrefixes[0].Prefix' --output text)" "docs/" "common prefix"
expect_eq "$($A s3api list-objects-v2 --bucket src-bucket --prefix docs/ --query 'length(Contents)' --output text)" "2" "key count"
dm=$($A s3api delete-object --bucket src-bucket --key docs/a.txt --query DeleteMarker --output text)
expect_eq "$dm" "True" "delete marker"
expect_error NoSuchKey $A s3api get-object --bucket src-bucket --key docs/a.txt "$WORK/out"
expect_eq "$($A s3api list-object-versions --bucket src-bucket --prefix docs/a.txt --query 'length(Versions)' --output text)" "2" "versions kept"

step "multipart upload of 40 MiB with aws s3 cp"
head -c $((40*1024*1024)) /dev/urandom >"$WORK/big"
$B s3 cp "$WORK/big" s3://dst-bucket/big.bin --only-show-errors
$B s3 cp s3://dst-bucket/big.bin "$WORK/big.back" --only-show-errors
cmp -s "$WORK/big" "$WORK/big.back" || fail "multipart round trip differs"
etag=$($B s3api head-object --bucket dst-bucket --key big.bin --query ETag --output text)
[[ "$etag" == *-* ]] || fail "multipart ETag should end in -N, got $etag"

step "presigned GET with curl"
url=$($B s3 presign s3://dst-bucket/big.bin --expires-in 300)
curl -fsS "$url" -o "$WORK/big.curl" || fail "presigned GET failed"
cmp -s "$WORK/big" "$WORK/big.curl" || fail "presigned GET content differs"
code=$(curl -s -o /dev/null -w '%{http_code}' "${url/X-Amz-Signature=/X-Amz-Signature=0}")
expect_eq "$code" "403" "tampered presigned URL"

step "Object Lock: retention, legal hold, protection"
$A s3api create-bucket --bucket lock-bucket --object-lock-enabled-for-bucket >/dev/null
expect_eq "$($A s3api get-bucket-versioning --bucket lock-bucket --query Status --output text)" "Enabled" "lock bucket versioning"
expect_error InvalidBucketState $A s3api put-bucket-versioning --bucket lock-bucket --versioning-configuration Status=Suspended
$A s3api put-object-lock-configuration --bucket lock-bucket \
  --object-lock-configuration 'ObjectLockEnabled=Enabled,Rule={DefaultRetention={Mode=GOVERNANCE,Days=1}}'
expect_eq "$($A s3api get-object-lock-configuration --bucket lock-bucket --query ObjectLockConfiguration.Rule.DefaultRetention.Days --output text)" "1" "default retention"
expect_error ObjectLockConfigurationNotFoundError $B s3api get-object-lock-configuration --bucket dst-bucket --region us-west-2
until=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
lv=$($A s3api put-object --bucket lock-bucket --key held.txt --body "$WORK/f1" --object-lock-mode COMPLIANCE \
  --object-lock-retain-until-date "$until" --object-lock-legal-hold-status ON --query VersionId --output text)
expect_eq "$($A s3api head-object --bucket lock-bucket --key held.txt --query ObjectLockMode --output text)" "COMPLIANCE" "lock mode on HEAD"
expect_eq "$($A s3api get-object-legal-hold --bucket lock-bucket --key held.txt --query LegalHold.Status --output text)" "ON" "legal hold"
expect_error AccessDenied $A s3api delete-object --bucket lock-bucket --key held.txt --version-id "$lv" --bypass-governance-retention
dv=$($A s3api put-object --bucket lock-bucket --key gov.txt --body "$WORK/f1" --query VersionId --output text)
expect_eq "$($A s3api get-object-retention --bucket lock-bucket --key gov.txt --query Retention.Mode --output text)" "GOVERNANCE" "default mode"
expect_error AccessDenied $A s3api delete-object --bucket lock-bucket --key gov.txt --version-id "$dv"
$A s3api delete-object --bucket lock-bucket --key gov.txt --version-id "$dv" --bypass-governance-retention >/dev/null
expect_error InvalidArgument $A s3api delete-object --bucket src-bucket --key top.txt --bypass-governance-retention

step "a new account through the admin API"
"$FERRY_BIN" account create carol --data-dir "$DATA" >/dev/null
expect_eq "$(aws --profile ferry-carol s3api list-buckets --query 'length(Buckets)' --output text)" "0" "new account has no buckets"
expect_error AccessDenied aws --profile ferry-carol s3api get-object --bucket src-bucket --key top.txt "$WORK/out"

step "restart keeps everything"
stop_ferry
start_ferry
$A s3api get-object --bucket src-bucket --key docs/a.txt --version-id "$v1" "$WORK/out" >/dev/null
expect_eq "$(cat "$WORK/out")" "first" "content after restart"
expect_eq "$(aws --profile ferry-carol s3api list-buckets --query 'length(Buckets)' --output text)" "0" "carol after restart"
expect_eq "$($A s3api get-object-retention --bucket lock-bucket --key held.txt --query Retention.Mode --output text)" "COMPLIANCE" "retention after restart"

step "cleanup deletes buckets"
$B s3 rm s3://dst-bucket/big.bin --only-show-errors
$B s3api delete-bucket --bucket dst-bucket
echo "core scenario passed"
