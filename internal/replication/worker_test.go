package replication_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
)

// TestEligibilityInTheSameBatch: the version and its queue entry are one
// commit. A crash before the commit leaves neither; a commit leaves both.
func TestEligibilityInTheSameBatch(t *testing.T) {
	f := newFixture(t, options{})
	f.store.crash = true
	_, err := f.s3.PutObject(f.ctx, acctA, s3.PutObjectInput{Bucket: "src", Key: "a", Body: strings.NewReader("x"), Size: 1})
	f.store.crash = false
	if err == nil {
		t.Fatal("PutObject succeeded through a failed commit")
	}
	if _, err := f.version(acctA, "src", "a", ""); !aws.IsCode(err, "NoSuchKey") {
		t.Fatalf("version after the crash: %v", err)
	}
	if n := f.queued(); n != 0 {
		t.Fatalf("%d queue entries after the crash, want 0", n)
	}

	vid := f.put("a", "x", "")
	v, err := f.version(acctA, "src", "a", vid)
	if err != nil {
		t.Fatal(err)
	}
	if v.Replication.Status() != replication.StatusPending {
		t.Fatalf("new version status %q, want PENDING", v.Replication.Status())
	}
	if n := f.queued(); n != 1 {
		t.Fatalf("%d queue entries, want 1", n)
	}
}

// TestNoMatchNoWork: a key outside every rule gets no status and no task
// (§14 scenario 11); neither does a version-specific delete (scenario 16).
func TestNoMatchNoWork(t *testing.T) {
	f := newFixture(t, options{doc: v2Doc("Tax/", "Enabled")})
	vid := f.put("Other/b.txt", "b", "")
	v, _ := f.version(acctA, "src", "Other/b.txt", vid)
	if v.Replication != nil || f.queued() != 0 {
		t.Fatalf("unmatched key: state %+v, %d tasks", v.Replication, f.queued())
	}
	vid = f.put("Tax/a.txt", "a", "")
	f.run()
	if _, err := f.s3.DeleteObject(f.ctx, acctA, s3.DeleteObjectInput{Bucket: "src", Key: "Tax/a.txt", VersionID: vid}); err != nil {
		t.Fatal(err)
	}
	if n := f.queued(); n != 0 {
		t.Fatalf("version-specific delete queued %d tasks", n)
	}
	if _, err := f.version(acctA, "dst", "Tax/a.txt", vid); err != nil {
		t.Fatalf("replica gone after a version-specific delete on the source: %v", err)
	}
}

// TestReplicateCompletes: the replica keeps the source's version id,
// Last-Modified, bytes, ETag and metadata, reports REPLICA, and the source
// turns COMPLETED with the task deleted (§14 scenario 10).
func TestReplicateCompletes(t *testing.T) {
	f := newFixture(t, options{})
	vid := f.put("Tax/a.txt", "hello, replica", "env=prod")
	f.clock.Advance(3 * time.Second)
	f.run()

	src, _ := f.version(acctA, "src", "Tax/a.txt", vid)
	if src.Replication.Status() != replication.StatusCompleted {
		t.Fatalf("source status %q, want COMPLETED", src.Replication.Status())
	}
	out, err := f.s3.GetObject(f.ctx, acctA, s3.GetObjectInput{Bucket: "dst", Key: "Tax/a.txt"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(out.Body)
	out.Body.Close()
	r := out.Version
	if string(body) != "hello, replica" || r.VersionID != vid || r.Replication.Status() != replication.StatusReplica {
		t.Fatalf("replica %q id %s status %q", body, r.VersionID, r.Replication.Status())
	}
	if !r.LastModified.Equal(src.LastModified) || r.ETag != src.ETag || r.ContentType != "text/plain" ||
		r.Metadata["color"] != "blue" || len(r.Tags) != 1 || r.Owner != acctA.Account {
		t.Fatalf("replica attributes %+v, source %+v", r, src)
	}
	if f.queued() != 0 {
		t.Fatal("task left after completion")
	}
	if got := f.assume.calls[0]; got != roleARN+" 111111111111 arn:aws:s3:::src" {
		t.Fatalf("AssumeRole(%s), want role, source account and source ARN", got)
	}
	st, detail := f.status("Tax/a.txt", vid)
	if st != replication.StatusCompleted || len(detail) != 1 || detail[0].Attempts != 1 || detail[0].RuleID != "r1" {
		t.Fatalf("Status = %s %+v", st, detail)
	}
}

// TestPermanentFailures: each permanent denial ends FAILED with its §6.2
// reason and keeps the error text.
func TestPermanentFailures(t *testing.T) {
	cases := []struct {
		name   string
		opts   options
		setup  func(*fixture)
		reason string
	}{
		{"trust policy", options{}, func(f *fixture) { f.assume.deny = true }, replication.ReasonAssumeRoleNotPermitted},
		{"cross-account without bucket policy", options{dstOwner: acctB}, nil, replication.ReasonDstPutObjectNotPermitted},
		{"source read denied", options{authorizer: denyAction(replication.ActionGetObjectVersionForReplication, false)}, nil,
			replication.ReasonSrcGetObjectNotPermitted},
		{"destination suspended", options{}, func(f *fixture) {
			if err := f.s3.PutBucketVersioning(f.ctx, acctA, "dst", "Suspended"); err != nil {
				t.Fatal(err)
			}
		}, replication.ReasonDstBucketUnversioned},
		{"destination deleted", options{}, func(f *fixture) {
			if err := f.s3.DeleteBucket(f.ctx, acctA, "dst"); err != nil {
				t.Fatal(err)
			}
		}, replication.ReasonDstBucketNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.opts)
			if c.setup != nil {
				c.setup(f)
			}
			vid := f.put("k", "data", "")
			f.run()
			st, detail := f.status("k", vid)
			if st != replication.StatusFailed || detail[0].FailureReason != c.reason || detail[0].LastError == "" {
				t.Fatalf("status %s %+v, want FAILED %s", st, detail, c.reason)
			}
			if f.queued() != 0 {
				t.Fatal("failed task not removed")
			}
		})
	}
}

// TestTransientRetries: an unreachable destination keeps the version
// PENDING and retries with backoff until it completes.
func TestTransientRetries(t *testing.T) {
	f := newFixture(t, options{})
	f.dest.fail = 2
	vid := f.put("k", "data", "")
	f.run()
	st, detail := f.status("k", vid)
	if st != replication.StatusPending || detail[0].Attempts != 1 || !strings.Contains(detail[0].LastError, "connection refused") {
		t.Fatalf("after one failure: %s %+v", st, detail)
	}
	f.run() // not due yet: nothing happens
	if _, d := f.status("k", vid); d[0].Attempts != 1 {
		t.Fatalf("retried before the backoff: %+v", d)
	}
	f.clock.Advance(time.Second)
	f.run()
	if _, d := f.status("k", vid); d[0].Attempts != 2 || d[0].NextAttempt.Sub(f.clock.Now()) != 2*time.Second {
		t.Fatalf("second attempt: %+v", d)
	}
	f.clock.Advance(2 * time.Second)
	f.run()
	st, detail = f.status("k", vid)
	if st != replication.StatusCompleted || detail[0].Attempts != 3 {
		t.Fatalf("after recovery: %s %+v", st, detail)
	}
}

// TestCrashResumeNoDoubleWrite: a worker that wrote the replica and died
// before settling leaves its task leased; after the lease expires another
// worker resumes it, finds the replica in place and completes, so the
// destination holds exactly one version.
func TestCrashResumeNoDoubleWrite(t *testing.T) {
	f := newFixture(t, options{})
	vid := f.put("k", "data", "")
	task, err := f.engine.Queue().Lease("dead-worker", time.Minute)
	if err != nil || task == nil {
		t.Fatal(task, err)
	}
	src, err := f.s3.ReadReplicationVersion(f.ctx, "src", "k", vid)
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.s3.OpenReplicationData(f.ctx, acctA, "src", "k", vid)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s3.WriteReplica(f.ctx, acctA, "dst", src, body); err != nil {
		t.Fatal(err)
	}
	body.Close()
	if did, _ := f.engine.RunOnce(f.ctx, "w2"); did {
		t.Fatal("a leased task was taken before its lease expired")
	}
	f.clock.Advance(time.Minute + time.Second)
	f.run()
	if st, _ := f.status("k", vid); st != replication.StatusCompleted {
		t.Fatalf("status %s after resume", st)
	}
	if vs := f.dstVersions(acctA); len(vs) != 1 || vs[0].VersionID != vid {
		t.Fatalf("destination versions %+v, want exactly the one replica", vs)
	}
}

// TestDeleteMarkers: under V2 with DeleteMarkerReplication Enabled a user
// DELETE's marker is replicated with its version id (scenario 14); with
// Disabled it stays in the source (scenario 13).
func TestDeleteMarkers(t *testing.T) {
	for _, dmr := range []string{"Enabled", "Disabled"} {
		t.Run(dmr, func(t *testing.T) {
			f := newFixture(t, options{doc: v2Doc("", dmr)})
			f.put("k", "data", "")
			f.run()
			del, err := f.s3.DeleteObject(f.ctx, acctA, s3.DeleteObjectInput{Bucket: "src", Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			f.run()
			_, err = f.version(acctA, "dst", "k", "")
			vs := f.dstVersions(acctA)
			if dmr == "Disabled" {
				if err != nil || len(vs) != 1 {
					t.Fatalf("marker replicated under Disabled: %v, %d versions", err, len(vs))
				}
				return
			}
			e, _ := aws.As(err)
			if e == nil || e.Code != "NoSuchKey" || e.Header.Get("x-amz-delete-marker") != "true" {
				t.Fatalf("destination GET after marker: %v", err)
			}
			if len(vs) != 2 || !vs[0].DeleteMarker || vs[0].VersionID != del.VersionID {
				t.Fatalf("destination versions %+v", vs)
			}
		})
	}
}

// TestTagsDroppedOnExplicitDeny: a destination that explicitly denies
// s3:ReplicateTags gets the object without its tags (§3.2).
func TestTagsDroppedOnExplicitDeny(t *testing.T) {
	f := newFixture(t, options{authorizer: denyAction(replication.ActionReplicateTags, true)})
	vid := f.put("k", "data", "env=prod")
	f.run()
	r, err := f.version(acctA, "dst", "k", vid)
	if err != nil || len(r.Tags) != 0 {
		t.Fatalf("replica %+v, %v: want no tags", r, err)
	}
}

// denyAction allows what the interim authorizer allows, except action.
func denyAction(action string, explicit bool) replication.Authorizer {
	return authorizerFunc(func(ctx context.Context, req replication.AccessRequest) (replication.Decision, error) {
		if req.Action == action {
			return replication.Decision{Explicit: explicit, Explanation: "test denies " + action}, nil
		}
		return replication.OwnerAuthorizer{}.Authorize(ctx, req)
	})
}

type authorizerFunc func(context.Context, replication.AccessRequest) (replication.Decision, error)

func (f authorizerFunc) Authorize(ctx context.Context, req replication.AccessRequest) (replication.Decision, error) {
	return f(ctx, req)
}
