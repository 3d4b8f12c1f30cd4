package batch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/policy"
)

// fakeObjects stands in for the S3 service: a manifest, enqueued tasks
// (which the test settles as the engine would) and the written report.
type fakeObjects struct {
	manifest, etag string
	enqueued       []replication.Task
	written        map[string]string
	store          meta.Store
}

func (f *fakeObjects) ScanReplicationCandidates(string, func(replication.Candidate) bool) error {
	return nil
}

func (f *fakeObjects) ReplicateForJob(_ context.Context, _, bucket, key, vid, job string, idx uint64, extra func(meta.Batch, int)) (int, error) {
	if strings.HasPrefix(key, "gone") {
		return 0, replication.Fail(replication.ReasonSrcKeyNotFound, errors.New("no such key"))
	}
	f.enqueued = append(f.enqueued, replication.Task{SourceBucket: bucket, Key: key, VersionID: vid, Destination: "dst", Job: job, JobTask: idx})
	b := f.store.NewBatch()
	defer b.Close()
	extra(b, 1)
	return 1, b.Commit()
}

func (f *fakeObjects) ReadObjectAs(context.Context, aws.Principal, string, string, string) ([]byte, string, error) {
	return []byte(f.manifest), f.etag, nil
}

func (f *fakeObjects) WriteObjectAs(_ context.Context, _ aws.Principal, bucket, key string, body []byte, _ string) error {
	f.written[bucket+"/"+key] = string(body)
	return nil
}

func (f *fakeObjects) Decide(context.Context, aws.Principal, string, string, map[string][]string) (policy.Decision, error) {
	return policy.Decision{Allowed: true}, nil
}

func (f *fakeObjects) ReplicationBucket(_ context.Context, name string) (replication.BucketInfo, error) {
	return replication.BucketInfo{Name: name, Account: "111122223333", Region: "us-east-1", Versioned: true}, nil
}

type allowAll struct{}

func (allowAll) Authorize(context.Context, authz.Request) (policy.Decision, error) {
	return policy.Decision{Allowed: true}, nil
}

func newTestService(t *testing.T, objs *fakeObjects, threshold int) (*Service, meta.Store) {
	t.Helper()
	store := meta.NewMemory()
	objs.store = store
	s := New(Config{Store: store, Clock: aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Objects: objs,
		Authz: allowAll{}, FailureThreshold: threshold, StartPerPass: 2,
		Assumer: func(context.Context, string, string, string) (aws.Principal, error) {
			return aws.Principal{Type: aws.PrincipalAssumedRole, Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/r/s"}, nil
		}})
	return s, store
}

func (s *Service) mustPass(t *testing.T, n int) {
	t.Helper()
	for range n {
		if err := s.RunPass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// settle records an engine outcome for an enqueued task.
func settle(t *testing.T, s *Service, store meta.Store, task replication.Task, reason string) {
	t.Helper()
	b := store.NewBatch()
	defer b.Close()
	if reason == "" {
		s.Settled(b, &task, replication.StatusCompleted, nil)
	} else {
		s.Settled(b, &task, replication.StatusFailed, replication.Fail(reason, errors.New("denied")))
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

func createCSVJob(t *testing.T, s *Service, lines int) string {
	t.Helper()
	prio := int32(1)
	id, err := s.CreateJob(context.Background(), aws.Principal{Account: "111122223333"}, CreateJobInput{
		Region: "us-east-1", Account: "111122223333", Operation: OperationReplicate, Priority: &prio,
		RoleArn: "arn:aws:iam::111122223333:role/r", ClientRequestToken: fmt.Sprint("t", lines),
		Report:   &Report{Enabled: true, Bucket: "arn:aws:s3:::rep", Format: FormatReport, Scope: ScopeAllTasks},
		Manifest: &Manifest{Format: FormatCSV, Fields: []string{"Bucket", "Key"}, ObjectArn: "arn:aws:s3:::rep/m.csv", ETag: `"e"`}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRunnerProgressAndReport: tasks are started StartPerPass at a time,
// a task that cannot reach the engine fails at once, engine outcomes are
// counted, and the report lists every task.
func TestRunnerProgressAndReport(t *testing.T) {
	objs := &fakeObjects{manifest: "src,a\nsrc,b\nsrc,gone%2Fc\n", etag: "e", written: map[string]string{}}
	s, store := newTestService(t, objs, 1000)
	id := createCSVJob(t, s, 3)
	s.mustPass(t, 4) // New → Preparing → Ready → Active, first two tasks
	if len(objs.enqueued) != 2 {
		t.Fatalf("enqueued %d tasks after one active pass, want 2", len(objs.enqueued))
	}
	settle(t, s, store, objs.enqueued[0], "")
	settle(t, s, store, objs.enqueued[1], replication.ReasonDstPutObjectNotPermitted)
	s.mustPass(t, 3)
	j, err := s.load("111122223333", id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != StatusComplete || j.Total != 3 || j.Succeeded != 1 || j.Failed != 2 {
		t.Fatalf("job %s total %d ok %d failed %d", j.Status, j.Total, j.Succeeded, j.Failed)
	}
	failed := objs.written["rep/job-"+id+"/results/"+id+"_failed.csv"]
	if !strings.Contains(failed, "src,b,,failed,DstPutObjectNotPermitted,403,") || !strings.Contains(failed, "src,gone%2Fc,,failed,SrcKeyNotFound,404,") {
		t.Fatalf("failed rows:\n%s", failed)
	}
	if !strings.Contains(objs.written["rep/job-"+id+"/manifest.json"], `"ReportSchema":"Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"`) {
		t.Fatalf("report manifest %s", objs.written["rep/job-"+id+"/manifest.json"])
	}
}

// TestRunnerFailureThreshold: once FailureThreshold tasks settled with
// more than half failed, the job fails (with its report).
func TestRunnerFailureThreshold(t *testing.T) {
	objs := &fakeObjects{manifest: "src,gone1\nsrc,gone2\nsrc,a\nsrc,b\n", etag: "e", written: map[string]string{}}
	s, _ := newTestService(t, objs, 2)
	id := createCSVJob(t, s, 4)
	s.mustPass(t, 6)
	j, err := s.load("111122223333", id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != StatusFailed || len(j.FailureReasons) != 1 || j.FailureReasons[0].Code != "JobFailureThresholdExceeded" {
		t.Fatalf("job %s %+v", j.Status, j.FailureReasons)
	}
	if _, ok := objs.written["rep/job-"+id+"/manifest.json"]; !ok {
		t.Fatal("no report for the failed job")
	}
}

// TestRunnerCancelActive: an Active job asked to cancel starts no more
// tasks, waits for the started ones, then ends Cancelled with its report;
// a cancelled job can be neither confirmed nor cancelled again.
func TestRunnerCancelActive(t *testing.T) {
	objs := &fakeObjects{manifest: "src,a\nsrc,b\nsrc,c\nsrc,d\n", etag: "e", written: map[string]string{}}
	s, store := newTestService(t, objs, 1000)
	id := createCSVJob(t, s, 4)
	s.mustPass(t, 4) // Active, two tasks started
	ctx := context.Background()
	p := aws.Principal{Account: "111122223333"}
	j, err := s.UpdateJobStatus(ctx, p, "us-east-1", "111122223333", id, StatusCancelled, "enough")
	if err != nil || j.Status != StatusCancelling || j.StatusUpdateReason != "enough" {
		t.Fatalf("cancel: %+v, %v", j, err)
	}
	s.mustPass(t, 2)
	if j, _ = s.load("111122223333", id); j.Status != StatusCancelling || len(objs.enqueued) != 2 {
		t.Fatalf("cancelling job %s with %d tasks started", j.Status, len(objs.enqueued))
	}
	settle(t, s, store, objs.enqueued[0], "")
	settle(t, s, store, objs.enqueued[1], "")
	s.mustPass(t, 1)
	if j, _ = s.load("111122223333", id); j.Status != StatusCancelled || j.Succeeded != 2 || j.Terminated == nil {
		t.Fatalf("job %s, %d succeeded", j.Status, j.Succeeded)
	}
	if _, ok := objs.written["rep/job-"+id+"/manifest.json"]; !ok {
		t.Fatal("no report for the cancelled job")
	}
	for _, to := range []string{StatusReady, StatusCancelled} {
		if _, err := s.UpdateJobStatus(ctx, p, "us-east-1", "111122223333", id, to, ""); !aws.IsCode(err, "JobStatusException") {
			t.Fatalf("%s on a cancelled job: %v", to, err)
		}
	}
	if _, err := s.ListJobs(ctx, p, "us-east-1", "111122223333", []string{"Done"}, "", 0); !aws.IsCode(err, "InvalidRequestException") {
		t.Fatalf("ListJobs with an unknown status: %v", err)
	}
	if _, err := s.ListJobs(ctx, p, "us-east-1", "111122223333", nil, "nope", 0); !aws.IsCode(err, "InvalidNextTokenException") {
		t.Fatalf("ListJobs with a bad token: %v", err)
	}
	if _, err := s.DescribeJob(ctx, p, "us-west-2", "111122223333", id); !aws.IsCode(err, "NotFoundException") {
		t.Fatalf("the job described in another region: %v", err)
	}
}

// TestListJobsPages: newest first, MaxResults per page, NextToken to go on.
func TestListJobsPages(t *testing.T) {
	objs := &fakeObjects{manifest: "src,a\n", etag: "e", written: map[string]string{}}
	s, _ := newTestService(t, objs, 1000)
	clock := s.cfg.Clock.(*aws.ManualClock)
	var ids []string
	for i := 1; i <= 3; i++ {
		ids = append(ids, createCSVJob(t, s, i))
		clock.Advance(time.Second)
	}
	ctx, p := context.Background(), aws.Principal{Account: "111122223333"}
	page, err := s.ListJobs(ctx, p, "us-east-1", "111122223333", nil, "", 2)
	if err != nil || len(page.Jobs) != 2 || page.Jobs[0].ID != ids[2] || page.Jobs[1].ID != ids[1] || page.NextToken == "" {
		t.Fatalf("first page %+v, %v", page, err)
	}
	page, err = s.ListJobs(ctx, p, "us-east-1", "111122223333", nil, page.NextToken, 2)
	if err != nil || len(page.Jobs) != 1 || page.Jobs[0].ID != ids[0] || page.NextToken != "" {
		t.Fatalf("second page %+v, %v", page, err)
	}
}
