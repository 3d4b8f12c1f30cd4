package world

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ferrystore/ferry/internal/replication"
)

// startReplicationEnv is startEnv with a tuned replication engine.
func startReplicationEnv(t *testing.T, rc ReplicationConfig) *env {
	t.Helper()
	return startEnvWith(t, Config{DataDir: t.TempDir(), Replication: rc}, false)
}

// TestReplicationEndToEnd: account A replicates from us-east-1 to account
// B's buckets in us-west-2 through a role trusted by s3.amazonaws.com.
// Objects under ok/ go to a bucket whose policy grants the role: they
// complete, keep their version id and bytes, and the replica reports
// REPLICA; a delete marker follows (DeleteMarkerReplication Enabled).
// Objects under no/ go to a bucket without that grant and end FAILED
// (§14 scenarios 10, 14, 23, 24), which the metrics count; a role that does
// not trust s3.amazonaws.com fails with AssumeRoleNotPermitted (28).
func TestReplicationEndToEnd(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer e.stop()
	ctx := e.ctx
	a, b := e.s3("a", "us-east-1"), e.s3("b", "us-west-2")
	ka := e.keys["a"]
	acctA := string(ka.Principal().Account)
	role := "arn:aws:iam::" + acctA + ":role/s3-replication"

	iamA := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(ka.ID, ka.Secret, "")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("s3-replication"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	create := func(c *s3.Client, name, region string) {
		in := &s3.CreateBucketInput{Bucket: aws.String(name)}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	create(a, "e2e-repl-src", "us-east-1")
	create(b, "e2e-repl-ok", "us-west-2")
	create(b, "e2e-repl-no", "us-west-2")
	// The role may replicate to both destinations; only e2e-repl-ok's
	// owner (account B) grants it in a bucket policy: across accounts both
	// sides must allow.
	putReplicationRolePolicy(t, iamA, "s3-replication", "e2e-repl-src", "e2e-repl-*")
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + role + `"},
		"Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::e2e-repl-ok/*"}]}`
	if _, err := b.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("e2e-repl-ok"), Policy: aws.String(grant)}); err != nil {
		t.Fatal(err)
	}
	rule := func(id string, prio int32, prefix, dst string) types.ReplicationRule {
		return types.ReplicationRule{ID: aws.String(id), Priority: aws.Int32(prio), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String(prefix)},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusEnabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::" + dst)}}
	}
	if _, err := a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("e2e-repl-src"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(role),
			Rules: []types.ReplicationRule{rule("ok", 1, "ok/", "e2e-repl-ok"), rule("no", 2, "no/", "e2e-repl-no")}}}); err != nil {
		t.Fatal(err)
	}

	body := randomBytes(t, 200<<10) // a blob file, not inline
	put, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("e2e-repl-src"), Key: aws.String("ok/a.bin"),
		Body: bytes.NewReader(body), ContentType: aws.String("application/x-test"), Metadata: map[string]string{"color": "blue"}})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, a, "e2e-repl-src", "ok/a.bin", types.ReplicationStatusPending); st != types.ReplicationStatusComplete && st != "COMPLETED" {
		t.Fatalf("source status %q, want COMPLETED", st)
	}
	got, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-repl-ok"), Key: aws.String("ok/a.bin")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(data, body) || aws.ToString(got.VersionId) != aws.ToString(put.VersionId) ||
		got.ReplicationStatus != types.ReplicationStatusReplica || aws.ToString(got.ContentType) != "application/x-test" ||
		got.Metadata["color"] != "blue" || aws.ToString(got.ETag) != aws.ToString(put.ETag) {
		t.Fatalf("replica: %d bytes, version %s (want %s), status %q, type %q, meta %v, etag %s (want %s)", len(data),
			aws.ToString(got.VersionId), aws.ToString(put.VersionId), got.ReplicationStatus, aws.ToString(got.ContentType),
			got.Metadata, aws.ToString(got.ETag), aws.ToString(put.ETag))
	}

	// A user DELETE's marker reaches the destination with its version id.
	del, err := a.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("e2e-repl-src"), Key: aws.String("ok/a.bin")})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replicated delete marker", func() bool {
		vs, err := b.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("e2e-repl-ok")})
		return err == nil && len(vs.DeleteMarkers) == 1 && aws.ToString(vs.DeleteMarkers[0].VersionId) == aws.ToString(del.VersionId)
	})
	if _, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-repl-ok"), Key: aws.String("ok/a.bin")}); code(err) != "NoSuchKey" {
		t.Fatalf("GET after the replicated marker: %v", err)
	}

	// Without the destination's grant the object ends FAILED.
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("e2e-repl-src"), Key: aws.String("no/b.txt"),
		Body: strings.NewReader("b")}); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, a, "e2e-repl-src", "no/b.txt", types.ReplicationStatusPending); st != types.ReplicationStatusFailed {
		t.Fatalf("status without a destination grant %q, want FAILED", st)
	}
	head, _ := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("e2e-repl-src"), Key: aws.String("no/b.txt")})
	_, detail, err := e.w.Replication.Status(ctx, "e2e-repl-src", "no/b.txt", aws.ToString(head.VersionId))
	if err != nil || len(detail) != 1 || detail[0].FailureReason != replication.ReasonDstPutObjectNotPermitted {
		t.Fatalf("failure detail %+v, %v", detail, err)
	}
	// A role that does not trust s3.amazonaws.com (§14 scenario 28).
	other := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acctA + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("not-s3"), AssumeRolePolicyDocument: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	create(a, "e2e-repl-src2", "us-east-1")
	if _, err := a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("e2e-repl-src2"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String("arn:aws:iam::" + acctA + ":role/not-s3"),
			Rules: []types.ReplicationRule{rule("r", 1, "", "e2e-repl-ok")}}}); err != nil {
		t.Fatal(err)
	}
	put2, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("e2e-repl-src2"), Key: aws.String("c"), Body: strings.NewReader("c")})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, a, "e2e-repl-src2", "c", types.ReplicationStatusPending); st != types.ReplicationStatusFailed {
		t.Fatalf("status with an untrusting role %q, want FAILED", st)
	}
	_, detail, _ = e.w.Replication.Status(ctx, "e2e-repl-src2", "c", aws.ToString(put2.VersionId))
	if len(detail) != 1 || detail[0].FailureReason != replication.ReasonAssumeRoleNotPermitted {
		t.Fatalf("untrusting role: %+v", detail)
	}

	resp, err := http.Get(e.srv.URL + "/_ferry/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `ferry_replication_operations_failed_total{destination_bucket="e2e-repl-no",rule_id="no",source_bucket="e2e-repl-src"} 1`
	if !strings.Contains(string(metrics), want) {
		t.Fatalf("metrics lack %s", want)
	}
}

// waitStatus polls HEAD until the replication status is no longer from.
func waitStatus(t *testing.T, c *s3.Client, bucket, key string, from types.ReplicationStatus) types.ReplicationStatus {
	t.Helper()
	var st types.ReplicationStatus
	waitFor(t, "replication status of "+key, func() bool {
		out, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		st = out.ReplicationStatus
		return st != from
	})
	return st
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
