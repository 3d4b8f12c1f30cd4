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

// lockTarget says which Object Lock settings of the target's versions the
// role must copy: those of the version explained, or, for the pre-flight,
// both whenever the source bucket has Object Lock.
func (r *run) lockTarget(t *target) (retention, legalHold bool) {
	if t.deleteMarker || !r.src.LockEnabled() {
		return false, false
	}
	if !t.object {
		return true, true
	}
	return t.retention, t.legalHold
}

// checkLockRead asks whether the role may read the retention and legal
// hold of the source version.
func (r *run) checkLockRead(t *target, arn string, v view) []Check {
	retention, hold := r.lockTarget(t)
	return r.lockChecks(HopSourceRead, arn, v, []lockQuestion{
		{retention, replication.ActionGetObjectRetention, replication.ReasonSrcGetRetentionNotPermitted},
		{hold, replication.ActionGetObjectLegalHold, replication.ReasonSrcGetLegalHoldNotPermitted},
	})
}

// checkLockWrite asks whether the role may put them on the replica.
func (r *run) checkLockWrite(t *target, arn string, v view) []Check {
	retention, hold := r.lockTarget(t)
	return r.lockChecks(HopWrite, arn, v, []lockQuestion{
		{retention, replication.ActionPutObjectRetention, replication.ReasonDstPutRetentionNotPermitted},
		{hold, replication.ActionPutObjectLegalHold, replication.ReasonDstPutLegalHoldNotPermitted},
	})
}

type lockQuestion struct {
	ask            bool
	action, reason string
}

func (r *run) lockChecks(hop, arn string, v view, qs []lockQuestion) []Check {
	var out []Check
	for _, q := range qs {
		if !q.ask {
			continue
		}
		c := r.s3Check(hop, q.action, arn, nil, v).Check
		c.Reason = q.reason
		out = append(out, c)
	}
	return out
}
