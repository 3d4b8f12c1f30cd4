package replication_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
)

// lockFixture is a same-account fixture whose source bucket has Object
// Lock, and whose destination has it too when dstLock (with a 7-day
// GOVERNANCE default).
func lockFixture(t *testing.T, o options, dstLock bool) *fixture {
	t.Helper()
	f := newFixture(t, o)
	if err := f.s3.PutObjectLockConfiguration(f.ctx, acctA, "src", nil); err != nil {
		t.Fatal(err)
	}
	if dstLock {
		def := &s3.DefaultRetention{Mode: s3.LockGovernance, Days: 7}
		if err := f.s3.PutObjectLockConfiguration(f.ctx, acctA, "dst", def); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// putLocked writes key into src with Object Lock headers.
func (f *fixture) putLocked(key string, l s3.LockInput) string {
	f.t.Helper()
	out, err := f.s3.PutObject(f.ctx, acctA, s3.PutObjectInput{Bucket: "src", Key: key, Body: strings.NewReader("data"), Size: 4,
		ContentMD5: "jXd/OF09/siBXSD3SWAm3A==", Attributes: s3.ObjectAttributes{Lock: l}})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.VersionID
}

func TestObjectLockReplication(t *testing.T) {
	until := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	both := s3.LockInput{Mode: s3.LockCompliance, RetainUntil: until.Format(time.RFC3339), LegalHold: s3.LegalHoldOn}
	cases := []struct {
		name    string
		deny    string
		dstLock bool
		lock    s3.LockInput
		reason  string // "" for COMPLETED
		// wantMode is the replica's retention mode when COMPLETED.
		wantMode string
	}{
		{"retention and legal hold", "", true, both, "", s3.LockCompliance},
		{"destination without Object Lock", "", false, both, replication.ReasonDstBucketObjectLockConfigMissing, ""},
		{"destination default for a version without retention", "", true, s3.LockInput{}, "", s3.LockGovernance},
		{"retention unreadable", replication.ActionGetObjectRetention, true, both, replication.ReasonSrcGetRetentionNotPermitted, ""},
		{"retention unreadable but none to read", replication.ActionGetObjectRetention, true, s3.LockInput{}, "", s3.LockGovernance},
		{"legal hold unreadable", replication.ActionGetObjectLegalHold, true, both, replication.ReasonSrcGetLegalHoldNotPermitted, ""},
		{"legal hold unreadable but none to read", replication.ActionGetObjectLegalHold, true,
			s3.LockInput{Mode: s3.LockCompliance, RetainUntil: until.Format(time.RFC3339)}, "", s3.LockCompliance},
		{"retention not writable", replication.ActionPutObjectRetention, true, both, replication.ReasonDstPutRetentionNotPermitted, ""},
		{"legal hold not writable", replication.ActionPutObjectLegalHold, true, both, replication.ReasonDstPutLegalHoldNotPermitted, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := options{}
			if c.deny != "" {
				o.authorizer = denyAction(c.deny, false)
			}
			f := lockFixture(t, o, c.dstLock)
			vid := f.putLocked("k", c.lock)
			f.run()
			st, detail := f.status("k", vid)
			if c.reason != "" {
				if st != replication.StatusFailed || detail[0].FailureReason != c.reason {
					t.Fatalf("status %s %+v, want FAILED %s", st, detail, c.reason)
				}
				if _, err := f.version(acctA, "dst", "k", vid); err == nil {
					t.Fatal("a failed replication left a replica")
				}
				return
			}
			if st != replication.StatusCompleted {
				t.Fatalf("status %s %+v, want COMPLETED", st, detail)
			}
			src, _ := f.version(acctA, "src", "k", vid)
			r, err := f.version(acctA, "dst", "k", vid)
			if err != nil || r.Retention == nil || r.Retention.Mode != c.wantMode {
				t.Fatalf("replica retention %+v (%v), want mode %s", r, err, c.wantMode)
			}
			if src.Retention != nil && !r.Retention.Until.Equal(src.Retention.Until) {
				t.Fatalf("replica retention %+v, source %+v", r.Retention, src.Retention)
			}
			if r.LegalHold != c.lock.LegalHold {
				t.Fatalf("replica legal hold %q, want %q", r.LegalHold, c.lock.LegalHold)
			}
		})
	}
}

// Retention and legal hold changes on a replicated version reach its replica.
func TestObjectLockUpdateReplication(t *testing.T) {
	f := lockFixture(t, options{}, true)
	until := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	vid := f.putLocked("k", s3.LockInput{Mode: s3.LockGovernance, RetainUntil: until.Format(time.RFC3339), LegalHold: s3.LegalHoldOn})
	f.run()
	later := until.AddDate(0, 1, 0)
	if _, err := f.s3.PutObjectRetention(f.ctx, acctA, s3.PutObjectRetentionInput{Bucket: "src", Key: "k", VersionID: vid,
		Retention: &s3.Retention{Mode: s3.LockCompliance, Until: later}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s3.PutObjectLegalHold(f.ctx, acctA, "src", "k", vid, s3.LegalHoldOff); err != nil {
		t.Fatal(err)
	}
	f.run()
	r, err := f.version(acctA, "dst", "k", vid)
	if err != nil || r.Retention == nil || r.Retention.Mode != s3.LockCompliance || !r.Retention.Until.Equal(later) || r.LegalHold != s3.LegalHoldOff {
		t.Fatalf("replica after the update: %+v %v", r, err)
	}
	if st, detail := f.status("k", vid); st != replication.StatusCompleted {
		t.Fatalf("status after the update %s %+v", st, detail)
	}
}
