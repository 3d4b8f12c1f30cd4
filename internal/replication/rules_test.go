package replication_test

import (
	"context"
	"testing"

	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
)

// allowAll stands in for a destination bucket policy that grants the role
// everything, so cross-account behaviour can be tested before internal/authz.
var allowAll = authorizerFunc(func(context.Context, replication.AccessRequest) (replication.Decision, error) {
	return replication.Decision{Allowed: true}, nil
})

// TestV1DeleteMarkers: under a V1 rule a user DELETE's marker is
// replicated without any DeleteMarkerReplication element (scenario 15).
func TestV1DeleteMarkers(t *testing.T) {
	v1 := []byte(`<ReplicationConfiguration><Role>` + roleARN + `</Role><Rule><ID>v1</ID><Prefix></Prefix>` +
		`<Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule></ReplicationConfiguration>`)
	f := newFixture(t, options{doc: v1})
	f.put("k", "data", "")
	if _, err := f.s3.DeleteObject(f.ctx, acctA, s3.DeleteObjectInput{Bucket: "src", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	f.run()
	if vs := f.dstVersions(acctA); len(vs) != 2 || !vs[0].DeleteMarker {
		t.Fatalf("destination versions %+v, want the object and the marker", vs)
	}
}

// TestTagsWithoutReadPermission: without s3:GetObjectVersionTagging the
// object still replicates, without its tags (§3.2).
func TestTagsWithoutReadPermission(t *testing.T) {
	f := newFixture(t, options{authorizer: denyAction(replication.ActionGetObjectVersionTagging, false)})
	vid := f.put("k", "data", "env=prod")
	f.run()
	r, err := f.version(acctA, "dst", "k", vid)
	if err != nil || len(r.Tags) != 0 {
		t.Fatalf("replica %+v, %v: want it without tags", r, err)
	}
	if st, _ := f.status("k", vid); st != replication.StatusCompleted {
		t.Fatalf("status %s", st)
	}
}

// TestOwnerOverride: with AccessControlTranslation the replica belongs to
// the destination bucket's owner (§8.4); without the override permission
// the write fails DstPutObjectNotPermitted — unless the destination
// enforces bucket-owner ownership (the default), which owns its replicas
// without that permission (§8.4, §12.4 e).
func TestOwnerOverride(t *testing.T) {
	doc := []byte(`<ReplicationConfiguration><Role>` + roleARN + `</Role><Rule><ID>r1</ID><Priority>1</Priority><Filter/>` +
		`<Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket><Account>222222222222</Account>` +
		`<AccessControlTranslation><Owner>Destination</Owner></AccessControlTranslation></Destination>` +
		`<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>`)
	f := newFixture(t, options{dstOwner: acctB, doc: doc, authorizer: allowAll})
	vid := f.put("k", "data", "")
	f.run()
	r, err := f.version(acctB, "dst", "k", vid)
	if err != nil || r.Owner != acctB.Account {
		t.Fatalf("replica %+v, %v: want it owned by %s", r, err, acctB.Account)
	}

	noOverride := authorizerFunc(func(_ context.Context, req replication.AccessRequest) (replication.Decision, error) {
		return replication.Decision{Allowed: req.Action != replication.ActionObjectOwnerOverride}, nil
	})
	g := newFixture(t, options{dstOwner: acctB, doc: doc, authorizer: noOverride, dstOwnership: "ObjectWriter"})
	vid = g.put("k", "data", "")
	g.run()
	if st, d := g.status("k", vid); st != replication.StatusFailed || d[0].FailureReason != replication.ReasonDstPutObjectNotPermitted {
		t.Fatalf("without the override permission: %s %+v", st, d)
	}

	h := newFixture(t, options{dstOwner: acctB, doc: doc, authorizer: noOverride})
	vid = h.put("k", "data", "")
	h.run()
	r, err = h.version(acctB, "dst", "k", vid)
	if st, _ := h.status("k", vid); st != replication.StatusCompleted || err != nil || r.Owner != acctB.Account {
		t.Fatalf("BucketOwnerEnforced destination without the override permission: %s, replica %+v, %v", st, r, err)
	}
}

// TestConfigurationDeletedMidFlight: a queued version finishes under the
// configuration it was written with (§12.7, "prefer finishing").
func TestConfigurationDeletedMidFlight(t *testing.T) {
	f := newFixture(t, options{})
	vid := f.put("k", "data", "")
	if err := f.s3.DeleteBucketReplication(f.ctx, acctA, "src"); err != nil {
		t.Fatal(err)
	}
	f.run()
	if st, _ := f.status("k", vid); st != replication.StatusCompleted {
		t.Fatalf("status %s after the configuration was deleted", st)
	}
	if after := f.put("k", "later", ""); f.queued() != 0 {
		t.Fatalf("version %s written after the deletion was queued", after)
	}
}

// TestTagUpdates: a tag change on a replicated source version reaches the
// replica (scenario 21) and the source stays COMPLETED; with the replica
// deleted by version id it fails DstVersionNotFound; an explicit deny of
// s3:ReplicateTags fails it DstPutTaggingNotPermitted.
func TestTagUpdates(t *testing.T) {
	retag := func(f *fixture, vid string) {
		t.Helper()
		if _, err := f.s3.PutObjectTagging(f.ctx, acctA, "src", "k", vid, []s3.Tag{{Key: "env", Value: "prod"}}); err != nil {
			t.Fatal(err)
		}
		if f.queued() != 1 {
			t.Fatalf("%d tasks after retagging, want 1", f.queued())
		}
		f.run()
	}

	f := newFixture(t, options{})
	vid := f.put("k", "data", "env=dev")
	f.run()
	retag(f, vid)
	r, err := f.version(acctA, "dst", "k", vid)
	if err != nil || len(r.Tags) != 1 || r.Tags[0].Value != "prod" {
		t.Fatalf("replica %+v, %v: want env=prod", r, err)
	}
	if st, _ := f.status("k", vid); st != replication.StatusCompleted {
		t.Fatalf("status %s after a tag update", st)
	}
	if _, err := f.s3.PutObjectTagging(f.ctx, acctA, "dst", "k", vid, nil); err != nil || f.queued() != 0 {
		t.Fatalf("retagging the replica queued work: %v, %d", err, f.queued())
	}

	if _, err := f.s3.DeleteObject(f.ctx, acctA, s3.DeleteObjectInput{Bucket: "dst", Key: "k", VersionID: vid}); err != nil {
		t.Fatal(err)
	}
	retag(f, vid)
	if st, d := f.status("k", vid); st != replication.StatusFailed || d[0].FailureReason != replication.ReasonDstVersionNotFound {
		t.Fatalf("replica gone: %s %+v", st, d)
	}

	g := newFixture(t, options{authorizer: authorizerFunc(func(ctx context.Context, req replication.AccessRequest) (replication.Decision, error) {
		if req.Action == replication.ActionReplicateTags && req.Resource == "arn:aws:s3:::dst/k" {
			return replication.Decision{Explicit: true}, nil
		}
		return replication.OwnerAuthorizer{}.Authorize(ctx, req)
	})})
	vid = g.put("k", "data", "")
	g.run()
	retag(g, vid)
	if st, d := g.status("k", vid); st != replication.StatusFailed || d[0].FailureReason != replication.ReasonDstPutTaggingNotPermitted {
		t.Fatalf("ReplicateTags denied: %s %+v", st, d)
	}
}

// TestReplicaModifications: in a two-way setup with ReplicaModifications on
// both rules, a tag change on the replica goes back to the original and
// the replica reports PENDING until it is there, then REPLICA (scenario
// 36); the change written back does not bounce again.
func TestReplicaModifications(t *testing.T) {
	twoWay := func(dst string) []byte {
		return []byte(`<ReplicationConfiguration><Role>` + roleARN + `</Role><Rule><ID>back</ID><Priority>1</Priority>` +
			`<Filter/><Status>Enabled</Status><SourceSelectionCriteria><ReplicaModifications><Status>Enabled</Status>` +
			`</ReplicaModifications></SourceSelectionCriteria><Destination><Bucket>arn:aws:s3:::` + dst + `</Bucket></Destination>` +
			`<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>`)
	}
	f := newFixture(t, options{doc: twoWay("dst")})
	if err := f.s3.PutBucketReplication(f.ctx, acctA, "dst", twoWay("src")); err != nil {
		t.Fatal(err)
	}
	vid := f.put("k", "data", "")
	f.run()
	if _, err := f.s3.PutObjectTagging(f.ctx, acctA, "dst", "k", vid, []s3.Tag{{Key: "from", Value: "replica"}}); err != nil {
		t.Fatal(err)
	}
	r, _ := f.version(acctA, "dst", "k", vid)
	if r.Replication.Status() != replication.StatusPending {
		t.Fatalf("replica with a change on its way back: %s", r.Replication.Status())
	}
	f.run()
	r, _ = f.version(acctA, "dst", "k", vid)
	orig, _ := f.version(acctA, "src", "k", vid)
	if r.Replication.Status() != replication.StatusReplica || len(orig.Tags) != 1 || orig.Tags[0].Value != "replica" {
		t.Fatalf("after sync: replica %s, original tags %v", r.Replication.Status(), orig.Tags)
	}
	if orig.Replication.Status() != replication.StatusCompleted || f.queued() != 0 {
		t.Fatalf("original %s, %d tasks left", orig.Replication.Status(), f.queued())
	}
}
