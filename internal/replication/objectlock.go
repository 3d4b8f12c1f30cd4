package replication

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// Object Lock in replication (§3.1, §6.2, §8.2, §12.4): a source bucket
// with Object Lock replicates only to destinations with Object Lock; the
// role reads a version's retention and legal hold on the source and puts
// them on the replica, each permission checked only when the version has
// that protection.

// The Object Lock actions the hops check.
const (
	ActionGetObjectRetention = "s3:GetObjectRetention"
	ActionGetObjectLegalHold = "s3:GetObjectLegalHold"
	ActionPutObjectRetention = "s3:PutObjectRetention"
	ActionPutObjectLegalHold = "s3:PutObjectLegalHold"
)

// lockParity fails a task whose source bucket has Object Lock when the
// destination has none.
func lockParity(t *Task, dst BucketInfo) error {
	if t.ObjectLock && !dst.ObjectLock {
		return Fail(ReasonDstBucketObjectLockConfigMissing,
			fmt.Errorf("bucket %s has Object Lock and destination bucket %s has none", t.SourceBucket, t.Destination))
	}
	return nil
}

// carriesHold reports whether a version's legal hold is replicated: ON for
// a new replica; ON or OFF for an update, which may release a hold.
func carriesHold(v *ObjectVersion, update bool) bool {
	return v.LegalHold == legalHoldOn || update && v.LegalHold != ""
}

// readableLock checks that the role may read the version's retention
// (s3:GetObjectRetention, else SrcGetRetentionNotPermitted) and legal hold
// (s3:GetObjectLegalHold, else SrcGetLegalHoldNotPermitted), each only
// when the version has one. A new replica carries a legal hold only when
// it is ON.
func (e *Engine) readableLock(ctx context.Context, session aws.Principal, t *Task, src, replica *ObjectVersion, update bool) error {
	arn := objectARN(t.SourceBucket, t.Key)
	keys := map[string][]string{"s3:versionid": {t.VersionID}}
	if src.Retention != nil {
		if err := e.require(ctx, session, ActionGetObjectRetention, arn, t.SourceAccount, keys, ReasonSrcGetRetentionNotPermitted); err != nil {
			return err
		}
	}
	if carriesHold(src, update) {
		if err := e.require(ctx, session, ActionGetObjectLegalHold, arn, t.SourceAccount, keys, ReasonSrcGetLegalHoldNotPermitted); err != nil {
			return err
		}
	} else {
		replica.LegalHold = ""
	}
	return nil
}

// writableLock checks that the role may put the replica's retention
// (s3:PutObjectRetention, else DstPutRetentionNotPermitted) and legal hold
// (s3:PutObjectLegalHold, else DstPutLegalHoldNotPermitted) on the
// destination, with the Object Lock condition keys they carry.
func (e *Engine) writableLock(ctx context.Context, session aws.Principal, t *Task, dst BucketInfo, replica *ObjectVersion, update bool) error {
	arn := objectARN(t.Destination, t.Key)
	if r := replica.Retention; r != nil {
		keys := lockKeys(r, e.cfg.Clock.Now())
		if err := e.require(ctx, session, ActionPutObjectRetention, arn, dst.Account, keys, ReasonDstPutRetentionNotPermitted); err != nil {
			return err
		}
	}
	if carriesHold(replica, update) {
		keys := map[string][]string{"s3:object-lock-legal-hold": {replica.LegalHold}}
		if err := e.require(ctx, session, ActionPutObjectLegalHold, arn, dst.Account, keys, ReasonDstPutLegalHoldNotPermitted); err != nil {
			return err
		}
	}
	return nil
}

// require authorizes one check and turns a denial into a failure with reason.
func (e *Engine) require(ctx context.Context, session aws.Principal, action, arn string, owner aws.AccountID, keys map[string][]string, reason string) error {
	d, err := e.authorize(ctx, session, action, arn, owner, keys)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return Fail(reason, denial(session, action, arn, d))
	}
	return nil
}

// lockKeys are the condition keys of putting retention r at now.
func lockKeys(r *Retention, now time.Time) map[string][]string {
	days := int(math.Ceil(r.Until.Sub(now).Hours() / 24))
	return map[string][]string{
		"s3:object-lock-mode":                     {r.Mode},
		"s3:object-lock-retain-until-date":        {r.Until.UTC().Format(time.RFC3339)},
		"s3:object-lock-remaining-retention-days": {strconv.Itoa(max(days, 0))},
	}
}

// replicateLock brings a replica's retention and legal hold in line with
// its source's (an update task), when the destination keeps them.
func (e *Engine) replicateLock(ctx context.Context, t *Task, src *ObjectVersion) error {
	ls, ok := e.cfg.Destination.(ReplicaLockStore)
	if !ok || !t.ObjectLock {
		return nil
	}
	if err := ls.PutReplicaLock(ctx, t.Destination, t.Key, t.VersionID, src.Retention, src.LegalHold); err != nil {
		if isNotFound(err) {
			return Fail(ReasonDstVersionNotFound, err)
		}
		return fmt.Errorf("Object Lock of replica %s/%s: %w", t.Destination, t.Key, err)
	}
	return nil
}
