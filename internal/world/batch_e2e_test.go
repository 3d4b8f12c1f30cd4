package world

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

// s3control returns an S3 Control client for an account. The SDK sends
// S3 Control requests to {account}.{endpoint host}; its connections are
// dialled to the test server whatever the host.
func (e *env) s3control(account, region string) *s3control.Client {
	k := e.keys[account]
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	return s3control.New(s3control.Options{Region: region, BaseEndpoint: aws.String(e.srv.URL),
		HTTPClient: &http.Client{Transport: tr}, Credentials: credentials.NewStaticCredentialsProvider(k.ID, k.Secret, "")})
}

// batchEnv is account A with a source bucket holding objects written
// before its replication configuration, a same-account destination, a
// reports bucket, and a role trusted by s3.amazonaws.com and
// batchoperations.s3.amazonaws.com with the permissions of both (§9).
type batchEnv struct {
	*env
	a       *s3.Client
	ctl     *s3control.Client
	iamA    *iam.Client
	account string
	role    string
}

func startBatchEnv(t *testing.T) *batchEnv {
	t.Helper()
	e := startReplicationEnv(t, ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	ka := e.keys["a"]
	be := &batchEnv{env: e, a: e.s3("a", "us-east-1"), ctl: e.s3control("a", "us-east-1"), account: string(ka.Principal().Account)}
	be.role = "arn:aws:iam::" + be.account + ":role/batch-replication"
	be.iamA = iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(ka.ID, ka.Secret, "")})
	be.createRole("batch-replication", "s3.amazonaws.com", "batchoperations.s3.amazonaws.com")
	putReplicationRolePolicy(t, be.iamA, "batch-replication", "batch-src*", "batch-dst*")
	be.putBatchPolicy("batch-replication", "batch-src*", "batch-reports")
	for _, b := range []string{"batch-src", "batch-dst", "batch-reports"} {
		be.bucket(be.a, b, "us-east-1")
	}
	return be
}

func (e *batchEnv) createRole(name string, services ...string) {
	e.t.Helper()
	quoted := `"` + strings.Join(services, `","`) + `"`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":[` + quoted + `]},"Action":"sts:AssumeRole"}]}`
	if _, err := e.iamA.CreateRole(e.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		e.t.Fatal(err)
	}
}

// putBatchPolicy grants what AWS documents for a Batch Replication job's
// role: InitiateReplication on the sources' objects, the manifest
// generator's bucket permissions, reading manifests and writing reports.
func (e *batchEnv) putBatchPolicy(role, src, reports string) {
	e.t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:InitiateReplication","Resource":"arn:aws:s3:::` + src + `/*"},
		{"Effect":"Allow","Action":["s3:GetReplicationConfiguration","s3:PutInventoryConfiguration"],"Resource":"arn:aws:s3:::` + src + `"},
		{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:PutObject"],"Resource":"arn:aws:s3:::` + reports + `/*"}]}`
	if _, err := e.iamA.PutRolePolicy(e.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role),
		PolicyName: aws.String("batch"), PolicyDocument: aws.String(doc)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *batchEnv) bucket(c *s3.Client, name, region string) {
	e.t.Helper()
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(e.ctx, in); err != nil {
		e.t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *batchEnv) put(c *s3.Client, bucket, key, body string) string {
	e.t.Helper()
	out, err := c.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(out.VersionId)
}

func (e *batchEnv) replicate(c *s3.Client, src, dst, role string) {
	e.t.Helper()
	if _, err := c.PutBucketReplication(e.ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(src),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(role), Rules: []types.ReplicationRule{{
			ID: aws.String("all"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::" + dst)}}}}}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *batchEnv) head(c *s3.Client, bucket, key string) *s3.HeadObjectOutput {
	e.t.Helper()
	out, err := c.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("HEAD %s/%s: %v", bucket, key, err)
	}
	return out
}

func (e *batchEnv) get(c *s3.Client, bucket, key string) string {
	e.t.Helper()
	out, err := c.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("GET %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return string(b)
}

// waitJob polls DescribeJob until the job reaches one of the statuses.
func (e *batchEnv) waitJob(id string, statuses ...ctypes.JobStatus) *ctypes.JobDescriptor {
	e.t.Helper()
	var job *ctypes.JobDescriptor
	waitFor(e.t, "job "+id+" to reach "+string(statuses[0]), func() bool {
		out, err := e.ctl.DescribeJob(e.ctx, &s3control.DescribeJobInput{AccountId: aws.String(e.account), JobId: aws.String(id)})
		if err != nil {
			e.t.Fatal(err)
		}
		job = out.Job
		for _, s := range statuses {
			if job.Status == s {
				return true
			}
		}
		return false
	})
	return job
}

func report(bucket, prefix string, scope ctypes.JobReportScope) *ctypes.JobReport {
	return &ctypes.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + bucket), Format: ctypes.JobReportFormatReportCsv20180820,
		Prefix: aws.String(prefix), ReportScope: scope}
}

func replicateOp() *ctypes.JobOperation {
	return &ctypes.JobOperation{S3ReplicateObject: &ctypes.S3ReplicateObjectOperation{}}
}

// TestBatchReplicationGeneratedManifest: objects written before the
// replication rule existed are not replicated live (§14 scenario 12); a
// job with a generated manifest (EligibleForReplication, statuses NONE and
// FAILED, a key prefix) replicates them — COMPLETED on the source, REPLICA
// with the same version id on the destination — and writes the completion
// report (§14 scenario 38). ListJobs, idempotent CreateJob and the job
// status errors go with it.
func TestBatchReplicationGeneratedManifest(t *testing.T) {
	e := startBatchEnv(t)
	defer e.stop()
	ctx := e.ctx
	va := e.put(e.a, "batch-src", "old/a.txt", "alpha")
	e.put(e.a, "batch-src", "old/b.txt", "beta")
	e.put(e.a, "batch-src", "skip/c.txt", "gamma")
	e.replicate(e.a, "batch-src", "batch-dst", e.role)
	if st := e.head(e.a, "batch-src", "old/a.txt").ReplicationStatus; st != "" {
		t.Fatalf("an object written before the configuration has status %q", st)
	}

	in := &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String("token-1"),
		Operation: replicateOp(), Priority: aws.Int32(10), RoleArn: aws.String(e.role),
		Report: report("batch-reports", "reports", ctypes.JobReportScopeAllTasks),
		ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
			SourceBucket: aws.String("arn:aws:s3:::batch-src"), EnableManifestOutput: true,
			ManifestOutputLocation: &ctypes.S3ManifestOutputLocation{Bucket: aws.String("arn:aws:s3:::batch-reports"),
				ManifestPrefix: aws.String("generated"), ManifestFormat: ctypes.GeneratedManifestFormatS3InventoryReportCsv20211130},
			Filter: &ctypes.JobManifestGeneratorFilter{EligibleForReplication: aws.Bool(true),
				ObjectReplicationStatuses: []ctypes.ReplicationStatus{ctypes.ReplicationStatusNone, ctypes.ReplicationStatusFailed},
				KeyNameConstraint:         &ctypes.KeyNameConstraint{MatchAnyPrefix: []string{"old/"}}}}}}
	out, err := e.ctl.CreateJob(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.JobId)
	again, err := e.ctl.CreateJob(ctx, in)
	if err != nil || aws.ToString(again.JobId) != id {
		t.Fatalf("CreateJob retried with its token: %v, %v (want %s)", again, err, id)
	}
	in.Priority = aws.Int32(11)
	if _, err := e.ctl.CreateJob(ctx, in); code(err) != "IdempotencyException" {
		t.Fatalf("token reused for another request: %v", err)
	}

	job := e.waitJob(id, ctypes.JobStatusComplete, ctypes.JobStatusFailed)
	p := job.ProgressSummary
	if job.Status != ctypes.JobStatusComplete || aws.ToInt64(p.TotalNumberOfTasks) != 2 || aws.ToInt64(p.NumberOfTasksSucceeded) != 2 ||
		aws.ToInt64(p.NumberOfTasksFailed) != 0 {
		t.Fatalf("job %s, progress %d/%d/%d, failures %+v", job.Status, aws.ToInt64(p.TotalNumberOfTasks),
			aws.ToInt64(p.NumberOfTasksSucceeded), aws.ToInt64(p.NumberOfTasksFailed), job.FailureReasons)
	}
	if g := job.GeneratedManifestDescriptor; g == nil || g.Location == nil ||
		aws.ToString(g.Location.ObjectArn) != "arn:aws:s3:::batch-reports/generated/job-"+id+"/manifest.csv" {
		t.Fatalf("generated manifest descriptor %+v", job.GeneratedManifestDescriptor)
	}
	if got := e.get(e.a, "batch-reports", "generated/job-"+id+"/manifest.csv"); got != "batch-src,old%2Fa.txt,"+va+"\n"+
		"batch-src,old%2Fb.txt,"+aws.ToString(e.head(e.a, "batch-src", "old/b.txt").VersionId)+"\n" {
		t.Fatalf("generated manifest:\n%s", got)
	}
	if job.CreationTime == nil || job.TerminationDate == nil || aws.ToString(job.JobArn) != "arn:aws:s3:us-east-1:"+e.account+":job/"+id {
		t.Fatalf("job descriptor %+v", job)
	}
	for _, k := range []string{"old/a.txt", "old/b.txt"} {
		if st := e.head(e.a, "batch-src", k).ReplicationStatus; st != types.ReplicationStatusComplete && st != "COMPLETED" {
			t.Fatalf("%s: source status %q after the job", k, st)
		}
		if st := e.head(e.a, "batch-dst", k).ReplicationStatus; st != types.ReplicationStatusReplica {
			t.Fatalf("%s: replica status %q", k, st)
		}
	}
	if v := aws.ToString(e.head(e.a, "batch-dst", "old/a.txt").VersionId); v != va || e.get(e.a, "batch-dst", "old/a.txt") != "alpha" {
		t.Fatalf("replica version %s (want %s)", v, va)
	}
	if _, err := e.a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("batch-dst"), Key: aws.String("skip/c.txt")}); err == nil {
		t.Fatal("the key constraint did not keep skip/c.txt out")
	}

	// The completion report: manifest.json naming one results file.
	var m struct {
		Format       string
		ReportSchema string
		Results      []struct{ TaskExecutionStatus, Bucket, Key, MD5Checksum string }
	}
	if err := json.Unmarshal([]byte(e.get(e.a, "batch-reports", "reports/job-"+id+"/manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != "Report_CSV_20180820" || len(m.Results) != 1 || m.Results[0].TaskExecutionStatus != "succeeded" ||
		!strings.HasPrefix(m.Results[0].Key, "reports/job-"+id+"/results/") {
		t.Fatalf("report manifest %+v", m)
	}
	csv := e.get(e.a, "batch-reports", m.Results[0].Key)
	if !strings.Contains(csv, "batch-src,old%2Fa.txt,"+va+",succeeded,,200,Successful") {
		t.Fatalf("results:\n%s", csv)
	}

	// ListJobs, with and without a status filter; job status errors.
	list, err := e.ctl.ListJobs(ctx, &s3control.ListJobsInput{AccountId: aws.String(e.account)})
	if err != nil || len(list.Jobs) != 1 || aws.ToString(list.Jobs[0].JobId) != id || list.Jobs[0].Operation != ctypes.OperationNameS3ReplicateObject {
		t.Fatalf("ListJobs: %+v, %v", list, err)
	}
	list, err = e.ctl.ListJobs(ctx, &s3control.ListJobsInput{AccountId: aws.String(e.account), JobStatuses: []ctypes.JobStatus{ctypes.JobStatusActive}})
	if err != nil || len(list.Jobs) != 0 {
		t.Fatalf("ListJobs Active: %+v, %v", list, err)
	}
	if _, err := e.ctl.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(e.account), JobId: aws.String(id),
		RequestedJobStatus: ctypes.RequestedJobStatusReady}); code(err) != "JobStatusException" {
		t.Fatalf("confirming a complete job: %v", err)
	}
	if _, err := e.ctl.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(e.account),
		JobId: aws.String("00000000-0000-4000-8000-000000000000")}); code(err) != "NotFoundException" {
		t.Fatalf("DescribeJob of an unknown job: %v", err)
	}
	// Another account sees none of A's jobs.
	ctlB := e.s3control("b", "us-east-1")
	if _, err := ctlB.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(e.account), JobId: aws.String(id)}); code(err) != "AccessDenied" {
		t.Fatalf("account b describing a's job: %v", err)
	}
}

// csvJob creates a job over a CSV manifest uploaded to the reports bucket.
func (e *batchEnv) csvJob(token, manifest string, confirm bool, rep *ctypes.JobReport, role string) string {
	e.t.Helper()
	out, err := e.a.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("batch-reports"), Key: aws.String("manifests/" + token + ".csv"),
		Body: strings.NewReader(manifest)})
	if err != nil {
		e.t.Fatal(err)
	}
	job, err := e.ctl.CreateJob(e.ctx, &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String(token),
		Operation: replicateOp(), Priority: aws.Int32(5), RoleArn: aws.String(role), Report: rep, ConfirmationRequired: aws.Bool(confirm),
		Manifest: &ctypes.JobManifest{
			Spec: &ctypes.JobManifestSpec{Format: ctypes.JobManifestFormatS3BatchOperationsCsv20180820,
				Fields: []ctypes.JobManifestFieldName{ctypes.JobManifestFieldNameBucket, ctypes.JobManifestFieldNameKey, ctypes.JobManifestFieldNameVersionId}},
			Location: &ctypes.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::batch-reports/manifests/" + token + ".csv"),
				ETag: out.ETag}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(job.JobId)
}

// TestBatchReplicationCSVManifest: a CSV manifest names versions; only the
// listed version of a key is replicated, and a key that does not exist
// fails its task with SrcKeyNotFound in the report, an object the role may
// not s3:InitiateReplication with InitiateReplicationNotPermitted. With
// ConfirmationRequired the job waits Suspended until UpdateJobStatus Ready;
// a cancelled job does nothing.
func TestBatchReplicationCSVManifest(t *testing.T) {
	e := startBatchEnv(t)
	defer e.stop()
	ctx := e.ctx
	v1 := e.put(e.a, "batch-src", "csv/k.txt", "one")
	v2 := e.put(e.a, "batch-src", "csv/k.txt", "two")
	e.replicate(e.a, "batch-src", "batch-dst", e.role)

	// The role may not s3:InitiateReplication in batch-reports.
	manifest := "batch-src,csv/k.txt," + v1 + "\nbatch-src,csv/missing.txt,\nbatch-reports,manifests/x.csv,\n"
	id := e.csvJob("csv-1", manifest, true, report("batch-reports", "r", ctypes.JobReportScopeAllTasks), e.role)
	job := e.waitJob(id, ctypes.JobStatusSuspended)
	if aws.ToInt64(job.ProgressSummary.TotalNumberOfTasks) != 3 || job.SuspendedDate == nil {
		t.Fatalf("suspended job %+v", job)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := e.a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("batch-dst"), Key: aws.String("csv/k.txt")}); err == nil {
		t.Fatal("a job awaiting confirmation replicated")
	}
	up, err := e.ctl.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(e.account), JobId: aws.String(id),
		RequestedJobStatus: ctypes.RequestedJobStatusReady, StatusUpdateReason: aws.String("go")})
	if err != nil || up.Status != ctypes.JobStatusReady {
		t.Fatalf("UpdateJobStatus Ready: %+v, %v", up, err)
	}
	pr, err := e.ctl.UpdateJobPriority(ctx, &s3control.UpdateJobPriorityInput{AccountId: aws.String(e.account), JobId: aws.String(id), Priority: 42})
	if err != nil || pr.Priority != 42 {
		t.Fatalf("UpdateJobPriority: %+v, %v", pr, err)
	}
	job = e.waitJob(id, ctypes.JobStatusComplete, ctypes.JobStatusFailed)
	if job.Status != ctypes.JobStatusComplete || aws.ToInt64(job.ProgressSummary.NumberOfTasksSucceeded) != 1 ||
		aws.ToInt64(job.ProgressSummary.NumberOfTasksFailed) != 2 || job.Priority != 42 {
		t.Fatalf("job %s %+v", job.Status, job.ProgressSummary)
	}
	vs, err := e.a.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("batch-dst")})
	if err != nil || len(vs.Versions) != 1 || aws.ToString(vs.Versions[0].VersionId) != v1 {
		t.Fatalf("destination versions %+v, %v (want only %s, not %s)", vs.Versions, err, v1, v2)
	}
	failed := e.get(e.a, "batch-reports", "r/job-"+id+"/results/"+id+"_failed.csv")
	if !strings.Contains(failed, "batch-src,csv%2Fmissing.txt,,failed,SrcKeyNotFound,404,") ||
		!strings.Contains(failed, "batch-reports,manifests%2Fx.csv,,failed,InitiateReplicationNotPermitted,403,") {
		t.Fatalf("failed results:\n%s", failed)
	}

	// Cancelling a job that waits for confirmation ends it at once.
	id = e.csvJob("csv-2", manifest, true, &ctypes.JobReport{Enabled: false}, e.role)
	e.waitJob(id, ctypes.JobStatusSuspended)
	up, err = e.ctl.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(e.account), JobId: aws.String(id),
		RequestedJobStatus: ctypes.RequestedJobStatusCancelled})
	if err != nil || up.Status != ctypes.JobStatusCancelled {
		t.Fatalf("cancel: %+v, %v", up, err)
	}
	if _, err := e.ctl.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(e.account), JobId: aws.String(id),
		RequestedJobStatus: ctypes.RequestedJobStatusReady}); code(err) != "JobStatusException" {
		t.Fatalf("confirming a cancelled job: %v", err)
	}

	// A manifest whose ETag does not match fails the job.
	bad, err := e.ctl.CreateJob(ctx, &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String("bad-etag"),
		Operation: replicateOp(), Priority: aws.Int32(1), RoleArn: aws.String(e.role), Report: &ctypes.JobReport{Enabled: false},
		Manifest: &ctypes.JobManifest{Spec: &ctypes.JobManifestSpec{Format: ctypes.JobManifestFormatS3BatchOperationsCsv20180820,
			Fields: []ctypes.JobManifestFieldName{ctypes.JobManifestFieldNameBucket, ctypes.JobManifestFieldNameKey}},
			Location: &ctypes.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::batch-reports/manifests/csv-1.csv"), ETag: aws.String("0123")}}})
	if err != nil {
		t.Fatal(err)
	}
	if job := e.waitJob(aws.ToString(bad.JobId), ctypes.JobStatusFailed, ctypes.JobStatusComplete); job.Status != ctypes.JobStatusFailed ||
		len(job.FailureReasons) != 1 || !strings.Contains(aws.ToString(job.FailureReasons[0].FailureReason), "ETag") {
		t.Fatalf("job with a stale manifest ETag: %s %+v", job.Status, job.FailureReasons)
	}
	// Both a Manifest and a ManifestGenerator: BadRequestException.
	_, err = e.ctl.CreateJob(ctx, &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String("both"),
		Operation: replicateOp(), Priority: aws.Int32(1), RoleArn: aws.String(e.role), Report: &ctypes.JobReport{Enabled: false},
		Manifest: &ctypes.JobManifest{Spec: &ctypes.JobManifestSpec{Format: ctypes.JobManifestFormatS3BatchOperationsCsv20180820,
			Fields: []ctypes.JobManifestFieldName{ctypes.JobManifestFieldNameBucket, ctypes.JobManifestFieldNameKey}},
			Location: &ctypes.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::batch-reports/m.csv"), ETag: aws.String("x")}},
		ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
			SourceBucket: aws.String("arn:aws:s3:::batch-src")}}})
	if code(err) != "BadRequestException" {
		t.Fatalf("Manifest and ManifestGenerator together: %v", err)
	}
}

// TestBatchReplicationFailures: a job role that does not trust
// batchoperations.s3.amazonaws.com fails the job (AssumeRoleNotPermitted);
// a cross-account destination without a bucket policy fails each task
// with DstPutObjectNotPermitted, which a FailedTasksOnly report lists
// (§6.2); a caller without iam:PassRole on the role cannot create a job.
func TestBatchReplicationFailures(t *testing.T) {
	e := startBatchEnv(t)
	defer e.stop()
	ctx := e.ctx
	e.put(e.a, "batch-src", "x.txt", "x")
	b := e.s3("b", "us-west-2")
	e.bucket(b, "batch-dst-b", "us-west-2")
	e.replicate(e.a, "batch-src", "batch-dst-b", e.role)

	e.createRole("live-only", "s3.amazonaws.com")
	untrusted := "arn:aws:iam::" + e.account + ":role/live-only"
	gen := func(token, role string, rep *ctypes.JobReport) string {
		out, err := e.ctl.CreateJob(ctx, &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String(token),
			Operation: replicateOp(), Priority: aws.Int32(1), RoleArn: aws.String(role), Report: rep,
			ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
				SourceBucket: aws.String("arn:aws:s3:::batch-src")}}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.JobId)
	}
	job := e.waitJob(gen("untrusted", untrusted, &ctypes.JobReport{Enabled: false}), ctypes.JobStatusFailed, ctypes.JobStatusComplete)
	if job.Status != ctypes.JobStatusFailed || len(job.FailureReasons) != 1 ||
		aws.ToString(job.FailureReasons[0].FailureCode) != "AssumeRoleNotPermitted" ||
		!strings.Contains(aws.ToString(job.FailureReasons[0].FailureReason), "batchoperations.s3.amazonaws.com") {
		t.Fatalf("job with an untrusted role: %s %+v", job.Status, job.FailureReasons)
	}

	// A job must be created in its source bucket's region: from us-west-2
	// the task fails SrcBucketInvalidRegion; the job is not visible from
	// us-east-1.
	west := e.s3control("a", "us-west-2")
	wj, err := west.CreateJob(ctx, &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String("west"),
		Operation: replicateOp(), Priority: aws.Int32(1), RoleArn: aws.String(e.role), Report: report("batch-reports", "west", ctypes.JobReportScopeAllTasks),
		ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
			SourceBucket: aws.String("arn:aws:s3:::batch-src")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctl.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(e.account), JobId: wj.JobId}); code(err) != "NotFoundException" {
		t.Fatalf("a us-west-2 job described in us-east-1: %v", err)
	}
	waitFor(t, "the us-west-2 job", func() bool {
		out, err := west.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(e.account), JobId: wj.JobId})
		return err == nil && out.Job.Status == ctypes.JobStatusComplete
	})
	rows := e.get(e.a, "batch-reports", "west/job-"+aws.ToString(wj.JobId)+"/results/"+aws.ToString(wj.JobId)+"_failed.csv")
	if !strings.Contains(rows, ",failed,SrcBucketInvalidRegion,400,") {
		t.Fatalf("us-west-2 job rows:\n%s", rows)
	}

	id := gen("cross", e.role, report("batch-reports", "", ctypes.JobReportScopeFailedTasksOnly))
	job = e.waitJob(id, ctypes.JobStatusComplete, ctypes.JobStatusFailed)
	if job.Status != ctypes.JobStatusComplete || aws.ToInt64(job.ProgressSummary.NumberOfTasksFailed) != 1 {
		t.Fatalf("cross-account job %s %+v %+v", job.Status, job.ProgressSummary, job.FailureReasons)
	}
	if st := e.head(e.a, "batch-src", "x.txt").ReplicationStatus; st != types.ReplicationStatusFailed {
		t.Fatalf("source status %q, want FAILED", st)
	}
	var m struct {
		Results []struct{ TaskExecutionStatus, Key string }
	}
	if err := json.Unmarshal([]byte(e.get(e.a, "batch-reports", "job-"+id+"/manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Results) != 1 || m.Results[0].TaskExecutionStatus != "failed" {
		t.Fatalf("FailedTasksOnly report %+v", m)
	}
	if rows := e.get(e.a, "batch-reports", m.Results[0].Key); !strings.Contains(rows, ",failed,DstPutObjectNotPermitted,403,") {
		t.Fatalf("failed rows:\n%s", rows)
	}

	// Once B's bucket policy grants the role, a job over the FAILED
	// versions replicates them (§14 scenario 38).
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + e.role + `"},
		"Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::batch-dst-b/*"}]}`
	if _, err := b.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("batch-dst-b"), Policy: aws.String(grant)}); err != nil {
		t.Fatal(err)
	}
	retry, err := e.ctl.CreateJob(ctx, &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String("retry"),
		Operation: replicateOp(), Priority: aws.Int32(1), RoleArn: aws.String(e.role), Report: report("batch-reports", "retry", ctypes.JobReportScopeAllTasks),
		ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
			SourceBucket: aws.String("arn:aws:s3:::batch-src"), Filter: &ctypes.JobManifestGeneratorFilter{EligibleForReplication: aws.Bool(true),
				ObjectReplicationStatuses: []ctypes.ReplicationStatus{ctypes.ReplicationStatusNone, ctypes.ReplicationStatusFailed}}}}})
	if err != nil {
		t.Fatal(err)
	}
	job = e.waitJob(aws.ToString(retry.JobId), ctypes.JobStatusComplete, ctypes.JobStatusFailed)
	if job.Status != ctypes.JobStatusComplete || aws.ToInt64(job.ProgressSummary.NumberOfTasksSucceeded) != 1 {
		t.Fatalf("retry of the FAILED version: %s %+v", job.Status, job.ProgressSummary)
	}
	if st := e.head(e.a, "batch-src", "x.txt").ReplicationStatus; st != types.ReplicationStatusComplete && st != "COMPLETED" {
		t.Fatalf("source status after the retry %q", st)
	}
	if st := e.head(b, "batch-dst-b", "x.txt").ReplicationStatus; st != types.ReplicationStatusReplica {
		t.Fatalf("replica status %q", st)
	}

	// A report bucket owned by another account than ExpectedBucketOwner
	// says fails the job when the report is written.
	rep := report("batch-reports", "owner", ctypes.JobReportScopeAllTasks)
	rep.ExpectedBucketOwner = aws.String("999999999999")
	job = e.waitJob(gen("owner", e.role, rep), ctypes.JobStatusFailed, ctypes.JobStatusComplete)
	if job.Status != ctypes.JobStatusFailed || len(job.FailureReasons) != 1 || aws.ToString(job.FailureReasons[0].FailureCode) != "ReportWriteFailed" {
		t.Fatalf("job with a report bucket of another owner: %s %+v", job.Status, job.FailureReasons)
	}

	// A user without iam:PassRole may not create a job with the role.
	admin := e.iamA
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:CreateJob","s3:DescribeJob"],"Resource":"*"}]}`
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("jobs"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	ops := e.s3control("a", "us-east-1")
	ops = s3control.New(ops.Options(), func(o *s3control.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	})
	in := &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String("ops"),
		Operation: replicateOp(), Priority: aws.Int32(1), RoleArn: aws.String(e.role), Report: &ctypes.JobReport{Enabled: false},
		ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
			SourceBucket: aws.String("arn:aws:s3:::batch-src")}}}
	if _, err := ops.CreateJob(ctx, in); code(err) != "AccessDenied" {
		t.Fatalf("CreateJob without iam:PassRole: %v", err)
	}
	if _, err := ops.ListJobs(ctx, &s3control.ListJobsInput{AccountId: aws.String(e.account)}); code(err) != "AccessDenied" {
		t.Fatalf("ListJobs without s3:ListJobs: %v", err)
	}
}

// TestBatchReplicationSurvivesRestart: a job whose tasks were handed to
// the engine when Ferry stopped finishes after Ferry starts again on the
// same data directory.
func TestBatchReplicationSurvivesRestart(t *testing.T) {
	e := startBatchEnv(t)
	ctx := e.ctx
	for _, k := range []string{"r/1", "r/2", "r/3"} {
		e.put(e.a, "batch-src", k, k)
	}
	e.replicate(e.a, "batch-src", "batch-dst", e.role)
	e.w.Batch.Stop()
	e.w.Replication.Stop()
	out, err := e.ctl.CreateJob(ctx, &s3control.CreateJobInput{AccountId: aws.String(e.account), ClientRequestToken: aws.String("restart"),
		Operation: replicateOp(), Priority: aws.Int32(1), RoleArn: aws.String(e.role), Report: &ctypes.JobReport{Enabled: false},
		ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
			SourceBucket: aws.String("arn:aws:s3:::batch-src")}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.JobId)
	for range 4 { // New → Preparing → Ready → Active → tasks started
		if err := e.w.Batch.RunPass(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if job := e.waitJob(id, ctypes.JobStatusActive); aws.ToInt64(job.ProgressSummary.TotalNumberOfTasks) != 3 {
		t.Fatalf("job before the restart %+v", job.ProgressSummary)
	}
	if st := e.head(e.a, "batch-src", "r/1").ReplicationStatus; st != types.ReplicationStatusPending {
		t.Fatalf("status of a started task %q, want PENDING", st)
	}
	e.stop()

	e2 := startEnvWith(t, Config{DataDir: e.dir, Replication: ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}}, false)
	defer e2.stop()
	be := &batchEnv{env: e2, a: e2.s3("a", "us-east-1"), ctl: e2.s3control("a", "us-east-1"), account: e.account, role: e.role}
	job := be.waitJob(id, ctypes.JobStatusComplete, ctypes.JobStatusFailed)
	if job.Status != ctypes.JobStatusComplete || aws.ToInt64(job.ProgressSummary.NumberOfTasksSucceeded) != 3 {
		t.Fatalf("job after the restart %s %+v %+v", job.Status, job.ProgressSummary, job.FailureReasons)
	}
	if st := be.head(be.a, "batch-dst", "r/3").ReplicationStatus; st != types.ReplicationStatusReplica {
		t.Fatalf("replica status %q", st)
	}
}
