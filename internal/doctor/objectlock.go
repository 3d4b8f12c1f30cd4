package doctor

import (
	"github.com/ferrystore/ferry/internal/replication"
)

// Object Lock in the doctor (spec §3.1, §6.2, §8.2): parity between the
// buckets, then the role's permissions to read a version's retention and
// legal hold on the source and put them on the replica, asked only when
// the version (or, for the pre-flight, any version of an Object Lock
// bucket) can carry them.

// checkLockParity is the destination hop's Object Lock question: a source
// bucket with Object Lock needs a destination with Object Lock.
func (r *run) checkLockParity(t *target) Check {
	c := Check{Hop: HopDestination}
	switch {
	case !r.src.LockEnabled():
		c.Status, c.Title = OK, "Object Lock parity: source bucket "+r.src.Name+" has no Object Lock"
	case !r.sees(t.dst.Account, "s3:GetBucketObjectLockConfiguration", t.dst.ARN()):
		c.Status, c.Title = Unknown, "Object Lock parity: bucket "+r.src.Name+" has Object Lock"
		c.Detail = cannotSee("the Object Lock configuration of bucket "+t.dst.Name, t.dst.Account)
	case t.dst.LockEnabled():
		c.Status, c.Title = OK, "Object Lock parity: both buckets have Object Lock"
	default:
		c.Status, c.Reason = Fail, replication.ReasonDstBucketObjectLockConfigMissing
		c.Title = "Object Lock parity: bucket " + r.src.Name + " has Object Lock"
		c.Detail = "destination bucket " + t.dst.Name + " has no Object Lock, so every object fails"
		c.Fixes = []Fix{{Account: t.dst.Account, Document: "Object Lock configuration of bucket " + t.dst.Name,
			Action: "aws s3api put-object-lock-configuration --bucket " + t.dst.Name + " --object-lock-configuration ObjectLockEnabled=Enabled"}}
	}
	return c
}

// lockNeed says how much the role's Object Lock permissions matter for the
// target's versions: not at all, for some versions (a warning: only those
// carrying that protection fail), or for every version (a failure).
type lockNeed int

const (
	lockNotNeeded lockNeed = iota
	lockSometimes
	lockAlways
)

// lockTarget says how much the retention and legal hold permissions
// matter: for the version explained, exactly when it carries them; for the
// pre-flight of an Object Lock source, retention always when the bucket
// has a default retention (every version gets one) and otherwise, like
// legal hold, only for the versions written with one.
func (r *run) lockTarget(t *target) (retention, legalHold lockNeed) {
	switch {
	case t.deleteMarker || !r.src.LockEnabled():
		return lockNotNeeded, lockNotNeeded
	case t.object:
		return needIf(t.retention), needIf(t.legalHold)
	case r.src.ObjectLock.Default != nil:
		return lockAlways, lockSometimes
	}
	return lockSometimes, lockSometimes
}

func needIf(b bool) lockNeed {
	if b {
		return lockAlways
	}
	return lockNotNeeded
}

// checkLockRead asks whether the role may read the retention and legal
// hold of the source version.
func (r *run) checkLockRead(t *target, arn string, v view) []Check {
	retention, hold := r.lockTarget(t)
	return r.lockChecks(HopSourceRead, arn, v, []lockQuestion{
		{retention, replication.ActionGetObjectRetention, replication.ReasonSrcGetRetentionNotPermitted, "a retention"},
		{hold, replication.ActionGetObjectLegalHold, replication.ReasonSrcGetLegalHoldNotPermitted, "a legal hold"},
	})
}

// checkLockWrite asks whether the role may put them on the replica.
func (r *run) checkLockWrite(t *target, arn string, v view) []Check {
	retention, hold := r.lockTarget(t)
	return r.lockChecks(HopWrite, arn, v, []lockQuestion{
		{retention, replication.ActionPutObjectRetention, replication.ReasonDstPutRetentionNotPermitted, "a retention"},
		{hold, replication.ActionPutObjectLegalHold, replication.ReasonDstPutLegalHoldNotPermitted, "a legal hold"},
	})
}

type lockQuestion struct {
	need           lockNeed
	action, reason string
	// what names the protection, for the warning of lockSometimes.
	what string
}

func (r *run) lockChecks(hop, arn string, v view, qs []lockQuestion) []Check {
	var out []Check
	for _, q := range qs {
		if q.need == lockNotNeeded {
			continue
		}
		c := r.s3Check(hop, q.action, arn, nil, v).Check
		c.Reason = q.reason
		if q.need == lockSometimes {
			downgrade(&c, "objects written with "+q.what+" fail with "+q.reason)
		}
		out = append(out, c)
	}
	return out
}
