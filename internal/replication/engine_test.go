package replication_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
)

var (
	acctA = aws.Principal{Type: aws.PrincipalRoot, Account: "111111111111", ARN: aws.RootARN("111111111111")}
	acctB = aws.Principal{Type: aws.PrincipalRoot, Account: "222222222222", ARN: aws.RootARN("222222222222")}
)

const roleARN = "arn:aws:iam::111111111111:role/repl"

// v2Doc replicates keys under prefix from src to dst, delete markers as dmr says.
func v2Doc(prefix, dmr string) []byte {
	return []byte(`<ReplicationConfiguration><Role>` + roleARN + `</Role><Rule><ID>r1</ID><Priority>1</Priority>` +
		`<Filter><Prefix>` + prefix + `</Prefix></Filter><Status>Enabled</Status>` +
		`<Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination>` +
		`<DeleteMarkerReplication><Status>` + dmr + `</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>`)
}

// fixture is one S3 service (both regions) with a replicating bucket src
// (account A, us-east-1) and its destination dst (us-west-2), and an engine
// driven by RunOnce under a manual clock.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	store  *crashStore
	clock  *aws.ManualClock
	s3     *s3.Service
	engine *replication.Engine
	assume *fakeAssumer
	dest   *flakyDest
}

type options struct {
	dstOwner   aws.Principal
	doc        []byte
	authorizer replication.Authorizer
	// dstOwnership is the destination's Object Ownership ("": the default,
	// BucketOwnerEnforced).
	dstOwnership string
}

func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	if o.dstOwner.Account == "" {
		o.dstOwner = acctA
	}
	if o.doc == nil {
		o.doc = v2Doc("", "Enabled")
	}
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	f := &fixture{t: t, ctx: context.Background(), store: &crashStore{Store: meta.NewMemory()},
		clock: aws.NewManualClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)), assume: &fakeAssumer{}}
	f.s3 = s3.New(s3.Config{Store: f.store, Blobs: blobs, Clock: f.clock, Regions: []string{"us-east-1", "us-west-2"}})
	f.dest = &flakyDest{DestinationStore: f.s3}
	f.engine = replication.New(replication.Config{Store: f.store, Clock: f.clock, Source: f.s3, Destination: f.dest,
		Assumer: f.assume, Authorizer: o.authorizer, Lease: time.Minute, Backoff: time.Second, MaxBackoff: time.Minute})
	f.s3.SetReplicator(f.engine)
	f.bucket(acctA, "src", "us-east-1", "")
	f.bucket(o.dstOwner, "dst", "us-west-2", o.dstOwnership)
	if err := f.s3.PutBucketReplication(f.ctx, acctA, "src", o.doc); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) bucket(p aws.Principal, name, region, ownership string) {
	f.t.Helper()
	in := s3.CreateBucketInput{Bucket: name, Region: region, ObjectOwnership: ownership}
	if region != "us-east-1" {
		in.LocationConstraint = region
	}
	if _, err := f.s3.CreateBucket(f.ctx, p, in); err != nil {
		f.t.Fatal(err)
	}
	if err := f.s3.PutBucketVersioning(f.ctx, p, name, "Enabled"); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) put(key, body, tagging string) string {
	f.t.Helper()
	out, err := f.s3.PutObject(f.ctx, acctA, s3.PutObjectInput{Bucket: "src", Key: key, Body: strings.NewReader(body),
		Size: int64(len(body)), Attributes: s3.ObjectAttributes{ContentType: "text/plain", Tagging: tagging,
			Metadata: map[string]string{"color": "blue"}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.VersionID
}

// run drains every due task.
func (f *fixture) run() {
	f.t.Helper()
	for {
		did, err := f.engine.RunOnce(f.ctx, "w1")
		if err != nil {
			f.t.Fatal(err)
		}
		if !did {
			return
		}
	}
}

// version reads a version directly from the service.
func (f *fixture) version(p aws.Principal, bucket, key, vid string) (*s3.Version, error) {
	out, err := f.s3.GetObject(f.ctx, p, s3.GetObjectInput{Bucket: bucket, Key: key, VersionID: vid, Head: true})
	return out.Version, err
}

func (f *fixture) status(key, vid string) (replication.Status, []replication.DestinationStatus) {
	f.t.Helper()
	st, detail, err := f.engine.Status(f.ctx, "src", key, vid)
	if err != nil {
		f.t.Fatal(err)
	}
	return st, detail
}

func (f *fixture) queued() int {
	n := 0
	if err := f.engine.Queue().Scan(func(*replication.Task) bool { n++; return true }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) dstVersions(p aws.Principal) []s3.VersionEntry {
	f.t.Helper()
	out, err := f.s3.ListObjectVersions(f.ctx, p, s3.ListObjectVersionsInput{Bucket: "dst", MaxKeys: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Versions
}

// fakeAssumer hands out a session of the role, or denies like STS.
type fakeAssumer struct {
	deny  bool
	calls []string
}

func (a *fakeAssumer) AssumeRole(_ context.Context, role, account, source string) (aws.Principal, error) {
	a.calls = append(a.calls, role+" "+account+" "+source)
	if a.deny {
		return aws.Principal{}, aws.New("AccessDenied", 403, "User: s3.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: "+role)
	}
	acct, _ := replication.RoleAccount(role)
	return aws.Principal{Type: aws.PrincipalAssumedRole, Account: aws.AccountID(acct),
		ARN: "arn:aws:sts::" + acct + ":assumed-role/repl/s3-session", RoleARN: role}, nil
}

// flakyDest fails the next `fail` replica writes as an unreachable
// destination would.
type flakyDest struct {
	replication.DestinationStore
	mu   sync.Mutex
	fail int
}

func (d *flakyDest) WriteReplica(ctx context.Context, session aws.Principal, bucket string, r *replication.ObjectVersion, body io.Reader) error {
	d.mu.Lock()
	fail := d.fail > 0
	if fail {
		d.fail--
	}
	d.mu.Unlock()
	if fail {
		return errors.New("dial tcp: connection refused")
	}
	return d.DestinationStore.WriteReplica(ctx, session, bucket, r, body)
}

// PutReplicaLock passes Object Lock updates through to the wrapped store.
func (d *flakyDest) PutReplicaLock(ctx context.Context, bucket, key, versionID string, r *replication.Retention, hold string) error {
	return d.DestinationStore.(replication.ReplicaLockStore).PutReplicaLock(ctx, bucket, key, versionID, r, hold)
}

// crashStore can make commits fail without writing anything, as a crash
// before the commit would.
type crashStore struct {
	meta.Store
	crash bool
}

func (s *crashStore) NewBatch() meta.Batch { return &crashBatch{Batch: s.Store.NewBatch(), s: s} }

type crashBatch struct {
	meta.Batch
	s *crashStore
}

func (b *crashBatch) Commit() error {
	if b.s.crash {
		return errors.New("crash before commit")
	}
	return b.Batch.Commit()
}
