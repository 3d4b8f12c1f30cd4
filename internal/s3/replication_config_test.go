package s3

import (
	"context"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

var other = aws.Principal{Type: aws.PrincipalRoot, Account: "222222222222", ARN: aws.RootARN("222222222222")}

// replDoc is a V2 configuration of bkt replicating everything to dst.
func replDoc(role, dst string) []byte {
	return []byte(`<ReplicationConfiguration><Role>` + role + `</Role><Rule><Priority>1</Priority><Filter/>` +
		`<Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::` + dst + `</Bucket></Destination>` +
		`<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>`)
}

const ownRole = "arn:aws:iam::111111111111:role/repl"

func wantCode(t *testing.T, err error, code, message string) {
	t.Helper()
	e, ok := aws.As(err)
	if !ok || e.Code != code || (message != "" && e.Message != message) {
		t.Fatalf("got %v, want %s %q", err, code, message)
	}
}

// TestPutBucketReplicationChecks walks §2.2's bucket-dependent rows in AWS's
// order: NoSuchBucket, AccessDenied, MalformedXML, PassRole, source
// versioning, destination existence and versioning.
func TestPutBucketReplicationChecks(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	doc := replDoc(ownRole, "dst")
	create := func(p aws.Principal, name string) {
		if _, err := s.CreateBucket(ctx, p, CreateBucketInput{Bucket: name, Region: "us-east-1"}); err != nil {
			t.Fatal(err)
		}
	}

	wantCode(t, s.PutBucketReplication(ctx, owner, "nope", doc), "NoSuchBucket", "")             // #21
	wantCode(t, s.PutBucketReplication(ctx, other, "bkt", doc), "AccessDenied", "Access Denied") // #20
	wantCode(t, s.PutBucketReplication(ctx, owner, "bkt", []byte("<x/>")), "MalformedXML", "")   // #4
	// #20 iam:PassRole: another account's role cannot be passed.
	wantCode(t, s.PutBucketReplication(ctx, owner, "bkt", replDoc("arn:aws:iam::222222222222:role/r", "dst")), "AccessDenied", "")
	// #1 before the rules and the destinations.
	wantCode(t, s.PutBucketReplication(ctx, owner, "bkt", replDoc(ownRole, "bkt")), "InvalidRequest",
		"Versioning must be 'Enabled' on the bucket to apply a replication configuration")
	if err := s.PutBucketVersioning(ctx, owner, "bkt", "Suspended"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.PutBucketReplication(ctx, owner, "bkt", doc), "InvalidRequest",
		"Versioning must be 'Enabled' on the bucket to apply a replication configuration")
	if err := s.PutBucketVersioning(ctx, owner, "bkt", "Enabled"); err != nil {
		t.Fatal(err)
	}
	// #2 and #3 share a message; the destination may be another account's.
	wantCode(t, s.PutBucketReplication(ctx, owner, "bkt", doc), "InvalidRequest", "Destination bucket must have versioning enabled.")
	create(other, "dst")
	wantCode(t, s.PutBucketReplication(ctx, owner, "bkt", doc), "InvalidRequest", "Destination bucket must have versioning enabled.")
	if err := s.PutBucketVersioning(ctx, other, "dst", "Enabled"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketReplication(ctx, owner, "bkt", doc); err != nil {
		t.Fatalf("cross-account destination: %v", err)
	}
	// #23/#24: the replica key and the role's existence are not checked.
	kmsDoc := strings.Replace(string(doc), "<Status>Enabled</Status><Destination>",
		"<Status>Enabled</Status><SourceSelectionCriteria><SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects></SourceSelectionCriteria><Destination>", 1)
	kmsDoc = strings.Replace(kmsDoc, "</Bucket>", "</Bucket><EncryptionConfiguration><ReplicaKmsKeyID>alias/none</ReplicaKmsKeyID></EncryptionConfiguration>", 1)
	if err := s.PutBucketReplication(ctx, owner, "bkt", []byte(strings.Replace(kmsDoc, "role/repl", "role/never-created", 1))); err != nil {
		t.Fatalf("unchecked key and role: %v", err)
	}
}

// TestReplicationLifecycle: get before put, get after put (generated IDs,
// visible through the bucket cache), the versioning lock, idempotent delete.
func TestReplicationLifecycle(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	for _, b := range []string{"bkt", "dst"} {
		if b == "dst" {
			if _, err := s.CreateBucket(ctx, owner, CreateBucketInput{Bucket: b, Region: "us-east-1"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutBucketVersioning(ctx, owner, b, "Enabled"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.GetBucketReplication(ctx, owner, "bkt")
	wantCode(t, err, "ReplicationConfigurationNotFoundError", "The replication configuration was not found")
	if e, _ := aws.As(err); e.Status != 404 || e.Field("BucketName") != "bkt" {
		t.Fatalf("not-found error: %+v", e)
	}
	if err := s.PutBucketReplication(ctx, owner, "bkt", replDoc(ownRole, "dst")); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.GetBucketReplication(ctx, owner, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Rules) != 1 || len(cfg.Rules[0].ID) != 48 || cfg.Role != ownRole {
		t.Fatalf("stored configuration: %+v", cfg)
	}
	_, err = s.GetBucketReplication(ctx, other, "bkt")
	wantCode(t, err, "AccessDenied", "")
	if got, _ := s.ReplicationConfiguration("bkt"); got == nil || got.Rules[0].ID != cfg.Rules[0].ID {
		t.Fatal("engine view differs")
	}

	err = s.PutBucketVersioning(ctx, owner, "bkt", "Suspended")
	wantCode(t, err, "InvalidBucketState", "A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration.")
	if e, _ := aws.As(err); e.Status != 409 {
		t.Fatalf("status %d", e.Status)
	}
	if err := s.PutBucketVersioning(ctx, owner, "bkt", "Enabled"); err != nil {
		t.Fatalf("re-enabling is allowed: %v", err)
	}
	// Suspending the destination is allowed; replication to it fails later.
	if err := s.PutBucketVersioning(ctx, owner, "dst", "Suspended"); err != nil {
		t.Fatal(err)
	}

	wantCode(t, s.DeleteBucketReplication(ctx, other, "bkt"), "AccessDenied", "")
	for i := 0; i < 2; i++ {
		if err := s.DeleteBucketReplication(ctx, owner, "bkt"); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	_, err = s.GetBucketReplication(ctx, owner, "bkt")
	wantCode(t, err, "ReplicationConfigurationNotFoundError", "")
	if err := s.PutBucketVersioning(ctx, owner, "bkt", "Suspended"); err != nil {
		t.Fatalf("suspend after delete: %v", err)
	}
}

// TestReplicationSurvivesReload reads the configuration from the store, not
// the cache, to show it is part of the durable bucket record.
func TestReplicationSurvivesReload(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	if _, err := s.CreateBucket(ctx, owner, CreateBucketInput{Bucket: "dst", Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"bkt", "dst"} {
		if err := s.PutBucketVersioning(ctx, owner, b, "Enabled"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBucketReplication(ctx, owner, "bkt", replDoc(ownRole, "dst")); err != nil {
		t.Fatal(err)
	}
	fresh := New(Config{Store: s.store, Blobs: s.blobs, Regions: []string{"us-east-1"}})
	cfg, err := fresh.GetBucketReplication(ctx, owner, "bkt")
	if err != nil || !cfg.Rules[0].DeleteMarkerReplication.Enabled() || cfg.Rules[0].Filter == nil {
		t.Fatalf("reloaded: %+v, %v", cfg, err)
	}
}
