package replication_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
)

// ruleXML is one V2 rule replicating keys under prefix to bucket.
func ruleXML(id string, priority int, prefix, bucket, storageClass string) string {
	sc := ""
	if storageClass != "" {
		sc = `<StorageClass>` + storageClass + `</StorageClass>`
	}
	return `<Rule><ID>` + id + `</ID><Priority>` + string(rune('0'+priority)) + `</Priority><Filter><Prefix>` + prefix +
		`</Prefix></Filter><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::` + bucket + `</Bucket>` + sc +
		`</Destination><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication></Rule>`
}

func docXML(rules ...string) []byte {
	return []byte(`<ReplicationConfiguration><Role>` + roleARN + `</Role>` + strings.Join(rules, "") + `</ReplicationConfiguration>`)
}

// TestCopyAndMultipartAreEligible: CopyObject and CompleteMultipartUpload
// commit new versions like PUT does; a multipart replica keeps the ETag
// and the part layout.
func TestCopyAndMultipartAreEligible(t *testing.T) {
	f := newFixture(t, options{})
	ctx := f.ctx
	f.put("orig", "copy me", "")
	cp, err := f.s3.CopyObject(ctx, acctA, s3.CopyObjectInput{SourceBucket: "src", SourceKey: "orig", Bucket: "src", Key: "copy"})
	if err != nil {
		t.Fatal(err)
	}
	up, err := f.s3.CreateMultipartUpload(ctx, acctA, s3.CreateMultipartUploadInput{Bucket: "src", Key: "mpu"})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3.CompletedPart
	for i, data := range [][]byte{bytes.Repeat([]byte("a"), int(s3.MinPartSize)), []byte("tail")} {
		out, err := f.s3.UploadPart(ctx, acctA, s3.UploadPartInput{Bucket: "src", Key: "mpu", UploadID: up.UploadID,
			PartNumber: i + 1, Body: bytes.NewReader(data), Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s3.CompletedPart{Number: i + 1, ETag: out.ETag})
	}
	mpu, err := f.s3.CompleteMultipartUpload(ctx, acctA, s3.CompleteMultipartUploadInput{Bucket: "src", Key: "mpu",
		UploadID: up.UploadID, Parts: parts})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.queued(); n != 3 {
		t.Fatalf("%d tasks, want 3 (put, copy, multipart)", n)
	}
	f.run()
	for key, vid := range map[string]string{"copy": cp.VersionID, "mpu": mpu.VersionID} {
		if st, _ := f.status(key, vid); st != replication.StatusCompleted {
			t.Fatalf("%s: %s", key, st)
		}
	}
	r, err := f.version(acctA, "dst", "mpu", mpu.VersionID)
	if err != nil || r.ETag != mpu.ETag || len(r.Parts) != 2 || r.Size != s3.MinPartSize+4 {
		t.Fatalf("multipart replica %+v, %v; want ETag %s and 2 parts", r, err, mpu.ETag)
	}
}

// TestReplicasAreNotReplicatedAgain: a replica landing in a bucket that
// itself replicates goes no further (§3.2: no chains).
func TestReplicasAreNotReplicatedAgain(t *testing.T) {
	f := newFixture(t, options{})
	f.bucket(acctA, "third", "us-east-1", "")
	if err := f.s3.PutBucketReplication(f.ctx, acctA, "dst", docXML(ruleXML("on", 1, "", "third", ""))); err != nil {
		t.Fatal(err)
	}
	vid := f.put("k", "data", "")
	f.run()
	r, err := f.version(acctA, "dst", "k", vid)
	if err != nil || r.Replication.Status() != replication.StatusReplica {
		t.Fatalf("replica %+v, %v", r, err)
	}
	if n := f.queued(); n != 0 {
		t.Fatalf("the replica queued %d tasks", n)
	}
}

// TestTwoDestinations: one version, two destinations; the aggregate is
// FAILED when one fails although the other completed (§4).
func TestTwoDestinations(t *testing.T) {
	f := newFixture(t, options{})
	f.bucket(acctB, "dst2", "us-west-2", "")
	if err := f.s3.PutBucketReplication(f.ctx, acctA, "src", docXML(ruleXML("one", 1, "", "dst", ""),
		ruleXML("two", 2, "", "dst2", ""))); err != nil {
		t.Fatal(err)
	}
	vid := f.put("k", "data", "")
	if st, d := f.status("k", vid); st != replication.StatusPending || len(d) != 2 {
		t.Fatalf("new version: %s %+v", st, d)
	}
	f.run()
	st, d := f.status("k", vid)
	if st != replication.StatusFailed || d[0].Status != replication.StatusCompleted || d[1].Status != replication.StatusFailed ||
		d[1].FailureReason != replication.ReasonDstPutObjectNotPermitted {
		t.Fatalf("after replication: %s %+v", st, d)
	}
}

// TestStorageClassOverride: of two rules to one destination the higher
// priority wins and its storage class applies (§14 scenario 17).
func TestStorageClassOverride(t *testing.T) {
	f := newFixture(t, options{doc: docXML(ruleXML("star", 1, "star", "dst", "STANDARD"),
		ruleXML("starship", 2, "starship", "dst", "STANDARD_IA"))})
	vid := f.put("starship-x", "data", "")
	f.run()
	r, err := f.version(acctA, "dst", "starship-x", vid)
	if err != nil || r.Class() != "STANDARD_IA" {
		t.Fatalf("replica %+v, %v: want STANDARD_IA", r, err)
	}
	if vs := f.dstVersions(acctA); len(vs) != 1 {
		t.Fatalf("%d replicas, want 1", len(vs))
	}
}

// TestMetrics: pending operations and bytes come from the queue (read at
// most once a second); failures are counted per source, destination and
// rule.
func TestMetrics(t *testing.T) {
	f := newFixture(t, options{dstOwner: acctB})
	f.put("a", "12345", "")
	f.put("b", "123", "")
	reg := prometheus.NewRegistry()
	reg.MustRegister(f.engine.Metrics())
	want := map[string]float64{
		"ferry_replication_operations_pending": 2,
		"ferry_replication_bytes_pending":      8,
	}
	if got := gather(t, reg); got["ferry_replication_operations_pending"] != 2 || got["ferry_replication_bytes_pending"] != 8 ||
		got["ferry_replication_operations_failed_total"] != 0 {
		t.Fatalf("pending metrics %v, want %v", got, want)
	}
	f.run()                      // cross-account without a grant: both fail
	f.clock.Advance(time.Second) // the queue's figures are at most a second old
	got := gather(t, reg)
	if got["ferry_replication_operations_failed_total"] != 2 || got["ferry_replication_operations_pending"] != 0 {
		t.Fatalf("after failures %v", got)
	}
}

// gather returns each metric's value for labels src, dst, r1.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["source_bucket"] != "src" || labels["destination_bucket"] != "dst" || labels["rule_id"] != "r1" {
				t.Fatalf("%s labels %v", mf.GetName(), labels)
			}
			out[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}
