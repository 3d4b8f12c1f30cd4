#!/usr/bin/env bash
# Authorization with the stock AWS CLI and curl: a user needs identity
# policies, bucket policies grant other accounts and anonymous readers (once
# the bucket's Block Public Access settings allow it), an explicit deny
# wins, and the owner's root can always remove the policy. Object ACLs:
# another account's object needs its ACL to let the bucket owner in, and
# public-read works once Block Public Access allows it.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
B="aws --profile ferry-b"
ACCT_A=$($A sts get-caller-identity --query Account --output text)
ACCT_B=$($B sts get-caller-identity --query Account --output text)
$A s3api create-bucket --bucket authz-data >/dev/null
echo "hello" >"$WORK/obj"
$A s3api put-object --bucket authz-data --key k --body "$WORK/obj" >/dev/null

step "a user without policies is denied; AmazonS3ReadOnlyAccess reads but does not write"
$A iam create-user --user-name reader >/dev/null
read -r AK SK < <($A iam create-access-key --user-name reader --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
reader() { AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url "$ENDPOINT" "$@"; }
expect_error AccessDenied reader s3api get-object --bucket authz-data --key k "$WORK/out"
$A iam attach-user-policy --user-name reader --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
reader s3api get-object --bucket authz-data --key k "$WORK/out" >/dev/null
expect_eq "$(cat "$WORK/out")" "hello" "read with AmazonS3ReadOnlyAccess"
expect_error AccessDenied reader s3api put-object --bucket authz-data --key new --body "$WORK/obj"

step "a bucket policy lets account b read"
expect_error AccessDenied $B s3api get-object --bucket authz-data --key k "$WORK/out"
expect_error NoSuchBucketPolicy $A s3api get-bucket-policy --bucket authz-data
cat >"$WORK/grant.json" <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$ACCT_B:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::authz-data/*"}]}
JSON
$A s3api put-bucket-policy --bucket authz-data --policy "file://$WORK/grant.json"
expect_eq "$($A s3api get-bucket-policy --bucket authz-data --query Policy --output text)" "$(cat "$WORK/grant.json")" "policy as put"
$B s3api get-object --bucket authz-data --key k "$WORK/out" >/dev/null
expect_eq "$(cat "$WORK/out")" "hello" "b reads through the bucket policy"
expect_error MalformedPolicy $A s3api put-bucket-policy --bucket authz-data --policy '{}'

step "anonymous readers need a public policy"
code=$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/authz-data/k")
expect_eq "$code" "403" "anonymous GET without a public policy"
cat >"$WORK/public.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::authz-data/*"},{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::authz-data/*"}]}
JSON
expect_eq "$($A s3api get-public-access-block --bucket authz-data --query PublicAccessBlockConfiguration.BlockPublicPolicy --output text)" "True" "new buckets block public policies"
expect_error AccessDenied $A s3api put-bucket-policy --bucket authz-data --policy "file://$WORK/public.json"
$A s3api delete-public-access-block --bucket authz-data
expect_error NoSuchPublicAccessBlockConfiguration $A s3api get-public-access-block --bucket authz-data
$A s3api put-bucket-policy --bucket authz-data --policy "file://$WORK/public.json"
expect_eq "$(curl -s "$ENDPOINT/authz-data/k")" "hello" "anonymous GET with a public policy"
$A s3api put-public-access-block --bucket authz-data --public-access-block-configuration RestrictPublicBuckets=true
code=$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/authz-data/k")
expect_eq "$code" "403" "anonymous GET under RestrictPublicBuckets"
$A s3api delete-public-access-block --bucket authz-data
expect_eq "$($A s3api get-bucket-policy-status --bucket authz-data --query PolicyStatus.IsPublic --output text)" "True" "policy status"

step "an explicit deny binds even the owner's root, who may still remove the policy"
expect_error AccessDenied $A s3api put-object --bucket authz-data --key new --body "$WORK/obj"
$A s3api delete-bucket-policy --bucket authz-data
$A s3api put-object --bucket authz-data --key new --body "$WORK/obj" >/dev/null
step "object ACLs: b's object in a's ObjectWriter bucket is b's until b grants bucket-owner-full-control"
$A s3api create-bucket --bucket authz-acl --object-ownership ObjectWriter >/dev/null
cat >"$WORK/writers.json" <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$ACCT_B:root"},"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::authz-acl/*"}]}
JSON
$A s3api put-bucket-policy --bucket authz-acl --policy "file://$WORK/writers.json"
$B s3api put-object --bucket authz-acl --key theirs --body "$WORK/obj" >/dev/null
expect_error AccessDenied $A s3api get-object --bucket authz-acl --key theirs "$WORK/out"
expect_eq "$($B s3api get-object-acl --bucket authz-acl --key theirs --query 'Grants[0].Permission' --output text)" "FULL_CONTROL" "the writer's default ACL"
$B s3api put-object-acl --bucket authz-acl --key theirs --acl bucket-owner-full-control
expect_eq "$($A s3api get-object-acl --bucket authz-acl --key theirs --query 'length(Grants)' --output text)" "2" "bucket-owner-full-control adds the bucket owner"
$A s3api get-object --bucket authz-acl --key theirs "$WORK/out" >/dev/null
expect_eq "$(cat "$WORK/out")" "hello" "the bucket owner reads once granted"
expect_error AccessControlListNotSupported $A s3api put-object-acl --bucket authz-data --key k --acl public-read

step "a public-read ACL is refused under BlockPublicAcls, then lets anonymous readers in"
$A s3api put-object --bucket authz-acl --key mine --body "$WORK/obj" >/dev/null
expect_error AccessDenied $A s3api put-object-acl --bucket authz-acl --key mine --acl public-read
$A s3api delete-public-access-block --bucket authz-acl
$A s3api put-object-acl --bucket authz-acl --key mine --acl public-read
expect_eq "$($A s3api get-object-acl --bucket authz-acl --key mine --query 'Grants[1].Grantee.URI' --output text)" "http://acs.amazonaws.com/groups/global/AllUsers" "public-read grant"
expect_eq "$(curl -s "$ENDPOINT/authz-acl/mine")" "hello" "anonymous GET through public-read"

step "the operator sees why requests were denied"
"$FERRY_BIN" decisions --data-dir "$DATA" -n 50 >"$WORK/decisions"
grep -q "DENY (explicit) s3:PutObject on arn:aws:s3:::authz-data/new for arn:aws:iam::$ACCT_A:root" "$WORK/decisions" \
  || fail "ferry decisions does not explain the explicit deny: $(head -20 "$WORK/decisions")"
grep -q '"Principal": "\*"' "$WORK/decisions" || fail "ferry decisions suggests no statement for the anonymous reader"
echo "authz scenario passed"
