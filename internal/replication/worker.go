package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// The S3 actions the hops check (§8.2).
const (
	ActionGetObjectVersionForReplication = "s3:GetObjectVersionForReplication"
	ActionGetObjectVersionAcl            = "s3:GetObjectVersionAcl"
	ActionGetObjectVersionTagging        = "s3:GetObjectVersionTagging"
	ActionReplicateObject                = "s3:ReplicateObject"
	ActionReplicateDelete                = "s3:ReplicateDelete"
	ActionReplicateTags                  = "s3:ReplicateTags"
	ActionObjectOwnerOverride            = "s3:ObjectOwnerOverrideToBucketOwner"
)

// process runs one leased task and records its outcome: COMPLETED or
// FAILED on the source version (deleting the task in the same batch), or,
// for a transient fault, a retry after a backoff with the task still
// PENDING.
func (e *Engine) process(ctx context.Context, owner string, t *Task) error {
	t.Attempts++
	t.LastAttempt = e.cfg.Clock.Now()
	err := e.replicate(WithReadScope(ctx), t)
	if err == nil {
		return e.settle(ctx, owner, t, StatusCompleted, nil)
	}
	if f, ok := asFailure(err); ok {
		e.cfg.Logger.Info("replication failed", "bucket", t.SourceBucket, "key", t.Key, "version", t.VersionID,
			"destination", t.Destination, "reason", f.Reason, "err", f.Err)
		return e.settle(ctx, owner, t, StatusFailed, f)
	}
	next := t.LastAttempt.Add(e.backoff(t.Attempts))
	e.cfg.Logger.Debug("replication retry", "bucket", t.SourceBucket, "key", t.Key, "destination", t.Destination,
		"attempt", t.Attempts, "next", next, "err", err)
	return e.queue.Retry(t, err, next)
}

// backoff is the delay before attempt n+1: Backoff doubled per attempt,
// capped at MaxBackoff.
func (e *Engine) backoff(n int) time.Duration {
	d := e.cfg.Backoff
	for i := 1; i < n && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, e.cfg.MaxBackoff)
}

// settle writes a destination's final status onto the source version and
// deletes the task, in one batch, with the replication events the outcome
// produces (events.go): FailedReplication when the rule has metrics, and
// for an RTC rule completing late MissedThreshold (unless the threshold
// check recorded it already) and ReplicatedAfterThreshold. A version
// deleted meanwhile (by version id) has nowhere to record its status: the
// task is deleted with the events.
//
// The queue's lock is held from reading the task to the commit, so the
// threshold check (rtc.go) cannot record MissedThreshold for a task that
// is settling, nor write it back once deleted.
func (e *Engine) settle(ctx context.Context, owner string, t *Task, status Status, f *Failure) error {
	e.queue.mu.RLock()
	defer e.queue.mu.RUnlock()
	cur, err := e.queue.get(t.key())
	if err != nil || cur == nil || cur.LeaseOwner != owner {
		return err
	}
	t.Missed = cur.Missed
	events := e.outcomeEvents(t, status, f)
	update := func(st *State) {
		d := st.Destination(t.Destination)
		if d == nil {
			return
		}
		d.Status, d.Attempts, d.LastAttempt = status, t.Attempts, t.LastAttempt
		d.LastError, d.FailureReason = t.LastError, ""
		if f != nil {
			d.LastError, d.FailureReason = f.Error(), f.Reason
		}
	}
	extra := func(b meta.Batch) {
		e.queue.Remove(b, t)
		for _, ev := range events {
			e.events.Append(b, ev)
		}
		if t.Job != "" && e.settled != nil {
			e.settled(b, t, status, f)
		}
	}
	err = e.cfg.Source.UpdateReplicationState(ctx, t.SourceBucket, t.Key, t.VersionID, update, extra)
	if isNotFound(err) {
		batch := e.cfg.Store.NewBatch()
		defer batch.Close()
		extra(batch)
		err = batch.Commit()
	}
	if err != nil {
		return fmt.Errorf("replication: settle %s/%s (%s) → %s: %w", t.SourceBucket, t.Key, t.VersionID, t.Destination, err)
	}
	switch status {
	case StatusFailed:
		e.metrics.failed(t)
	case StatusCompleted:
		e.metrics.completed(t, e.cfg.Clock.Now())
	}
	if len(events) > 0 {
		e.events.committed()
		if err := e.events.trim(t.SourceBucket); err != nil {
			e.cfg.Logger.Warn("replication events: trim", "bucket", t.SourceBucket, "err", err)
		}
	}
	return nil
}

// replicate walks the hops of §12.4 as the replication role would. It
// returns nil when the replica is in place, a *Failure for a permanent
// failure, and any other error for a transient one.
func (e *Engine) replicate(ctx context.Context, t *Task) error {
	if t.TagUpdate {
		return e.replicateTags(ctx, t)
	}
	// a. S3 assumes the replication role.
	session, err := e.cfg.Assumer.AssumeRole(ctx, t.Role, string(t.SourceAccount), t.SourceARN())
	if err != nil {
		if isDenied(err) {
			return Fail(ReasonAssumeRoleNotPermitted, err)
		}
		return fmt.Errorf("assume role %s: %w", t.Role, err)
	}
	// b, c. Read the source version as the role session.
	src, err := e.cfg.Source.ReadReplicationVersion(ctx, t.SourceBucket, t.Key, t.VersionID)
	if err != nil {
		return srcFailure(t, err)
	}
	replica := *src
	var body io.ReadCloser
	if !t.DeleteMarker {
		if err := e.readable(ctx, session, t, src, &replica); err != nil {
			return err
		}
		if body, err = e.cfg.Source.OpenReplicationData(ctx, session, t.SourceBucket, t.Key, t.VersionID); err != nil {
			return srcFailure(t, err)
		}
		defer body.Close()
	}
	var data io.Reader
	if body != nil {
		data = body
	}
	return e.deliver(ctx, session, t, src, &replica, data)
}

// deliver hands the replica to the destination: in process when this
// process serves the bucket, else to the peer that does.
func (e *Engine) deliver(ctx context.Context, session aws.Principal, t *Task, src, replica *ObjectVersion, body io.Reader) error {
	err := e.Accept(ctx, session, t, src, replica, body)
	if f, ok := asFailure(err); ok && f.Reason == ReasonDstBucketNotFound && e.cfg.Peers != nil {
		return e.cfg.Peers.Replicate(ctx, session, t, src, replica, body)
	}
	return err
}

// Accept runs the destination's hops of a replication (§12.4 d–g) as
// session against this process's destination: the bucket must exist and be
// versioned, the replica's encryption and the write permissions are
// checked, and the replica is written with the source's version id
// (idempotently). replica is the source version as the source hops left it
// (tags dropped when they may not be read). It returns nil, a *Failure, or
// a transient error. The worker calls it for a bucket served here; a peer's
// replica endpoint calls it for a replication sent by another process.
func (e *Engine) Accept(ctx context.Context, session aws.Principal, t *Task, src, replica *ObjectVersion, body io.Reader) error {
	// d. The destination bucket must exist, be versioned, and have Object
	// Lock when the source has.
	dst, err := e.cfg.Destination.ReplicationBucket(ctx, t.Destination)
	switch {
	case errors.Is(err, ErrBucketNotFound):
		return Fail(ReasonDstBucketNotFound, err)
	case err != nil:
		return fmt.Errorf("destination bucket %s: %w", t.Destination, err)
	case !dst.Versioned:
		return Fail(ReasonDstBucketUnversioned, fmt.Errorf("versioning is not enabled on bucket %s", t.Destination))
	}
	if err := lockParity(t, dst); err != nil {
		return err
	}
	// e, f. The replica's encryption, then the write permissions.
	if err := e.writable(ctx, session, t, dst, src, replica); err != nil {
		return err
	}
	// g. Write the replica with the source's version id (idempotent).
	if err := e.cfg.Destination.WriteReplica(ctx, session, t.Destination, replica, body); err != nil {
		return dstFailure(t, err)
	}
	return nil
}

// srcFailure classifies an error reading the source version: gone
// (SrcVersionNotFound), its KMS key unusable (SrcKmsKeyInvalidState), any
// other client error, KMS access denied included (SrcGetObjectNotPermitted,
// §6.2 note), else transient.
func srcFailure(t *Task, err error) error {
	if _, ok := asFailure(err); ok {
		return err
	}
	e, ok := aws.As(err)
	switch {
	case isNotFound(err):
		return Fail(ReasonSrcVersionNotFound, err)
	case ok && isKMSKeyState(e.Code):
		return Fail(ReasonSrcKmsKeyInvalidState, err)
	case ok && e.Status >= 400 && e.Status < 500:
		return Fail(ReasonSrcGetObjectNotPermitted, err)
	}
	return fmt.Errorf("read source %s/%s: %w", t.SourceBucket, t.Key, err)
}

// dstFailure classifies an error writing the replica: no bucket
// (DstBucketNotFound), no replica key (DstKmsKeyNotFound), a disabled or
// pending-deletion key (DstKmsKeyInvalidState), any other client error, KMS
// access denied included (DstPutObjectNotPermitted or, for a marker,
// DstDelObjNotPermitted), else transient.
func dstFailure(t *Task, err error) error {
	if _, ok := asFailure(err); ok {
		return err
	}
	e, ok := aws.As(err)
	switch {
	case errors.Is(err, ErrBucketNotFound) || aws.IsCode(err, "NoSuchBucket"):
		return Fail(ReasonDstBucketNotFound, err)
	case ok && e.Code == "KMS.NotFoundException":
		return Fail(ReasonDstKmsKeyNotFound, err)
	case ok && isKMSKeyState(e.Code):
		return Fail(ReasonDstKmsKeyInvalidState, err)
	case ok && e.Status >= 400 && e.Status < 500:
		return Fail(writeReason(t), err)
	}
	return fmt.Errorf("write replica %s/%s: %w", t.Destination, t.Key, err)
}

// isKMSKeyState reports KMS's answers for a key that exists but cannot be
// used (for the source, a missing key is also a key-state problem).
func isKMSKeyState(code string) bool {
	switch code {
	case "KMS.DisabledException", "KMS.KMSInvalidStateException", "KMS.NotFoundException":
		return true
	}
	return false
}

// readable checks the source-side permissions of an object version: it
// fails without s3:GetObjectVersionForReplication or s3:GetObjectVersionAcl
// and drops the tags without s3:GetObjectVersionTagging (§8.2, not a
// failure). The checks carry s3:versionid, so that S3 weighs the version's
// owner and ACL: an object another account owns replicates only if its ACL
// grants the source bucket owner READ and READ_ACP (§8.4). The source key
// is checked when the bytes are opened, by KMS.
func (e *Engine) readable(ctx context.Context, session aws.Principal, t *Task, src, replica *ObjectVersion) error {
	arn := objectARN(t.SourceBucket, t.Key)
	keys := map[string][]string{"s3:versionid": {t.VersionID}}
	if err := e.require(ctx, session, ActionGetObjectVersionForReplication, arn, t.SourceAccount, keys, ReasonSrcGetObjectNotPermitted); err != nil {
		return err
	}
	if err := e.require(ctx, session, ActionGetObjectVersionAcl, arn, t.SourceAccount, keys, ReasonSrcGetAclNotPermitted); err != nil {
		return err
	}
	if len(src.Tags) > 0 {
		d, err := e.authorize(ctx, session, ActionGetObjectVersionTagging, arn, t.SourceAccount, nil)
		if err != nil {
			return err
		}
		if !d.Allowed {
			replica.Tags = nil
		}
	}
	return e.readableLock(ctx, session, t, src, replica, false)
}

// writable prepares the replica (encryption, storage class, owner) and
// checks the destination-side permissions: s3:ReplicateObject (or
// s3:ReplicateDelete for a delete marker), the owner override, and
// s3:ReplicateTags, whose explicit denial drops the tags (§3.2). A
// destination with Object Ownership BucketOwnerEnforced owns its replicas
// without the override's permission (§8.4, §12.4 e).
func (e *Engine) writable(ctx context.Context, session aws.Principal, t *Task, dst BucketInfo, src, replica *ObjectVersion) error {
	keys, err := e.cfg.Encryption.PrepareReplica(ctx, session, t, src, replica)
	if err != nil {
		return err
	}
	if t.StorageClass != "" && !t.DeleteMarker {
		replica.StorageClass = t.StorageClass
	}
	arn := objectARN(t.Destination, t.Key)
	action := ActionReplicateObject
	if t.DeleteMarker {
		action = ActionReplicateDelete
	}
	d, err := e.authorize(ctx, session, action, arn, dst.Account, keys)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return Fail(writeReason(t), denial(session, action, arn, d))
	}
	if dst.OwnerEnforced && !t.DeleteMarker {
		replica.Owner, replica.ACL = dst.Account, nil
	} else if t.OwnerOverride && !t.DeleteMarker {
		d, err := e.authorize(ctx, session, ActionObjectOwnerOverride, arn, dst.Account, keys)
		if err != nil {
			return err
		}
		if !d.Allowed {
			return Fail(ReasonDstPutObjectNotPermitted, denial(session, ActionObjectOwnerOverride, arn, d))
		}
		replica.Owner, replica.ACL = dst.Account, nil // the destination owner's FULL_CONTROL
	}
	if len(replica.Tags) > 0 {
		d, err := e.authorize(ctx, session, ActionReplicateTags, arn, dst.Account, keys)
		if err != nil {
			return err
		}
		if !d.Allowed && d.Explicit {
			replica.Tags = nil
		}
	}
	if t.DeleteMarker {
		return nil
	}
	return e.writableLock(ctx, session, t, dst, replica, false)
}

func (e *Engine) authorize(ctx context.Context, session aws.Principal, action, arn string, owner aws.AccountID, keys map[string][]string) (Decision, error) {
	d, err := e.cfg.Authorizer.Authorize(ctx, AccessRequest{Principal: session, Action: action, Resource: arn,
		ResourceAccount: owner, Context: keys})
	if err != nil {
		return Decision{}, fmt.Errorf("authorize %s on %s: %w", action, arn, err)
	}
	return d, nil
}

// writeReason is the failure reason of a refused replica write.
func writeReason(t *Task) string {
	if t.DeleteMarker {
		return ReasonDstDelObjNotPermitted
	}
	return ReasonDstPutObjectNotPermitted
}

func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// denial is the diagnostic text of a refused check, worded like AWS's
// AccessDenied message plus the Authorizer's explanation.
func denial(p aws.Principal, action, arn string, d Decision) error {
	return fmt.Errorf("User: %s is not authorized to perform: %s on resource: %s (%s)", p.ARN, action, arn, d.Explanation)
}

// isDenied reports an AWS access denial (HTTP 403).
func isDenied(err error) bool {
	e, ok := aws.As(err)
	return ok && e.Status == http.StatusForbidden
}

// isNotFound reports that a source bucket, key or version is gone.
func isNotFound(err error) bool {
	return aws.IsCode(err, "NoSuchVersion") || aws.IsCode(err, "NoSuchKey") || aws.IsCode(err, "NoSuchBucket")
}

// replicateTags copies a source version's current tags onto its replica
// (§12.5, §8.2): s3:GetObjectVersionTagging on the source
// (SrcGetTaggingNotPermitted), s3:ReplicateTags on the destination, which
// s3:ReplicateObject implies unless ReplicateTags is explicitly denied
// (DstPutTaggingNotPermitted), and the replica must still be there
// (DstVersionNotFound). The same task carries the version's ACL and, from
// an Object Lock bucket, its retention and legal hold (readableLock,
// writableLock), all checked before anything is written.
func (e *Engine) replicateTags(ctx context.Context, t *Task) error {
	session, err := e.cfg.Assumer.AssumeRole(ctx, t.Role, string(t.SourceAccount), t.SourceARN())
	if err != nil {
		if isDenied(err) {
			return Fail(ReasonAssumeRoleNotPermitted, err)
		}
		return fmt.Errorf("assume role %s: %w", t.Role, err)
	}
	src, err := e.cfg.Source.ReadReplicationVersion(ctx, t.SourceBucket, t.Key, t.VersionID)
	if err != nil {
		return srcFailure(t, err)
	}
	arn := objectARN(t.SourceBucket, t.Key)
	d, err := e.authorize(ctx, session, ActionGetObjectVersionTagging, arn, t.SourceAccount, nil)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return Fail(ReasonSrcGetTaggingNotPermitted, denial(session, ActionGetObjectVersionTagging, arn, d))
	}
	if t.ObjectLock {
		replica := *src
		if err := e.readableLock(ctx, session, t, src, &replica, true); err != nil {
			return err
		}
	}
	err = e.AcceptTags(ctx, session, t, src)
	if f, ok := asFailure(err); ok && f.Reason == ReasonDstBucketNotFound && e.cfg.Peers != nil {
		return e.cfg.Peers.ReplicateTags(ctx, session, t, src)
	}
	return err
}

// AcceptTags runs the destination's side of a tag update (§12.5) as
// session against this process's destination: s3:ReplicateTags (implied
// by s3:ReplicateObject unless explicitly denied), then the replica's tags
// and, unless the destination owner owns the replica, its ACL, from src.
// Like Accept, the worker calls it for a bucket served here and the
// replica endpoint for one sent by a peer.
func (e *Engine) AcceptTags(ctx context.Context, session aws.Principal, t *Task, src *ObjectVersion) error {
	dst, err := e.cfg.Destination.ReplicationBucket(ctx, t.Destination)
	if errors.Is(err, ErrBucketNotFound) {
		return Fail(ReasonDstBucketNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("destination bucket %s: %w", t.Destination, err)
	}
	if t.ObjectLock {
		if err := lockParity(t, dst); err != nil {
			return err
		}
		if err := e.writableLock(ctx, session, t, dst, src, true); err != nil {
			return err
		}
	}
	arn := objectARN(t.Destination, t.Key)
	tags, err := e.authorize(ctx, session, ActionReplicateTags, arn, dst.Account, nil)
	if err != nil {
		return err
	}
	if !tags.Allowed && !tags.Explicit {
		obj, err := e.authorize(ctx, session, ActionReplicateObject, arn, dst.Account, nil)
		if err != nil {
			return err
		}
		tags.Allowed = obj.Allowed
	}
	if !tags.Allowed {
		return Fail(ReasonDstPutTaggingNotPermitted, denial(session, ActionReplicateTags, arn, tags))
	}
	if err := e.cfg.Destination.PutReplicaTags(ctx, t.Destination, t.Key, t.VersionID, src.Tags); err != nil {
		if isNotFound(err) {
			return Fail(ReasonDstVersionNotFound, err)
		}
		return fmt.Errorf("tag replica %s/%s: %w", t.Destination, t.Key, err)
	}
	if as, ok := e.cfg.Destination.(ReplicaACLStore); ok && !t.OwnerOverride && !dst.OwnerEnforced {
		if err := as.PutReplicaACL(ctx, t.Destination, t.Key, t.VersionID, src.ACL); err != nil {
			if isNotFound(err) {
				return Fail(ReasonDstVersionNotFound, err)
			}
			return fmt.Errorf("ACL of replica %s/%s: %w", t.Destination, t.Key, err)
		}
	}
	return e.replicateLock(ctx, t, src)
}
