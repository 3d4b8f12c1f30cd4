package s3

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// Object Lock: a bucket's configuration (enabled, default retention) and
// each version's retention and legal hold, which protect the version from
// being deleted by version id (spec errors.md §2.8, replication.md §3.1).

// Object Lock retention modes and legal hold statuses, as on the wire.
const (
	LockGovernance = "GOVERNANCE"
	LockCompliance = "COMPLIANCE"
	LegalHoldOn    = "ON"
	LegalHoldOff   = "OFF"
)

// The IAM actions of Object Lock.
const (
	ActionPutLockConfiguration = "s3:PutBucketObjectLockConfiguration"
	ActionGetLockConfiguration = "s3:GetBucketObjectLockConfiguration"
	ActionPutRetention         = "s3:PutObjectRetention"
	ActionGetRetention         = "s3:GetObjectRetention"
	ActionPutLegalHold         = "s3:PutObjectLegalHold"
	ActionGetLegalHold         = "s3:GetObjectLegalHold"
	ActionBypassGovernance     = "s3:BypassGovernanceRetention"
)

// ObjectLock is a bucket's Object Lock configuration. A bucket with one has
// Object Lock enabled for good: it cannot be removed, and the bucket's
// versioning can no longer be suspended.
type ObjectLock struct {
	// Default is the default retention of new versions, nil for none.
	Default *DefaultRetention `json:"default,omitempty"`
}

// DefaultRetention is a bucket's default retention: a mode and a period of
// either Days or Years (the other is 0).
type DefaultRetention struct {
	Mode  string `json:"mode"`
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// Validate applies S3's rules to a default retention.
func (d *DefaultRetention) Validate() error {
	if d == nil {
		return nil
	}
	if !validLockMode(d.Mode) || (d.Days != 0) == (d.Years != 0) {
		return aws.ErrMalformedXML()
	}
	switch {
	case d.Days < 0:
		return aws.ErrDefaultRetentionPeriod("Days")
	case d.Years < 0:
		return aws.ErrDefaultRetentionPeriod("Years")
	case d.Days > MaxRetentionDays:
		return aws.ErrDefaultRetentionTooLong("Days")
	case d.Years > MaxRetentionYears:
		return aws.ErrDefaultRetentionTooLong("Years")
	}
	return nil
}

// The longest default retention S3 allows: 100 years, given as days or years.
const (
	MaxRetentionDays  = 36500
	MaxRetentionYears = 100
)

// until is the retain-until date of a version written at t.
func (d *DefaultRetention) until(t time.Time) time.Time {
	if d.Years > 0 {
		return t.AddDate(d.Years, 0, 0)
	}
	return t.AddDate(0, 0, d.Days)
}

// Retention is a version's Object Lock retention.
type Retention struct {
	Mode  string    `json:"mode"`
	Until time.Time `json:"until"`
}

// activeAt reports whether the retention still protects its version at t.
func (r *Retention) activeAt(t time.Time) bool { return r != nil && r.Until.After(t) }

// LockEnabled reports whether the bucket has Object Lock.
func (b *Bucket) LockEnabled() bool { return b.ObjectLock != nil }

func validLockMode(m string) bool { return m == LockGovernance || m == LockCompliance }

// LockInput is the Object Lock headers of a write, as sent:
// x-amz-object-lock-mode, x-amz-object-lock-retain-until-date and
// x-amz-object-lock-legal-hold.
type LockInput struct {
	Mode, RetainUntil, LegalHold string
}

// present reports whether the write carries any Object Lock header.
func (l LockInput) present() bool { return l.Mode != "" || l.RetainUntil != "" || l.LegalHold != "" }

// parse validates the headers on their own: both or neither of mode and
// date, a known mode, an ISO 8601 date and ON or OFF.
func (l LockInput) parse() (*Retention, string, error) {
	switch {
	case l.Mode != "" && l.RetainUntil == "":
		return nil, "", aws.ErrLockHeadersBoth("x-amz-object-lock-retain-until-date")
	case l.Mode == "" && l.RetainUntil != "":
		return nil, "", aws.ErrLockHeadersBoth("x-amz-object-lock-mode")
	}
	var r *Retention
	if l.Mode != "" {
		if !validLockMode(l.Mode) {
			return nil, "", aws.ErrUnknownWormMode(l.Mode)
		}
		t, err := time.Parse(time.RFC3339Nano, l.RetainUntil)
		if err != nil {
			return nil, "", aws.ErrInvalidRetainUntilHeader(l.RetainUntil)
		}
		r = &Retention{Mode: l.Mode, Until: t.UTC()}
	}
	if l.LegalHold != "" && l.LegalHold != LegalHoldOn && l.LegalHold != LegalHoldOff {
		return nil, "", aws.ErrInvalidLegalHoldHeader(l.LegalHold)
	}
	return r, l.LegalHold, nil
}

// lockKeys are the Object Lock condition keys of a write's headers
// (s3:object-lock-mode, s3:object-lock-retain-until-date,
// s3:object-lock-remaining-retention-days, s3:object-lock-legal-hold).
func lockKeys(l LockInput, now time.Time) []string {
	var kv []string
	if l.Mode != "" {
		kv = append(kv, "s3:object-lock-mode", l.Mode)
	}
	if t, err := time.Parse(time.RFC3339Nano, l.RetainUntil); err == nil {
		kv = append(kv, retentionKeys(&Retention{Until: t}, now)...)
	}
	if l.LegalHold != "" {
		kv = append(kv, "s3:object-lock-legal-hold", l.LegalHold)
	}
	return kv
}

// retentionKeys are the condition keys describing a retention: its mode,
// date (ISO 8601, UTC) and the whole days left at now, rounded up.
func retentionKeys(r *Retention, now time.Time) []string {
	days := int(math.Ceil(r.Until.Sub(now).Hours() / 24))
	kv := []string{"s3:object-lock-retain-until-date", r.Until.UTC().Format(time.RFC3339),
		"s3:object-lock-remaining-retention-days", strconv.Itoa(max(days, 0))}
	if r.Mode != "" {
		kv = append(kv, "s3:object-lock-mode", r.Mode)
	}
	return kv
}

// lockAccess is what a write's Object Lock headers add to putAccess:
// s3:PutObjectRetention for a retention, s3:PutObjectLegalHold for a legal hold.
func lockAccess(key string, l LockInput, now time.Time) []access {
	var acc []access
	if l.Mode != "" || l.RetainUntil != "" {
		acc = append(acc, on(ActionPutRetention, key, lockKeys(LockInput{Mode: l.Mode, RetainUntil: l.RetainUntil}, now)...))
	}
	if l.LegalHold != "" {
		acc = append(acc, on(ActionPutLegalHold, key, "s3:object-lock-legal-hold", l.LegalHold))
	}
	return acc
}

// applyLock validates a write's Object Lock headers against bucket b and
// sets v's retention and legal hold. digested says the request carries
// Content-MD5 or an x-amz-checksum-* value, which S3 requires with them.
// A version without an explicit retention gets the bucket's default when
// it is committed (commitVersion).
func (s *Service) applyLock(b *Bucket, l LockInput, digested bool, v *Version) error {
	if !l.present() {
		return nil
	}
	r, hold, err := l.parse()
	if err != nil {
		return err
	}
	if !digested {
		return aws.ErrLockContentMD5()
	}
	if !b.LockEnabled() {
		return aws.ErrBucketMissingObjectLock()
	}
	if r != nil && !r.Until.After(s.clock.Now()) {
		return aws.ErrRetainUntilPast("x-amz-object-lock-retain-until-date", r.Until)
	}
	v.Retention, v.LegalHold = r, hold
	return nil
}

// applyDefaultRetention gives a new version without retention its bucket's
// default retention, counted from now. Delete markers get none.
func (s *Service) applyDefaultRetention(b *Bucket, v *Version) {
	if v.DeleteMarker || v.Retention != nil || b.ObjectLock == nil || b.ObjectLock.Default == nil {
		return
	}
	d := b.ObjectLock.Default
	v.Retention = &Retention{Mode: d.Mode, Until: d.until(s.clock.Now().UTC())}
}

// PutObjectLockConfiguration enables Object Lock on a bucket whose
// versioning is Enabled, or changes its default retention (nil: none).
func (s *Service) PutObjectLockConfiguration(ctx context.Context, p aws.Principal, bucket string, def *DefaultRetention) error {
	if _, err := s.bucketFor(ctx, p, bucket, on(ActionPutLockConfiguration, "")); err != nil {
		return err
	}
	if err := def.Validate(); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		if !b.Versioned() {
			return aws.ErrObjectLockNeedsVersioning()
		}
		b.ObjectLock = &ObjectLock{Default: def}
		return nil
	})
}

// GetObjectLockConfiguration returns the bucket's Object Lock configuration.
func (s *Service) GetObjectLockConfiguration(ctx context.Context, p aws.Principal, bucket string) (*ObjectLock, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetLockConfiguration, ""))
	if err != nil {
		return nil, err
	}
	if !b.LockEnabled() {
		return nil, aws.ErrObjectLockConfigurationNotFound(bucket)
	}
	return b.ObjectLock, nil
}

// lockedVersion looks up the version an Object Lock call addresses and
// authorizes a on it (the version's owner and ACL take part). The bucket
// must have Object Lock.
func (s *Service) lockedVersion(ctx context.Context, p aws.Principal, b *Bucket, key, versionID, method string, a access) (*Version, error) {
	v, lookupErr := s.taggedVersion(b, key, versionID, method)
	if versionID != "" {
		a.keys.Set("s3:versionid", versionID)
	}
	a.obj = v
	if err := s.authorize(ctx, p, b, a); err != nil {
		return nil, err
	}
	if !b.LockEnabled() {
		return nil, aws.ErrBucketMissingObjectLock()
	}
	return v, lookupErr
}

// GetObjectRetention returns a version's retention and the version id to report.
func (s *Service) GetObjectRetention(ctx context.Context, p aws.Principal, bucket, key, versionID string) (*Retention, string, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return nil, "", err
	}
	v, err := s.lockedVersion(ctx, p, b, key, versionID, http.MethodGet, on(ActionGetRetention, key))
	if err != nil {
		return nil, "", err
	}
	if v.Retention == nil {
		return nil, "", aws.ErrNoSuchObjectLockConfiguration()
	}
	return v.Retention, shownVersionID(b, v), nil
}

// GetObjectLegalHold returns a version's legal hold status and the version
// id to report.
func (s *Service) GetObjectLegalHold(ctx context.Context, p aws.Principal, bucket, key, versionID string) (string, string, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return "", "", err
	}
	v, err := s.lockedVersion(ctx, p, b, key, versionID, http.MethodGet, on(ActionGetLegalHold, key))
	if err != nil {
		return "", "", err
	}
	if v.LegalHold == "" {
		return "", "", aws.ErrNoSuchObjectLockConfiguration()
	}
	return v.LegalHold, shownVersionID(b, v), nil
}

// PutObjectRetentionInput is PutObjectRetention's request.
type PutObjectRetentionInput struct {
	Bucket, Key, VersionID string
	// Retention is the new retention; nil removes it.
	Retention *Retention
	// Bypass is x-amz-bypass-governance-retention: true.
	Bypass bool
}

// PutObjectRetention sets, extends, shortens or removes a version's
// retention. Shortening or removing an active retention needs GOVERNANCE
// mode, the bypass header and s3:BypassGovernanceRetention; COMPLIANCE can
// only be extended. It returns the version id to report.
func (s *Service) PutObjectRetention(ctx context.Context, p aws.Principal, in PutObjectRetentionInput) (string, error) {
	if r := in.Retention; r != nil && !validLockMode(r.Mode) {
		return "", aws.ErrMalformedXML()
	}
	b, err := s.Bucket(in.Bucket)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	var kv []string
	if in.Retention != nil {
		kv = retentionKeys(in.Retention, now)
	}
	unlock := s.lock(b.Name, in.Key)
	defer unlock()
	v, err := s.lockedVersion(ctx, p, b, in.Key, in.VersionID, http.MethodPut, on(ActionPutRetention, in.Key, kv...))
	if err != nil {
		return "", err
	}
	if r := in.Retention; r != nil && !r.Until.After(now) {
		return "", aws.ErrRetainUntilPast("RetainUntilDate", r.Until)
	}
	if weakens(v.Retention, in.Retention, now) {
		if err := s.bypassGovernance(ctx, p, b, v, in.Bypass, now); err != nil {
			return "", err
		}
	}
	v.Retention = in.Retention
	return s.rewriteLock(b, v)
}

// weakens reports whether replacing retention cur by next at now lowers an
// active protection: removing it, moving its date earlier, or turning
// COMPLIANCE into GOVERNANCE.
func weakens(cur, next *Retention, now time.Time) bool {
	if !cur.activeAt(now) {
		return false
	}
	if next == nil || next.Until.Before(cur.Until) {
		return true
	}
	return cur.Mode == LockCompliance && next.Mode != LockCompliance
}

// bypassGovernance decides whether a request may lift v's active
// retention: only GOVERNANCE, only with the bypass header, and only for
// callers allowed s3:BypassGovernanceRetention.
func (s *Service) bypassGovernance(ctx context.Context, p aws.Principal, b *Bucket, v *Version, bypass bool, now time.Time) error {
	if v.Retention.Mode != LockGovernance || !bypass {
		return aws.ErrObjectLocked()
	}
	a := on(ActionBypassGovernance, v.Key, retentionKeys(v.Retention, now)...)
	a.obj = v
	return s.authorize(ctx, p, b, a)
}

// PutObjectLegalHold turns a version's legal hold ON or OFF and returns the
// version id to report.
func (s *Service) PutObjectLegalHold(ctx context.Context, p aws.Principal, bucket, key, versionID, status string) (string, error) {
	if status != LegalHoldOn && status != LegalHoldOff {
		return "", aws.ErrMalformedXML()
	}
	b, err := s.Bucket(bucket)
	if err != nil {
		return "", err
	}
	unlock := s.lock(b.Name, key)
	defer unlock()
	v, err := s.lockedVersion(ctx, p, b, key, versionID, http.MethodPut,
		on(ActionPutLegalHold, key, "s3:object-lock-legal-hold", status))
	if err != nil {
		return "", err
	}
	v.LegalHold = status
	return s.rewriteLock(b, v)
}

// rewriteLock rewrites a version record in place (same seq) after an
// Object Lock change, queuing the change for its replicas in the same
// batch. The caller holds the key's lock.
func (s *Service) rewriteLock(b *Bucket, v *Version) (string, error) {
	batch := s.store.NewBatch()
	queued := s.enqueueTagReplication(b, v, batch)
	batch.Set(versionKey(b.Name, v.Key, v.Seq), encodeVersion(v))
	if err := commit(batch); err != nil {
		return "", err
	}
	if queued {
		s.replicator.Wake()
	}
	return shownVersionID(b, v), nil
}

// checkDeleteLock decides whether version v may be deleted permanently at
// now: a legal hold or an active COMPLIANCE retention forbid it, an active
// GOVERNANCE retention needs the bypass header and
// s3:BypassGovernanceRetention.
func (s *Service) checkDeleteLock(ctx context.Context, p aws.Principal, b *Bucket, v *Version, bypass bool) error {
	now := s.clock.Now()
	if v.LegalHold == LegalHoldOn {
		return aws.ErrObjectLocked()
	}
	if !v.Retention.activeAt(now) {
		return nil
	}
	return s.bypassGovernance(ctx, p, b, v, bypass, now)
}

// visibleLock says which Object Lock headers a GET or HEAD may show: the
// retention to callers allowed s3:GetObjectRetention, the legal hold to
// callers allowed s3:GetObjectLegalHold. The questions are evaluated, not
// recorded: a caller without them still reads the object, so they deny
// nothing.
func (s *Service) visibleLock(ctx context.Context, p aws.Principal, b *Bucket, v *Version, versionID string) (retention, hold bool) {
	check := func(action string) bool {
		a := on(action, v.Key)
		if versionID != "" {
			a.keys.Set("s3:versionid", versionID)
		}
		a.obj = v
		req, err := s.request(ctx, p, b, a)
		if err != nil {
			return false
		}
		d, err := s.authz.Evaluate(ctx, req)
		return err == nil && d.Allowed
	}
	return v.Retention != nil && check(ActionGetRetention), v.LegalHold != "" && check(ActionGetLegalHold)
}
