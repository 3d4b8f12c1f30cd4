#!/usr/bin/env bash
# Replication events with the stock AWS CLI and ferry events: account A
# replicates to account B's bucket, which has no bucket policy, under a rule
# with replication metrics. The version ends FAILED and ferry events shows
# one OperationFailedReplication with the reason DstPutObjectNotPermitted
# (as A, and as the operator; B may not read it). An SQS queue of A's,
# whose policy lets s3.amazonaws.com send ev-src's events, is the
# destination of the notification configuration: refused before the queue
# policy exists, then accepted with an s3:TestEvent, and the failure event
# arrives in the queue.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
B="aws --profile ferry-b"
# The CLI's SQS commands pick the legacy queue.amazonaws.com endpoint over
# the profile's endpoint_url: name Ferry's endpoint on the command line.
SQS="aws --profile ferry-a --endpoint-url $ENDPOINT sqs"
ACCT_A=$(sed -n "s/^# account \([0-9]*\) (a)\$/\1/p" "$AWS_SHARED_CREDENTIALS_FILE")
[ -n "$ACCT_A" ] || fail "account id not found"

step "role and versioned buckets"
$A iam create-role --role-name s3-replication --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
$A iam put-role-policy --role-name s3-replication --policy-name replication --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetReplicationConfiguration","s3:ListBucket"],"Resource":"arn:aws:s3:::ev-src"},
  {"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging"],"Resource":"arn:aws:s3:::ev-src/*"},
  {"Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::ev-dst/*"}]}'
$A s3api create-bucket --bucket ev-src >/dev/null
$B s3api create-bucket --bucket ev-dst --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
$A s3api put-bucket-versioning --bucket ev-src --versioning-configuration Status=Enabled
$B s3api put-bucket-versioning --bucket ev-dst --region us-west-2 --versioning-configuration Status=Enabled

step "a rule with replication metrics"
cat >"$WORK/replication.json" <<JSON
{"Role": "arn:aws:iam::$ACCT_A:role/s3-replication", "Rules": [
  {"ID": "to-b", "Priority": 1, "Filter": {"Prefix": ""}, "Status": "Enabled",
   "Destination": {"Bucket": "arn:aws:s3:::ev-dst", "Metrics": {"Status": "Enabled"}},
   "DeleteMarkerReplication": {"Status": "Disabled"}}]}
JSON
$A s3api put-bucket-replication --bucket ev-src --replication-configuration "file://$WORK/replication.json"

step "an SQS queue for the failures"
QUEUE_URL=$($SQS create-queue --queue-name alerts --attributes VisibilityTimeout=60 --query QueueUrl --output text)
expect_eq "${QUEUE_URL##*/}" "alerts" "queue URL"
QUEUE_ARN=$($SQS get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)
expect_eq "$QUEUE_ARN" "arn:aws:sqs:us-east-1:$ACCT_A:alerts" "queue ARN"
cat >"$WORK/notification.json" <<JSON
{"QueueConfigurations": [{"Id": "replication-alerts", "QueueArn": "$QUEUE_ARN",
  "Events": ["s3:Replication:OperationFailedReplication"]}]}
JSON

step "notification configuration: refused until the queue policy lets S3 send"
expect_error InvalidArgument $A s3api put-bucket-notification-configuration --bucket ev-src \
  --notification-configuration "file://$WORK/notification.json"
cat >"$WORK/queue-attributes.json" <<JSON
{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"$QUEUE_ARN\",\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:s3:::ev-src\"},\"StringEquals\":{\"aws:SourceAccount\":\"$ACCT_A\"}}}]}"}
JSON
$SQS set-queue-attributes --queue-url "$QUEUE_URL" --attributes "file://$WORK/queue-attributes.json"
$A s3api put-bucket-notification-configuration --bucket ev-src \
  --notification-configuration "file://$WORK/notification.json"
expect_eq "$($A s3api get-bucket-notification-configuration --bucket ev-src --query 'QueueConfigurations[0].Id' --output text)" \
  "replication-alerts" "stored configuration id"

step "the queue received S3's test event"
msg=$($SQS receive-message --queue-url "$QUEUE_URL" --wait-time-seconds 5 --output json)
grep -q '\\"Event\\":\\"s3:TestEvent\\"' <<<"$msg" || fail "no test event: $msg"
$SQS delete-message --queue-url "$QUEUE_URL" \
  --receipt-handle "$(python3 -c 'import json,sys;print(json.load(sys.stdin)["Messages"][0]["ReceiptHandle"])' <<<"$msg")"

step "a version without the destination's grant ends FAILED"
echo "quarterly" >"$WORK/q1.csv"
vid=$($A s3api put-object --bucket ev-src --key reports/q1.csv --body "$WORK/q1.csv" --query VersionId --output text)
for _ in $(seq 1 100); do
  st=$($A s3api head-object --bucket ev-src --key reports/q1.csv --query ReplicationStatus --output text)
  [ "$st" != "PENDING" ] && break
  sleep 0.1
done
expect_eq "$st" "FAILED" "source status"

step "ferry events shows the failure"
out=$("$FERRY_BIN" events ev-src --profile ferry-a)
echo "$out"
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" "1" "event lines"
grep -q "Replication:OperationFailedReplication .* reports/q1.csv  $vid  → ev-dst  DstPutObjectNotPermitted" <<<"$out" ||
  fail "event line: $out"
"$FERRY_BIN" events ev-src --profile ferry-a --json | grep -q '"configurationId": "replication-alerts"' ||
  fail "configurationId not in the JSON records"
"$FERRY_BIN" events ev-src --data-dir "$DATA" | grep -q DstPutObjectNotPermitted || fail "the operator does not see the event"
if "$FERRY_BIN" events ev-src --profile ferry-b >/dev/null 2>&1; then fail "account B read account A's events"; fi

step "the failure event arrived in the queue"
msg=$($SQS receive-message --queue-url "$QUEUE_URL" --wait-time-seconds 10 --query 'Messages[0].Body' --output text)
echo "$msg"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])["Records"][0]
assert r["eventName"] == "Replication:OperationFailedReplication", r
assert r["s3"]["configurationId"] == "replication-alerts", r
assert r["replicationEventData"]["failureReason"] == "DstPutObjectNotPermitted", r
' "$msg" || fail "event message: $msg"

step "ferry replication metrics counts it"
"$FERRY_BIN" replication metrics ev-src --data-dir "$DATA" | grep -Eq '^ev-src +ev-dst +to-b +0 +0 +0 +1$' ||
  fail "metrics table: $("$FERRY_BIN" replication metrics --data-dir "$DATA")"
echo "events: ok"
