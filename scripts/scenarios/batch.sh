#!/usr/bin/env bash
# Batch Replication with the stock AWS CLI (s3control) and "ferry batch
# replicate": objects written before the replication configuration are not
# replicated live; a job with a generated manifest replicates them and
# writes a completion report (spec §9, §14 38); a CSV manifest job waits
# for confirmation; a role that does not trust
# batchoperations.s3.amazonaws.com fails the job.
#
# How the AWS CLI reaches S3 Control here: it sends S3 Control requests to
# {account-id}.{endpoint host} (the s3control endpoint rules put the
# account in the host even with --endpoint-url or endpoint_url, and
# AWS_DISABLE_HOST_PREFIX_INJECTION does not change that), a name that does
# not resolve for 127.0.0.1. Ferry therefore also answers as an HTTP proxy:
# with HTTP_PROXY set to its endpoint the CLI sends it the request for that
# host, and Ferry routes S3 Control requests by path (/v20180820/) and the
# x-amz-account-id header, whatever the host.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
ACCT_A=$(sed -n "s/^# account \([0-9]*\) (a)\$/\1/p" "$AWS_SHARED_CREDENTIALS_FILE")
[ -n "$ACCT_A" ] || fail "account id not found"
ctl() { HTTP_PROXY="$ENDPOINT" http_proxy="$ENDPOINT" NO_PROXY= no_proxy= $A s3control "$@" --account-id "$ACCT_A"; }

# wait_job ID STATUS...: poll describe-job until the job is in one of STATUS; print it.
wait_job() {
  local id=$1 st; shift
  for _ in $(seq 1 100); do
    st=$(ctl describe-job --job-id "$id" --query Job.Status --output text)
    for want in "$@"; do [ "$st" == "$want" ] && { echo "$st"; return; }; done
    sleep 0.1
  done
  echo "$st"
}

step "a role for live and batch replication, versioned buckets, objects written before the configuration"
$A iam create-role --role-name batch-replication --assume-role-policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"Service":["s3.amazonaws.com","batchoperations.s3.amazonaws.com"]},"Action":"sts:AssumeRole"}]}' >/dev/null
ROLE="arn:aws:iam::$ACCT_A:role/batch-replication"
$A iam put-role-policy --role-name batch-replication --policy-name replication --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetReplicationConfiguration","s3:ListBucket","s3:PutInventoryConfiguration"],"Resource":["arn:aws:s3:::batch-src","arn:aws:s3:::batch-src2"]},
  {"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging","s3:InitiateReplication"],"Resource":["arn:aws:s3:::batch-src/*","arn:aws:s3:::batch-src2/*"]},
  {"Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::batch-dst/*"},
  {"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:PutObject"],"Resource":"arn:aws:s3:::batch-reports/*"}]}'
for b in batch-src batch-src2 batch-reports; do
  $A s3api create-bucket --bucket $b >/dev/null
  $A s3api put-bucket-versioning --bucket $b --versioning-configuration Status=Enabled
done
$A s3api create-bucket --bucket batch-dst --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
$A s3api put-bucket-versioning --bucket batch-dst --region us-west-2 --versioning-configuration Status=Enabled
echo "existing" >"$WORK/obj"
for k in old/1.txt old/2.txt old/3.txt; do $A s3api put-object --bucket batch-src --key $k --body "$WORK/obj" >/dev/null; done
V1=$($A s3api put-object --bucket batch-src2 --key csv/a.txt --body "$WORK/obj" --query VersionId --output text)
$A s3api put-object --bucket batch-src2 --key csv/b.txt --body "$WORK/obj" >/dev/null
CONFIG='{"Role":"'"$ROLE"'","Rules":[{"ID":"all","Priority":1,"Status":"Enabled","Filter":{"Prefix":""},
  "DeleteMarkerReplication":{"Status":"Disabled"},"Destination":{"Bucket":"arn:aws:s3:::batch-dst"}}]}'
$A s3api put-bucket-replication --bucket batch-src --replication-configuration "$CONFIG"
$A s3api put-bucket-replication --bucket batch-src2 --replication-configuration "$CONFIG"
expect_eq "$($A s3api head-object --bucket batch-src --key old/1.txt --query ReplicationStatus --output text)" "None" \
  "status of an object written before the configuration"

step "aws s3control create-job with a generated manifest replicates the existing objects"
JOB=$(ctl create-job --operation '{"S3ReplicateObject":{}}' --priority 10 --role-arn "$ROLE" --no-confirmation-required \
  --report '{"Bucket":"arn:aws:s3:::batch-reports","Format":"Report_CSV_20180820","Enabled":true,"Prefix":"reports","ReportScope":"AllTasks"}' \
  --manifest-generator '{"S3JobManifestGenerator":{"SourceBucket":"arn:aws:s3:::batch-src","EnableManifestOutput":false,
    "Filter":{"EligibleForReplication":true,"ObjectReplicationStatuses":["NONE","FAILED"]}}}' --query JobId --output text)
expect_eq "$(wait_job "$JOB" Complete Failed)" "Complete" "job status"
expect_eq "$(ctl describe-job --job-id "$JOB" --query 'Job.ProgressSummary.[TotalNumberOfTasks,NumberOfTasksSucceeded,NumberOfTasksFailed]' --output text)" \
  "3	3	0" "progress summary"
expect_eq "$($A s3api head-object --bucket batch-src --key old/2.txt --query ReplicationStatus --output text)" "COMPLETED" "source status"
expect_eq "$($A s3api head-object --bucket batch-dst --region us-west-2 --key old/2.txt --query ReplicationStatus --output text)" "REPLICA" "replica status"
$A s3 cp "s3://batch-reports/reports/job-$JOB/manifest.json" "$WORK/report.json" >/dev/null
grep -q '"TaskExecutionStatus":"succeeded"' "$WORK/report.json" || fail "report manifest: $(cat "$WORK/report.json")"
expect_eq "$(ctl list-jobs --job-statuses Complete --query 'length(Jobs)' --output text)" "1" "list-jobs Complete"

step "a CSV manifest job waits for confirmation, replicates only the version it names"
printf 'batch-src2,csv/a.txt,%s\n' "$V1" >"$WORK/manifest.csv"
ETAG=$($A s3api put-object --bucket batch-reports --key manifests/m.csv --body "$WORK/manifest.csv" --query ETag --output text)
JOB2=$(ctl create-job --operation '{"S3ReplicateObject":{}}' --priority 5 --role-arn "$ROLE" --confirmation-required \
  --report '{"Enabled":false}' \
  --manifest '{"Spec":{"Format":"S3BatchOperations_CSV_20180820","Fields":["Bucket","Key","VersionId"]},
    "Location":{"ObjectArn":"arn:aws:s3:::batch-reports/manifests/m.csv","ETag":'"$ETAG"'}}' --query JobId --output text)
expect_eq "$(wait_job "$JOB2" Suspended)" "Suspended" "job awaiting confirmation"
ctl update-job-priority --job-id "$JOB2" --priority 50 >/dev/null
expect_eq "$(ctl update-job-status --job-id "$JOB2" --requested-job-status Ready --query Status --output text)" "Ready" "confirmed"
expect_eq "$(wait_job "$JOB2" Complete Failed)" "Complete" "CSV job status"
expect_eq "$($A s3api head-object --bucket batch-src2 --key csv/a.txt --query ReplicationStatus --output text)" "COMPLETED" "listed key"
expect_eq "$($A s3api head-object --bucket batch-src2 --key csv/b.txt --query ReplicationStatus --output text)" "None" "key not in the manifest"
expect_error JobStatusException ctl update-job-status --job-id "$JOB2" --requested-job-status Cancelled
expect_error NotFoundException ctl describe-job --job-id 00000000-0000-4000-8000-000000000000

step "a role that does not trust batchoperations.s3.amazonaws.com fails the job"
$A iam create-role --role-name live-only --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
JOB3=$(ctl create-job --operation '{"S3ReplicateObject":{}}' --priority 1 --role-arn "arn:aws:iam::$ACCT_A:role/live-only" \
  --no-confirmation-required --report '{"Enabled":false}' \
  --manifest-generator '{"S3JobManifestGenerator":{"SourceBucket":"arn:aws:s3:::batch-src","EnableManifestOutput":false}}' --query JobId --output text)
expect_eq "$(wait_job "$JOB3" Failed Complete)" "Failed" "untrusted role"
expect_eq "$(ctl describe-job --job-id "$JOB3" --query 'Job.FailureReasons[0].FailureCode' --output text)" "AssumeRoleNotPermitted" "failure code"

step "ferry batch replicate follows a job to the end"
"$FERRY_BIN" batch replicate batch-src2 --data-dir "$DATA" --report-bucket batch-reports --wait >"$WORK/batch.out" 2>"$WORK/batch.err" \
  || fail "ferry batch replicate: $(cat "$WORK/batch.out" "$WORK/batch.err")"
grep -q "1 of 1 versions replicated, 0 failed" "$WORK/batch.out" || fail "ferry batch replicate: $(cat "$WORK/batch.out")"
expect_eq "$($A s3api head-object --bucket batch-src2 --key csv/b.txt --query ReplicationStatus --output text)" "COMPLETED" "after ferry batch replicate"
echo "batch scenario passed"
