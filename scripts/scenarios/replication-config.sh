#!/usr/bin/env bash
# Replication configuration with the stock AWS CLI: account A's source in
# us-east-1, account B's destination in us-west-2 (the walkthrough of
# docs/spec scenario.md), every way of getting the set-up wrong, and the
# round trip of put/get/delete-bucket-replication.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
B="aws --profile ferry-b"
acct() { sed -n "s/^# account \([0-9]*\) ($1)\$/\1/p" "$AWS_SHARED_CREDENTIALS_FILE"; }
ACCT_A=$(acct a)
ACCT_B=$(acct b)
[ -n "$ACCT_A" ] && [ -n "$ACCT_B" ] || fail "account ids not found"

# replication writes a configuration file with the given rules JSON.
replication() {
  cat >"$WORK/replication.json" <<EOF
{"Role": "arn:aws:iam::$ACCT_A:role/s3-replication", "Rules": [$1]}
EOF
}
put_replication() { $A s3api put-bucket-replication --bucket repl-src --replication-configuration "file://$WORK/replication.json"; }

WALKTHROUGH='{"ID": "kms-cross-account", "Priority": 1, "Filter": {"Prefix": "Tax/"}, "Status": "Enabled",
  "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
  "Destination": {"Bucket": "arn:aws:s3:::repl-dst", "Account": "'"$ACCT_B"'", "StorageClass": "STANDARD_IA",
    "AccessControlTranslation": {"Owner": "Destination"},
    "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:us-west-2:'"$ACCT_B"':key/1234abcd-12ab-34cd-56ef-1234567890ab"},
    "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
    "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}},
  "DeleteMarkerReplication": {"Status": "Enabled"}}'

step "no configuration yet"
$A s3api create-bucket --bucket repl-src >/dev/null
expect_error ReplicationConfigurationNotFoundError $A s3api get-bucket-replication --bucket repl-src

step "source and destination must be versioned"
replication "$WALKTHROUGH"
expect_error InvalidRequest put_replication
$A s3api put-bucket-versioning --bucket repl-src --versioning-configuration Status=Enabled
out=$(put_replication 2>&1) && fail "missing destination accepted"
grep -q "Destination bucket must have versioning enabled." <<<"$out" || fail "missing destination: $out"
$B s3api create-bucket --bucket repl-dst --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
expect_error InvalidRequest put_replication
$B s3api put-bucket-versioning --bucket repl-dst --versioning-configuration Status=Enabled

step "invalid configurations fail as AWS fails"
replication ""
expect_error MalformedXML put_replication
replication '{"Priority": 1, "Filter": {}, "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::repl-dst"}}'
expect_error InvalidRequest put_replication
replication '{"Priority": 1, "Filter": {}, "Status": "Enabled", "DeleteMarkerReplication": {"Status": "Disabled"},
  "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}}, "Destination": {"Bucket": "arn:aws:s3:::repl-dst"}}'
out=$(put_replication 2>&1) && fail "SSE-KMS without replica key accepted"
grep -q "ReplicaKmsKeyID must be specified" <<<"$out" || fail "SSE-KMS without key: $out"
replication '{"Priority": 1, "Filter": {}, "Status": "Enabled", "DeleteMarkerReplication": {"Status": "Disabled"},
  "Destination": {"Bucket": "arn:aws:s3:::repl-dst", "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}}}'
expect_error InvalidArgument put_replication
replication '{"Prefix": "a", "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::repl-dst"}},
  {"Prefix": "b", "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::repl-src2"}}'
expect_error InvalidRequest put_replication

step "the walkthrough rule round-trips"
replication "$WALKTHROUGH"
put_replication
$A s3api get-bucket-replication --bucket repl-src >"$WORK/got.json"
expect_eq "$(jq -r '.ReplicationConfiguration.Rules[0].ID' "$WORK/got.json")" "kms-cross-account" "rule id"
expect_eq "$(jq -r '.ReplicationConfiguration.Rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID' "$WORK/got.json")" \
  "arn:aws:kms:us-west-2:$ACCT_B:key/1234abcd-12ab-34cd-56ef-1234567890ab" "replica key"
expect_eq "$(jq -r '.ReplicationConfiguration.Rules[0].Destination.ReplicationTime.Time.Minutes' "$WORK/got.json")" "15" "RTC minutes"
expect_eq "$(jq -r '.ReplicationConfiguration.Role' "$WORK/got.json")" "arn:aws:iam::$ACCT_A:role/s3-replication" "role"
expect_error AccessDenied $B s3api get-bucket-replication --bucket repl-src --region us-east-1

step "a V1 rule without an ID gets one"
replication '{"Prefix": "", "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::repl-dst"}}'
put_replication
id=$($A s3api get-bucket-replication --bucket repl-src --query 'ReplicationConfiguration.Rules[0].ID' --output text)
expect_eq "${#id}" "48" "generated id length"
expect_eq "$($A s3api get-bucket-replication --bucket repl-src --query 'ReplicationConfiguration.Rules[0].Prefix' --output text)" "" "V1 prefix"

step "versioning is locked while the configuration exists"
expect_error InvalidBucketState $A s3api put-bucket-versioning --bucket repl-src --versioning-configuration Status=Suspended
$A s3api delete-bucket-replication --bucket repl-src
$A s3api delete-bucket-replication --bucket repl-src
expect_error ReplicationConfigurationNotFoundError $A s3api get-bucket-replication --bucket repl-src
$A s3api put-bucket-versioning --bucket repl-src --versioning-configuration Status=Suspended

step "the configuration survives a restart"
$A s3api put-bucket-versioning --bucket repl-src --versioning-configuration Status=Enabled
replication "$WALKTHROUGH"
put_replication
stop_ferry
start_ferry
expect_eq "$($A s3api get-bucket-replication --bucket repl-src --query 'ReplicationConfiguration.Rules[0].ID' --output text)" "kms-cross-account" "after restart"
echo "replication-config scenario passed"
