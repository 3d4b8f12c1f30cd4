package s3

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/meta"
)

var lockEpoch = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// newLockService returns a service on a manual clock with an Object Lock
// bucket "locked" and a plain versioned bucket "plain", both of owner.
func newLockService(t *testing.T) (*Service, *aws.ManualClock) {
	t.Helper()
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	clock := aws.NewManualClock(lockEpoch)
	s := New(Config{Store: meta.NewMemory(), Blobs: blobs, Regions: []string{"us-east-1"}, Clock: clock})
	ctx := context.Background()
	for _, in := range []CreateBucketInput{{Bucket: "locked", ObjectLock: true}, {Bucket: "plain"}} {
		in.Region = "us-east-1"
		if _, err := s.CreateBucket(ctx, owner, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBucketVersioning(ctx, owner, "plain", "Enabled"); err != nil {
		t.Fatal(err)
	}
	return s, clock
}

// lockPut writes key into bucket with the given Object Lock headers and a
// Content-MD5 when digested.
func lockPut(s *Service, bucket, key string, l LockInput, digested bool) (PutObjectOutput, error) {
	in := PutObjectInput{Bucket: bucket, Key: key, Body: bytes.NewReader([]byte("data")), Size: 4, Attributes: ObjectAttributes{Lock: l}}
	if digested {
		in.ContentMD5 = "jXd/OF09/siBXSD3SWAm3A==" // MD5 of "data"
	}
	return s.PutObject(context.Background(), owner, in)
}

func wantLockCode(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	e, ok := aws.As(err)
	if code == "" {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	if !ok || e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("%s: got %v, want %s %q", what, err, code, msg)
	}
}

func TestObjectLockBucket(t *testing.T) {
	ctx := context.Background()
	s, _ := newLockService(t)
	b, err := s.Bucket("locked")
	if err != nil || !b.Versioned() || !b.LockEnabled() {
		t.Fatalf("lock bucket: %+v %v", b, err)
	}
	wantLockCode(t, "suspend versioning", s.PutBucketVersioning(ctx, owner, "locked", "Suspended"), "InvalidBucketState",
		"An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
	if _, err := s.GetObjectLockConfiguration(ctx, owner, "plain"); !aws.IsCode(err, "ObjectLockConfigurationNotFoundError") {
		t.Fatalf("get on plain bucket: %v", err)
	}
	if _, err := s.CreateBucket(ctx, owner, CreateBucketInput{Bucket: "unversioned", Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, bucket string
		def          *DefaultRetention
		code, msg    string
	}{
		{"unversioned bucket", "unversioned", nil, "InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"},
		{"both days and years", "locked", &DefaultRetention{Mode: LockGovernance, Days: 1, Years: 1}, "MalformedXML", ""},
		{"no period", "locked", &DefaultRetention{Mode: LockGovernance}, "MalformedXML", ""},
		{"unknown mode", "locked", &DefaultRetention{Mode: "FOREVER", Days: 1}, "MalformedXML", ""},
		{"negative days", "locked", &DefaultRetention{Mode: LockGovernance, Days: -1}, "InvalidArgument", "Default retention period must be a positive integer value."},
		{"100 years in days", "locked", &DefaultRetention{Mode: LockGovernance, Days: 36500}, "", ""},
		{"over 100 years in days", "locked", &DefaultRetention{Mode: LockGovernance, Days: 36501}, "InvalidArgument", "Default retention period is too large."},
		{"over 100 years", "locked", &DefaultRetention{Mode: LockCompliance, Years: 101}, "InvalidArgument", "Default retention period is too large."},
		{"no such bucket", "nope", nil, "NoSuchBucket", ""},
		{"enable on a versioned bucket", "plain", &DefaultRetention{Mode: LockCompliance, Years: 1}, "", ""},
		{"default on a lock bucket", "locked", &DefaultRetention{Mode: LockGovernance, Days: 2}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := s.Bucket(tc.bucket)
			err := s.PutObjectLockConfiguration(ctx, owner, tc.bucket, tc.def)
			wantLockCode(t, "put", err, tc.code, tc.msg)
			if err != nil {
				if after, _ := s.Bucket(tc.bucket); before != nil && (after.ObjectLock == nil) != (before.ObjectLock == nil) {
					t.Fatal("a refused configuration changed the bucket")
				}
				return
			}
			got, err := s.GetObjectLockConfiguration(ctx, owner, tc.bucket)
			if err != nil || got.Default == nil || *got.Default != *tc.def {
				t.Fatalf("get: %+v %v", got, err)
			}
		})
	}
}

func TestPutObjectLockHeaders(t *testing.T) {
	s, _ := newLockService(t)
	future := lockEpoch.Add(48 * time.Hour).Format(time.RFC3339)
	tests := []struct {
		name, bucket string
		lock         LockInput
		undigested   bool
		code, msg    string
	}{
		{"mode without date", "locked", LockInput{Mode: LockGovernance}, false, "InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied"},
		{"date without mode", "locked", LockInput{RetainUntil: future}, false, "InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied"},
		{"unknown mode", "locked", LockInput{Mode: "FOREVER", RetainUntil: future}, false, "InvalidArgument", "Unknown wormMode directive."},
		{"bad legal hold", "locked", LockInput{LegalHold: "MAYBE"}, false, "InvalidArgument", ""},
		{"no digest", "locked", LockInput{LegalHold: LegalHoldOn}, true, "InvalidRequest", "Content-MD5 HTTP header is required for Put Object requests with Object Lock parameters"},
		{"bucket without lock", "plain", LockInput{LegalHold: LegalHoldOn}, false, "InvalidRequest", "Bucket is missing Object Lock Configuration"},
		{"date in the past", "locked", LockInput{Mode: LockGovernance, RetainUntil: "2020-01-01T00:00:00Z"}, false, "InvalidArgument", "The retain until date must be in the future!"},
		{"retention and hold", "locked", LockInput{Mode: LockCompliance, RetainUntil: future, LegalHold: LegalHoldOn}, false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lockPut(s, tc.bucket, "k-"+tc.name, tc.lock, !tc.undigested)
			wantLockCode(t, "put", err, tc.code, tc.msg)
			v, lookup := s.getVersion(tc.bucket, "k-"+tc.name, "")
			if err != nil {
				if lookup == nil {
					t.Fatal("a refused write stored a version")
				}
				return
			}
			if v.Retention == nil || v.Retention.Mode != tc.lock.Mode || v.LegalHold != tc.lock.LegalHold {
				t.Fatalf("stored %+v %q", v.Retention, v.LegalHold)
			}
		})
	}
}

func TestDefaultRetention(t *testing.T) {
	ctx := context.Background()
	s, _ := newLockService(t)
	if err := s.PutObjectLockConfiguration(ctx, owner, "locked", &DefaultRetention{Mode: LockGovernance, Days: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := lockPut(s, "locked", "default", LockInput{}, false); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.GetObjectRetention(ctx, owner, "locked", "default", "")
	if err != nil || r.Mode != LockGovernance || !r.Until.Equal(lockEpoch.AddDate(0, 0, 3)) {
		t.Fatalf("default retention: %+v %v", r, err)
	}
	explicit := lockEpoch.Add(time.Hour)
	if _, err := lockPut(s, "locked", "explicit", LockInput{Mode: LockCompliance, RetainUntil: explicit.Format(time.RFC3339)}, true); err != nil {
		t.Fatal(err)
	}
	r, _, err = s.GetObjectRetention(ctx, owner, "locked", "explicit", "")
	if err != nil || r.Mode != LockCompliance || !r.Until.Equal(explicit) {
		t.Fatalf("explicit retention overrides the default: %+v %v", r, err)
	}
}

func TestRetentionAndLegalHold(t *testing.T) {
	ctx := context.Background()
	s, clock := newLockService(t)
	if _, err := lockPut(s, "plain", "k", LockInput{}, false); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.GetObjectRetention(ctx, owner, "plain", "k", "")
	wantLockCode(t, "retention on plain bucket", err, "InvalidRequest", "Bucket is missing Object Lock Configuration")
	_, err = s.PutObjectLegalHold(ctx, owner, "plain", "k", "", LegalHoldOn)
	wantLockCode(t, "legal hold on plain bucket", err, "InvalidRequest", "Bucket is missing Object Lock Configuration")

	out, err := lockPut(s, "locked", "k", LockInput{}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.GetObjectRetention(ctx, owner, "locked", "k", "")
	wantLockCode(t, "no retention", err, "NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration")
	_, _, err = s.GetObjectLegalHold(ctx, owner, "locked", "k", out.VersionID)
	wantLockCode(t, "no legal hold", err, "NoSuchObjectLockConfiguration", "")

	day := func(n int) *Retention { return &Retention{Mode: LockGovernance, Until: lockEpoch.AddDate(0, 0, n)} }
	comp := func(n int) *Retention { return &Retention{Mode: LockCompliance, Until: lockEpoch.AddDate(0, 0, n)} }
	steps := []struct {
		name      string
		in        *Retention
		bypass    bool
		code, msg string
	}{
		{"past date", &Retention{Mode: LockGovernance, Until: lockEpoch.Add(-time.Hour)}, false, "InvalidArgument", "The retain until date must be in the future!"},
		{"set governance", day(5), false, "", ""},
		{"extend governance", day(10), false, "", ""},
		{"shorten governance", day(2), false, "AccessDenied", "Access Denied because object protected by object lock."},
		{"remove governance", nil, false, "AccessDenied", "Access Denied because object protected by object lock."},
		{"shorten governance with bypass", day(3), true, "", ""},
		{"governance to compliance", comp(4), false, "", ""},
		{"shorten compliance with bypass", comp(3), true, "AccessDenied", "Access Denied because object protected by object lock."},
		{"compliance to governance", day(6), true, "AccessDenied", "Access Denied because object protected by object lock."},
		{"extend compliance", comp(8), false, "", ""},
	}
	for _, st := range steps {
		before, _ := s.getVersion("locked", "k", "")
		_, err := s.PutObjectRetention(ctx, owner, PutObjectRetentionInput{Bucket: "locked", Key: "k", Retention: st.in, Bypass: st.bypass})
		wantLockCode(t, st.name, err, st.code, st.msg)
		after, _ := s.getVersion("locked", "k", "")
		if err != nil && (after.Retention == nil) != (before.Retention == nil) || err == nil && after.Retention.Until != st.in.Until {
			t.Fatalf("%s: retention now %+v", st.name, after.Retention)
		}
	}
	// Once the date has passed, the retention no longer protects the version.
	clock.Advance(9 * 24 * time.Hour)
	if _, err := s.PutObjectRetention(ctx, owner, PutObjectRetentionInput{Bucket: "locked", Key: "k"}); err != nil {
		t.Fatalf("remove an expired retention: %v", err)
	}
	for _, status := range []string{LegalHoldOn, LegalHoldOff} {
		if _, err := s.PutObjectLegalHold(ctx, owner, "locked", "k", out.VersionID, status); err != nil {
			t.Fatal(err)
		}
		if got, _, err := s.GetObjectLegalHold(ctx, owner, "locked", "k", ""); err != nil || got != status {
			t.Fatalf("legal hold %q %v, want %s", got, err, status)
		}
	}
	_, err = s.PutObjectLegalHold(ctx, owner, "locked", "k", "", "MAYBE")
	wantLockCode(t, "bad status", err, "MalformedXML", "")
}

func TestDeleteProtection(t *testing.T) {
	ctx := context.Background()
	s, clock := newLockService(t)
	until := lockEpoch.Add(24 * time.Hour).Format(time.RFC3339)
	put := func(key string, l LockInput) string {
		out, err := lockPut(s, "locked", key, l, true)
		if err != nil {
			t.Fatal(err)
		}
		return out.VersionID
	}
	gov := put("gov", LockInput{Mode: LockGovernance, RetainUntil: until})
	comp := put("comp", LockInput{Mode: LockCompliance, RetainUntil: until})
	hold := put("hold", LockInput{LegalHold: LegalHoldOn})
	free := put("free", LockInput{})
	denyBypass := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:BypassGovernanceRetention","Resource":"arn:aws:s3:::locked/denied*"}]}`
	if err := s.PutBucketPolicy(ctx, owner, "locked", denyBypass); err != nil {
		t.Fatal(err)
	}
	denied := put("denied", LockInput{Mode: LockGovernance, RetainUntil: until})

	locked := "Access Denied because object protected by object lock."
	tests := []struct {
		name, key, vid string
		bypass         bool
		code, msg      string
	}{
		{"governance", "gov", gov, false, "AccessDenied", locked},
		{"compliance", "comp", comp, true, "AccessDenied", locked},
		{"legal hold", "hold", hold, true, "AccessDenied", locked},
		{"bypass without permission", "denied", denied, true, "AccessDenied", ""},
		{"marker over a locked version", "gov", "", false, "", ""},
		{"governance with bypass", "gov", gov, true, "", ""},
		{"unprotected", "free", free, false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.DeleteObject(ctx, owner, DeleteObjectInput{Bucket: "locked", Key: tc.key, VersionID: tc.vid, Bypass: tc.bypass})
			wantLockCode(t, "delete", err, tc.code, tc.msg)
			if tc.vid == "" {
				return
			}
			_, lookup := s.getVersion("locked", tc.key, tc.vid)
			if (err == nil) != aws.IsCode(lookup, "NoSuchVersion") {
				t.Fatalf("version after delete (err %v): lookup %v", err, lookup)
			}
		})
	}
	// DeleteObjects reports the protected version as a per-key error.
	res, err := s.DeleteObjects(ctx, owner, "locked", []ObjectIdentifier{{Key: "comp", VersionID: comp}, {Key: "other"}}, false)
	if err != nil || res[0].Err == nil || res[0].Err.Message != locked || res[1].Err != nil {
		t.Fatalf("DeleteObjects: %+v %v", res, err)
	}
	// The bypass header needs an Object Lock bucket.
	_, err = s.DeleteObject(ctx, owner, DeleteObjectInput{Bucket: "plain", Key: "x", Bypass: true})
	wantLockCode(t, "bypass on plain bucket", err, "InvalidArgument", "x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.")
	_, err = s.DeleteObjects(ctx, owner, "plain", []ObjectIdentifier{{Key: "x"}}, true)
	wantLockCode(t, "DeleteObjects bypass on plain bucket", err, "InvalidArgument", "")
	// A passed retention protects nothing.
	clock.Advance(25 * time.Hour)
	_, err = s.DeleteObject(ctx, owner, DeleteObjectInput{Bucket: "locked", Key: "comp", VersionID: comp})
	wantLockCode(t, "expired compliance", err, "", "")
}

func TestObjectLockActions(t *testing.T) {
	ctx := context.Background()
	s, _ := newLockService(t)
	until := lockEpoch.Add(24 * time.Hour)
	out, err := lockPut(s, "locked", "k", LockInput{Mode: LockGovernance, RetainUntil: until.Format(time.RFC3339), LegalHold: LegalHoldOff}, true)
	if err != nil {
		t.Fatal(err)
	}
	const obj = "arn:aws:s3:::locked/k"
	tests := []struct {
		name string
		op   func() error
		want []want
	}{
		{"PutObject with lock headers", func() error {
			_, err := lockPut(s, "locked", "k", LockInput{Mode: LockCompliance, RetainUntil: until.Format(time.RFC3339), LegalHold: LegalHoldOn}, true)
			return err
		}, []want{
			{"s3:PutObject", obj, []string{"s3:object-lock-mode=COMPLIANCE", "s3:object-lock-retain-until-date=2026-01-02T12:00:00Z", "s3:object-lock-remaining-retention-days=1", "s3:object-lock-legal-hold=ON"}},
			{"s3:PutObjectRetention", obj, []string{"s3:object-lock-mode=COMPLIANCE"}},
			{"s3:PutObjectLegalHold", obj, []string{"s3:object-lock-legal-hold=ON"}},
		}},
		{"GetObjectRetention of a version", func() error {
			_, _, err := s.GetObjectRetention(ctx, owner, "locked", "k", out.VersionID)
			return err
		}, []want{{"s3:GetObjectRetention", obj, []string{"s3:versionid=" + out.VersionID}}}},
		{"PutObjectRetention with bypass", func() error {
			_, err := s.PutObjectRetention(ctx, owner, PutObjectRetentionInput{Bucket: "locked", Key: "k", VersionID: out.VersionID,
				Retention: &Retention{Mode: LockGovernance, Until: lockEpoch.Add(time.Hour)}, Bypass: true})
			return err
		}, []want{
			{"s3:PutObjectRetention", obj, []string{"s3:object-lock-mode=GOVERNANCE", "s3:object-lock-remaining-retention-days=1"}},
			{"s3:BypassGovernanceRetention", obj, []string{"s3:object-lock-mode=GOVERNANCE"}},
		}},
		{"legal hold", func() error {
			if _, err := s.PutObjectLegalHold(ctx, owner, "locked", "k", "", LegalHoldOn); err != nil {
				return err
			}
			_, _, err := s.GetObjectLegalHold(ctx, owner, "locked", "k", "")
			return err
		}, []want{{"s3:PutObjectLegalHold", obj, []string{"s3:object-lock-legal-hold=ON"}}, {"s3:GetObjectLegalHold", obj, nil}}},
		{"lock configuration", func() error {
			if err := s.PutObjectLockConfiguration(ctx, owner, "locked", nil); err != nil {
				return err
			}
			_, err := s.GetObjectLockConfiguration(ctx, owner, "locked")
			return err
		}, []want{{"s3:PutBucketObjectLockConfiguration", "arn:aws:s3:::locked", nil}, {"s3:GetBucketObjectLockConfiguration", "arn:aws:s3:::locked", nil}}},
		{"CreateBucket with Object Lock", func() error {
			_, err := s.CreateBucket(ctx, owner, CreateBucketInput{Bucket: "another", Region: "us-east-1", ObjectLock: true})
			return err
		}, []want{{"s3:CreateBucket", "arn:aws:s3:::another", nil}, {"s3:PutBucketObjectLockConfiguration", "arn:aws:s3:::another", nil},
			{"s3:PutBucketVersioning", "arn:aws:s3:::another", nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := asked(s, tc.op)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("asked %d questions, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Action != w.action || g.Resource != w.resource {
					t.Errorf("#%d: %s on %q, want %s on %q", i, g.Action, g.Resource, w.action, w.resource)
				}
				for _, kv := range w.keys {
					k, v, _ := cutKV(kv)
					if vals, ok := g.Context.Get(k); !ok || len(vals) != 1 || vals[0] != v {
						t.Errorf("#%d %s: %s = %v, want %q", i, g.Action, k, vals, v)
					}
				}
			}
		})
	}
}

func cutKV(kv string) (string, string, bool) {
	for i := range kv {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// GET and HEAD show the Object Lock headers only to callers allowed to
// read them.
func TestVisibleLock(t *testing.T) {
	ctx := context.Background()
	s, _ := newLockService(t)
	until := lockEpoch.Add(24 * time.Hour).Format(time.RFC3339)
	if _, err := lockPut(s, "locked", "k", LockInput{Mode: LockGovernance, RetainUntil: until, LegalHold: LegalHoldOn}, true); err != nil {
		t.Fatal(err)
	}
	out, err := s.GetObject(ctx, owner, GetObjectInput{Bucket: "locked", Key: "k", Head: true})
	if err != nil || !out.ShowRetention || !out.ShowLegalHold {
		t.Fatalf("owner: %+v %v", out, err)
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObjectRetention","Resource":"arn:aws:s3:::locked/*"}]}`
	if err := s.PutBucketPolicy(ctx, owner, "locked", deny); err != nil {
		t.Fatal(err)
	}
	out, err = s.GetObject(ctx, owner, GetObjectInput{Bucket: "locked", Key: "k", Head: true})
	if err != nil || out.ShowRetention || !out.ShowLegalHold {
		t.Fatalf("without s3:GetObjectRetention: %+v %v", out, err)
	}
}

// CopyObject and multipart uploads take the Object Lock headers too; a
// copy does not inherit its source's lock.
func TestLockHeadersOfCopyAndMultipart(t *testing.T) {
	ctx := context.Background()
	s, _ := newLockService(t)
	until := lockEpoch.Add(time.Hour)
	l := LockInput{Mode: LockCompliance, RetainUntil: until.Format(time.RFC3339), LegalHold: LegalHoldOn}
	if _, err := lockPut(s, "locked", "src", l, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CopyObject(ctx, owner, CopyObjectInput{SourceBucket: "locked", SourceKey: "src", Bucket: "locked", Key: "plain-copy"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.getVersion("locked", "plain-copy", ""); v.Retention != nil || v.LegalHold != "" {
		t.Fatalf("a copy without lock headers inherited %+v %q", v.Retention, v.LegalHold)
	}
	_, err := s.CopyObject(ctx, owner, CopyObjectInput{SourceBucket: "locked", SourceKey: "src", Bucket: "plain", Key: "k",
		Attributes: ObjectAttributes{Lock: LockInput{LegalHold: LegalHoldOn}}})
	wantLockCode(t, "copy with lock headers into a plain bucket", err, "InvalidRequest", "Bucket is missing Object Lock Configuration")

	up, err := s.CreateMultipartUpload(ctx, owner, CreateMultipartUploadInput{Bucket: "locked", Key: "mpu", Attributes: ObjectAttributes{Lock: l}})
	if err != nil {
		t.Fatal(err)
	}
	part, err := s.UploadPart(ctx, owner, UploadPartInput{Bucket: "locked", Key: "mpu", UploadID: up.UploadID, PartNumber: 1,
		Body: bytes.NewReader([]byte("data")), Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteMultipartUpload(ctx, owner, CompleteMultipartUploadInput{Bucket: "locked", Key: "mpu", UploadID: up.UploadID,
		Parts: []CompletedPart{{Number: 1, ETag: part.ETag}}}); err != nil {
		t.Fatal(err)
	}
	v, err := s.getVersion("locked", "mpu", "")
	if err != nil || v.Retention == nil || v.Retention.Mode != LockCompliance || !v.Retention.Until.Equal(until) || v.LegalHold != LegalHoldOn {
		t.Fatalf("completed upload: %+v %v", v, err)
	}
	_, err = s.CreateMultipartUpload(ctx, owner, CreateMultipartUploadInput{Bucket: "locked", Key: "bad",
		Attributes: ObjectAttributes{Lock: LockInput{Mode: LockGovernance}}})
	wantLockCode(t, "multipart with a mode only", err, "InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
}
