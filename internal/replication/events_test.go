package replication_test

import (
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
)

// metricsDoc is v2Doc's rule (every key to dst) with the destination
// options extra: Metrics, or RTC with its required Metrics.
func metricsDoc(extra string) []byte {
	return []byte(`<ReplicationConfiguration><Role>` + roleARN + `</Role><Rule><ID>r1</ID><Priority>1</Priority>` +
		`<Filter><Prefix></Prefix></Filter><Status>Enabled</Status>` +
		`<Destination><Bucket>arn:aws:s3:::dst</Bucket>` + extra + `</Destination>` +
		`<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>`)
}

const (
	withMetrics = `<Metrics><Status>Enabled</Status></Metrics>`
	withRTC     = `<ReplicationTime><Status>Enabled</Status><Time><Minutes>15</Minutes></Time></ReplicationTime>` +
		`<Metrics><Status>Enabled</Status><EventThreshold><Minutes>15</Minutes></EventThreshold></Metrics>`
)

func (f *fixture) events() []replication.Event {
	f.t.Helper()
	evs, err := f.engine.Events().Read("src", 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return evs
}

func eventNames(evs []replication.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.EventName)
	}
	return out
}

func sameNames(got []replication.Event, want ...string) bool {
	names := eventNames(got)
	if len(names) != len(want) {
		return false
	}
	for i := range want {
		if names[i] != want[i] {
			return false
		}
	}
	return true
}

// TestFailureEvents: a FAILED destination records one
// OperationFailedReplication record, in AWS's event structure with the
// §6.2 reason, when the rule has replication metrics (or RTC, which turns
// them on); without metrics, and for a completed replication, nothing.
func TestFailureEvents(t *testing.T) {
	cases := []struct {
		name      string
		extra     string
		crossAcct bool
		setup     func(*fixture)
		reason    string
		want      []string
	}{
		{"failure with metrics", withMetrics, true, nil, replication.ReasonDstPutObjectNotPermitted, []string{replication.EventFailedReplication}},
		{"failure with RTC", withRTC, true, nil, replication.ReasonDstPutObjectNotPermitted, []string{replication.EventFailedReplication}},
		{"destination deleted", withMetrics, false, func(f *fixture) {
			if err := f.s3.DeleteBucket(f.ctx, acctA, "dst"); err != nil {
				f.t.Fatal(err)
			}
		}, replication.ReasonDstBucketNotFound, []string{replication.EventFailedReplication}},
		{"trust policy", withMetrics, false, func(f *fixture) { f.assume.deny = true }, replication.ReasonAssumeRoleNotPermitted,
			[]string{replication.EventFailedReplication}},
		{"failure without metrics", "", true, nil, "", nil},
		{"completion with metrics", withMetrics, false, nil, "", nil},
		{"completion with RTC in time", withRTC, false, nil, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := options{doc: metricsDoc(c.extra)}
			if c.crossAcct {
				o.dstOwner = acctB // no bucket policy: DstPutObjectNotPermitted
			}
			f := newFixture(t, o)
			if c.setup != nil {
				c.setup(f)
			}
			vid := f.put("dir/a b.txt", "data", "")
			f.clock.Advance(2 * time.Second)
			f.run()
			evs := f.events()
			if !sameNames(evs, c.want...) {
				t.Fatalf("events %v, want %v", eventNames(evs), c.want)
			}
			if len(evs) == 0 {
				return
			}
			ev := evs[0]
			src, _ := f.version(acctA, "src", "dir/a b.txt", vid)
			d := ev.ReplicationEventData
			if ev.EventVersion != "2.2" || ev.EventSource != "aws:s3" || ev.AWSRegion != "us-east-1" ||
				ev.UserIdentity.PrincipalID != "s3.amazonaws.com" || ev.RequestParameters.SourceIPAddress != "s3.amazonaws.com" ||
				ev.EventTime != "2026-11-23T12:00:02.000Z" || ev.ResponseElements["x-amz-request-id"] == "" {
				t.Fatalf("record header %+v", ev)
			}
			if ev.S3.Bucket.Name != "src" || ev.S3.Bucket.ARN != "arn:aws:s3:::src" || ev.S3.Bucket.OwnerIdentity.PrincipalID != string(acctA.Account) ||
				ev.S3.Object.Key != "dir%2Fa+b.txt" || ev.ObjectKey() != "dir/a b.txt" || ev.S3.Object.Size != 4 ||
				ev.S3.Object.ETag != src.ETag || ev.S3.Object.VersionID != vid || ev.S3.Object.Sequencer == "" {
				t.Fatalf("record s3 %+v", ev.S3)
			}
			if d == nil || d.ReplicationRuleID != "r1" || d.DestinationBucket != "arn:aws:s3:::dst" || d.S3Operation != "OBJECT_PUT" ||
				d.RequestTime != "2026-11-23T12:00:00.000Z" || d.FailureReason != c.reason {
				t.Fatalf("replicationEventData %+v", d)
			}
			if rtc := c.extra == withRTC; (d.Threshold == "15") != rtc {
				t.Fatalf("threshold %q with RTC %v", d.Threshold, rtc)
			}
		})
	}
}

// TestThresholdEvents: under RTC a version still PENDING 15 minutes after
// its write gets OperationMissedThreshold once, however often the check
// runs and however often the task is retried, and
// OperationReplicatedAfterThreshold when it completes; one completing late
// before any check gets both, and a delete marker (outside RTC) neither.
func TestThresholdEvents(t *testing.T) {
	t.Run("missed, then replicated", func(t *testing.T) {
		f := newFixture(t, options{doc: metricsDoc(withRTC)})
		f.dest.fail = 3
		f.put("k", "data", "")
		f.run() // attempt 1 fails: PENDING
		f.clock.Advance(14 * time.Minute)
		f.check()
		if evs := f.events(); len(evs) != 0 {
			t.Fatalf("events before the threshold: %v", eventNames(evs))
		}
		f.clock.Advance(time.Minute + time.Second)
		f.check()
		f.check()
		if evs := f.events(); !sameNames(evs, replication.EventMissedThreshold) || evs[0].ReplicationEventData.Threshold != "15" {
			t.Fatalf("events after 15 minutes: %+v", evs)
		}
		f.run() // attempt 2 fails: the retry keeps the Missed mark
		f.check()
		f.clock.Advance(time.Hour)
		f.run() // attempt 3 fails
		f.clock.Advance(time.Hour)
		f.run() // attempt 4 completes
		evs := f.events()
		if !sameNames(evs, replication.EventMissedThreshold, replication.EventReplicatedAfterThreshold) {
			t.Fatalf("events %v", eventNames(evs))
		}
		if rt := evs[1].ReplicationEventData.ReplicationTime; rt != "8101" {
			t.Fatalf("replicationTime %q, want 8101 seconds (2h15m1s)", rt)
		}
	})
	t.Run("late before any check", func(t *testing.T) {
		f := newFixture(t, options{doc: metricsDoc(withRTC)})
		f.put("k", "data", "")
		f.clock.Advance(20 * time.Minute)
		f.run()
		if evs := f.events(); !sameNames(evs, replication.EventMissedThreshold, replication.EventReplicatedAfterThreshold) {
			t.Fatalf("events %v", eventNames(evs))
		}
	})
	t.Run("metrics without RTC", func(t *testing.T) {
		f := newFixture(t, options{doc: metricsDoc(withMetrics)})
		f.put("k", "data", "")
		f.clock.Advance(20 * time.Minute)
		f.check()
		f.run()
		if evs := f.events(); len(evs) != 0 {
			t.Fatalf("events %v", eventNames(evs))
		}
	})
	t.Run("delete marker", func(t *testing.T) {
		f := newFixture(t, options{doc: metricsDoc(withRTC)})
		f.put("k", "data", "")
		f.run()
		f.dest.fail = 1
		if _, err := f.s3.DeleteObject(f.ctx, acctA, s3.DeleteObjectInput{Bucket: "src", Key: "k"}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(20 * time.Minute)
		f.check()
		f.run()
		f.clock.Advance(time.Minute)
		f.run()
		if evs := f.events(); len(evs) != 0 || f.queued() != 0 {
			t.Fatalf("events %v, %d queued", eventNames(evs), f.queued())
		}
	})
}

func (f *fixture) check() {
	f.t.Helper()
	if err := f.engine.CheckThresholds(); err != nil {
		f.t.Fatal(err)
	}
}

// TestEventRetention: the log keeps the newest records of each bucket,
// returned oldest first, and limit takes the newest.
func TestEventRetention(t *testing.T) {
	store := meta.NewMemory()
	log := replication.NewEventLog(store, 3)
	for i := 0; i < 5; i++ {
		b := store.NewBatch()
		log.Append(b, &replication.Event{EventName: string(rune('a' + i)), S3: replication.EventS3{Bucket: replication.EventBucket{Name: "b1"}}})
		log.Append(b, &replication.Event{EventName: "other", S3: replication.EventS3{Bucket: replication.EventBucket{Name: "b10"}}})
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := replication.TrimEvents(log, "b1"); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		bucket string
		limit  int
		want   string
	}{
		{"b1", 0, "cde"},
		{"b1", 2, "de"},
		{"b1", 10, "cde"},
		{"b10", 0, "otherotherotherotherother"},
		{"none", 0, ""},
	}
	for _, c := range cases {
		evs, err := log.Read(c.bucket, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, e := range evs {
			got += e.EventName
		}
		if got != c.want {
			t.Errorf("Read(%s, %d) = %q, want %q", c.bucket, c.limit, got, c.want)
		}
	}
}
