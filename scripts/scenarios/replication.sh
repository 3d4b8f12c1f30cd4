#!/usr/bin/env bash
# Live replication with the stock AWS CLI: account A replicates from
# us-east-1 to us-west-2 through a role trusted by s3.amazonaws.com. An
# SSE-KMS object replicates under the replica key, the replica keeps its
# version id and reports REPLICA, a delete marker follows, and a destination
# in account B without a bucket policy ends FAILED (spec §14 10, 14, 23, 30).
# Object Lock retention and legal hold replicate to an Object Lock
# destination; a destination without Object Lock fails the object.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
B="aws --profile ferry-b"
ACCT_A=$(sed -n "s/^# account \([0-9]*\) (a)\$/\1/p" "$AWS_SHARED_CREDENTIALS_FILE")
[ -n "$ACCT_A" ] || fail "account id not found"

# status prints a version's x-amz-replication-status ("None" when absent).
status() { $A s3api head-object --bucket live-src --key "$1" --query ReplicationStatus --output text; }

# settle waits until key's status is no longer PENDING and prints it.
settle() {
  local st
  for _ in $(seq 1 100); do
    st=$(status "$1")
    [ "$st" != "PENDING" ] && { echo "$st"; return; }
    sleep 0.1
  done
  echo "PENDING"
}

step "role, keys and versioned buckets"
$A iam create-role --role-name s3-replication --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
# The role's permission policy, as AWS documents it for replication (§8.2).
$A iam put-role-policy --role-name s3-replication --policy-name replication --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetReplicationConfiguration","s3:ListBucket"],"Resource":"arn:aws:s3:::live-src"},
  {"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging"],"Resource":"arn:aws:s3:::live-src/*"},
  {"Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":["arn:aws:s3:::live-dst/*","arn:aws:s3:::live-other/*"]}]}'
ks=$($A kms create-key --region us-east-1 --query KeyMetadata.Arn --output text)
kd=$($A kms create-key --region us-west-2 --query KeyMetadata.Arn --output text)
# The keys keep their default policy (the account decides through IAM), so the
# role needs KMS in its own policy, through S3 only, as AWS documents.
$A iam put-role-policy --role-name s3-replication --policy-name kms --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"kms:Decrypt","Resource":"'"$ks"'","Condition":{"StringLike":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}},
  {"Effect":"Allow","Action":"kms:Encrypt","Resource":"'"$kd"'","Condition":{"StringLike":{"kms:ViaService":"s3.us-west-2.amazonaws.com"}}}]}'
$A s3api create-bucket --bucket live-src >/dev/null
$A s3api create-bucket --bucket live-dst --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
$B s3api create-bucket --bucket live-other --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
$A s3api put-bucket-versioning --bucket live-src --versioning-configuration Status=Enabled
$A s3api put-bucket-versioning --bucket live-dst --region us-west-2 --versioning-configuration Status=Enabled
$B s3api put-bucket-versioning --bucket live-other --region us-west-2 --versioning-configuration Status=Enabled

step "replication configuration"
cat >"$WORK/replication.json" <<EOF
{"Role": "arn:aws:iam::$ACCT_A:role/s3-replication", "Rules": [
  {"ID": "tax", "Priority": 1, "Filter": {"Prefix": "Tax/"}, "Status": "Enabled",
   "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
   "Destination": {"Bucket": "arn:aws:s3:::live-dst", "EncryptionConfiguration": {"ReplicaKmsKeyID": "$kd"}},
   "DeleteMarkerReplication": {"Status": "Enabled"}},
  {"ID": "other", "Priority": 2, "Filter": {"Prefix": "Other/"}, "Status": "Enabled",
   "Destination": {"Bucket": "arn:aws:s3:::live-other"}, "DeleteMarkerReplication": {"Status": "Disabled"}}]}
EOF
$A s3api put-bucket-replication --bucket live-src --replication-configuration "file://$WORK/replication.json"

step "an SSE-KMS object replicates under the replica key"
echo "tax return" >"$WORK/a.txt"
vid=$($A s3api put-object --bucket live-src --key Tax/a.txt --body "$WORK/a.txt" \
  --server-side-encryption aws:kms --ssekms-key-id "$ks" --query VersionId --output text)
expect_eq "$(settle Tax/a.txt)" "COMPLETED" "source status"
expect_eq "$($A s3api head-object --bucket live-dst --region us-west-2 --key Tax/a.txt --query ReplicationStatus --output text)" "REPLICA" "replica status"
expect_eq "$($A s3api head-object --bucket live-dst --region us-west-2 --key Tax/a.txt --query VersionId --output text)" "$vid" "replica version id"
expect_eq "$($A s3api head-object --bucket live-dst --region us-west-2 --key Tax/a.txt --query SSEKMSKeyId --output text)" "$kd" "replica key"
$A s3api get-object --bucket live-dst --region us-west-2 --key Tax/a.txt "$WORK/a.back" >/dev/null
cmp -s "$WORK/a.txt" "$WORK/a.back" || fail "replica bytes differ"

step "keys outside every rule get no status"
expect_eq "$($A s3api put-object --bucket live-src --key Misc/b.txt --body "$WORK/a.txt" >/dev/null; status Misc/b.txt)" "None" "unmatched key"

step "a delete marker follows (DeleteMarkerReplication Enabled)"
marker=$($A s3api delete-object --bucket live-src --key Tax/a.txt --query VersionId --output text)
for _ in $(seq 1 100); do
  got=$($A s3api list-object-versions --bucket live-dst --region us-west-2 --query 'DeleteMarkers[0].VersionId' --output text)
  [ "$got" == "$marker" ] && break
  sleep 0.1
done
expect_eq "$got" "$marker" "replicated delete marker"
expect_error NoSuchKey $A s3api get-object --bucket live-dst --region us-west-2 --key Tax/a.txt "$WORK/gone"

step "another account's bucket without a bucket policy: FAILED"
$A s3api put-object --bucket live-src --key Other/c.txt --body "$WORK/a.txt" >/dev/null
expect_eq "$(settle Other/c.txt)" "FAILED" "cross-account status"
curl -fsS "$ENDPOINT/_ferry/metrics" | grep -q 'ferry_replication_operations_failed_total{destination_bucket="live-other",rule_id="other",source_bucket="live-src"} 1' ||
  fail "failed replication not counted"
step "once account b's bucket policy grants the role, the next object completes"
$B s3api put-bucket-policy --bucket live-other --region us-west-2 --policy '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'"$ACCT_A"':role/s3-replication"},
   "Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::live-other/*"}]}'
$A s3api put-object --bucket live-src --key Other/d.txt --body "$WORK/a.txt" >/dev/null
expect_eq "$(settle Other/d.txt)" "COMPLETED" "cross-account status with the grant"

step "Object Lock: retention and legal hold replicate; a destination without Object Lock fails"
$A iam create-role --role-name lock-replication --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
$A iam put-role-policy --role-name lock-replication --policy-name replication --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectRetention","s3:GetObjectLegalHold"],"Resource":"arn:aws:s3:::lock-src/*"},
  {"Effect":"Allow","Action":["s3:ReplicateObject","s3:PutObjectRetention","s3:PutObjectLegalHold"],"Resource":["arn:aws:s3:::lock-dst/*","arn:aws:s3:::lock-plain/*"]}]}'
$A s3api create-bucket --bucket lock-src --object-lock-enabled-for-bucket >/dev/null
$A s3api create-bucket --bucket lock-dst --object-lock-enabled-for-bucket --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
$A s3api create-bucket --bucket lock-plain --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
$A s3api put-bucket-versioning --bucket lock-plain --region us-west-2 --versioning-configuration Status=Enabled
cat >"$WORK/lock-replication.json" <<JSON
{"Role": "arn:aws:iam::$ACCT_A:role/lock-replication", "Rules": [
  {"ID": "locked", "Priority": 1, "Filter": {"Prefix": "ok/"}, "Status": "Enabled",
   "Destination": {"Bucket": "arn:aws:s3:::lock-dst"}, "DeleteMarkerReplication": {"Status": "Disabled"}},
  {"ID": "plain", "Priority": 2, "Filter": {"Prefix": "plain/"}, "Status": "Enabled",
   "Destination": {"Bucket": "arn:aws:s3:::lock-plain"}, "DeleteMarkerReplication": {"Status": "Disabled"}}]}
JSON
$A s3api put-bucket-replication --bucket lock-src --replication-configuration "file://$WORK/lock-replication.json"
until=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
for key in ok/a.txt plain/a.txt; do
  $A s3api put-object --bucket lock-src --key "$key" --body "$WORK/a.txt" --object-lock-mode GOVERNANCE \
    --object-lock-retain-until-date "$until" --object-lock-legal-hold-status ON >/dev/null
done
# lock_settle waits until a lock-src key's status is no longer PENDING and prints it.
lock_settle() {
  local st
  for _ in $(seq 1 100); do
    st=$($A s3api head-object --bucket lock-src --key "$1" --query ReplicationStatus --output text)
    [ "$st" != "PENDING" ] && { echo "$st"; return; }
    sleep 0.1
  done
  echo "PENDING"
}
expect_eq "$(lock_settle ok/a.txt)" "COMPLETED" "Object Lock destination"
expect_eq "$($A s3api head-object --bucket lock-dst --region us-west-2 --key ok/a.txt --query ObjectLockMode --output text)" "GOVERNANCE" "replica retention"
expect_eq "$($A s3api head-object --bucket lock-dst --region us-west-2 --key ok/a.txt --query ObjectLockLegalHoldStatus --output text)" "ON" "replica legal hold"
expect_eq "$(lock_settle plain/a.txt)" "FAILED" "destination without Object Lock"
echo "replication: ok"
