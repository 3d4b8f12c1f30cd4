package replication

import (
	"errors"
	"fmt"
)

// Failure reasons (spec §6.2) the engine and its seams produce. The names
// are AWS's failureReason values, word for word.
const (
	ReasonAssumeRoleNotPermitted    = "AssumeRoleNotPermitted"
	ReasonSrcGetObjectNotPermitted  = "SrcGetObjectNotPermitted"
	ReasonSrcVersionNotFound        = "SrcVersionNotFound"
	ReasonSrcGetAclNotPermitted     = "SrcGetAclNotPermitted"
	ReasonSrcKmsKeyInvalidState     = "SrcKmsKeyInvalidState"
	ReasonSrcGetTaggingNotPermitted = "SrcGetTaggingNotPermitted"
	ReasonDstBucketNotFound         = "DstBucketNotFound"
	ReasonDstBucketUnversioned      = "DstBucketUnversioned"
	ReasonDstPutObjectNotPermitted  = "DstPutObjectNotPermitted"
	ReasonDstDelObjNotPermitted     = "DstDelObjNotPermitted"
	ReasonDstKmsKeyNotFound         = "DstKmsKeyNotFound"
	ReasonDstKmsKeyInvalidState     = "DstKmsKeyInvalidState"
	ReasonDstPutTaggingNotPermitted = "DstPutTaggingNotPermitted"
	ReasonDstVersionNotFound        = "DstVersionNotFound"

	ReasonDstBucketObjectLockConfigMissing = "DstBucketObjectLockConfigMissing"
	ReasonSrcGetRetentionNotPermitted      = "SrcGetRetentionNotPermitted"
	ReasonSrcGetLegalHoldNotPermitted      = "SrcGetLegalHoldNotPermitted"
	ReasonDstPutRetentionNotPermitted      = "DstPutRetentionNotPermitted"
	ReasonDstPutLegalHoldNotPermitted      = "DstPutLegalHoldNotPermitted"
)

// Failure is a permanent failure of one replication: the destination ends
// FAILED with Reason, and Err is kept as the diagnostic text. Any other
// error from a hop is transient: the task is retried with backoff and the
// destination stays PENDING.
type Failure struct {
	Reason string
	Err    error
}

// Fail returns a permanent failure with a §6.2 reason.
func Fail(reason string, err error) *Failure { return &Failure{Reason: reason, Err: err} }

// Error is the reason followed by the diagnostic text.
func (f *Failure) Error() string { return fmt.Sprintf("%s: %v", f.Reason, f.Err) }

// Unwrap returns the underlying error.
func (f *Failure) Unwrap() error { return f.Err }

// asFailure reports whether err is a permanent failure.
func asFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}
