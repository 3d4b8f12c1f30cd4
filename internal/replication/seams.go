package replication

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/policy"
)

// This file names the engine's seams: one interface per concern, so that
// the real implementations (internal/authz, SSE/KMS, an HTTP destination)
// plug in without touching the hops in worker.go.

// Work is a new source version that matched the configuration, as the S3
// service hands it to the engine inside the version's commit (Engine.Enqueue).
type Work struct {
	SourceBucket  string
	SourceAccount aws.AccountID
	SourceRegion  string
	// Role is the configuration's replication role ARN.
	Role         string
	Key          string
	VersionID    string
	Seq          uint64
	DeleteMarker bool
	// TagUpdate marks a change of an already replicated version's tags,
	// ACL or Object Lock (UpdateTargets), not a new version.
	TagUpdate bool
	// ObjectLock: the source bucket has Object Lock, so the destination
	// must have it too (DstBucketObjectLockConfigMissing).
	ObjectLock bool
	Size       int64
	// ETag is the version's ETag, unquoted (for event records).
	ETag string
	// Created is the version's Last-Modified; replication latency counts from it.
	Created time.Time
	Targets []Target
	// Job and JobTask: the Batch Replication job and task that asked for
	// this replication ("" for live replication).
	Job     string
	JobTask uint64
}

// ObjectVersion is what the engine reads from a source version and writes
// as the replica: everything S3 replicates (§3.1) that Ferry stores today.
type ObjectVersion struct {
	Key, VersionID string
	DeleteMarker   bool
	LastModified   time.Time
	Owner          aws.AccountID
	// ACL is the version's access control list, nil for the default (the
	// owner's FULL_CONTROL). A replica carries its source's unless it is
	// owned by the destination owner (owner override, BucketOwnerEnforced).
	ACL  []ACLGrant
	Size int64
	// ETag is unquoted (hex MD5, or hex-N for a multipart object).
	ETag               string
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	Metadata           map[string]string
	Tags               []Tag
	StorageClass       string
	// Checksum* is the stored additional checksum, "" when none.
	ChecksumAlgorithm, ChecksumValue, ChecksumType string
	// Parts is the multipart layout (kept so ?partNumber and the ETag match).
	Parts []PartLayout
	// Encryption is the server-side encryption ("" for none, "AES256",
	// "aws:kms", "aws:kms:dsse", "SSE-C"), KMSKeyID the KMS key's ARN and
	// BucketKey whether an S3 Bucket Key is used. Read from the source;
	// for the replica, set by the Encryption seam (§3.3), "" meaning the
	// destination bucket's default encryption.
	Encryption, KMSKeyID string
	BucketKey            bool
	// Retention is the version's Object Lock retention, nil for none;
	// LegalHold its legal hold ("", "ON" or "OFF"). A replica without
	// retention gets its destination's default retention (§3.1).
	Retention *Retention
	LegalHold string
}

// Retention is an Object Lock retention: GOVERNANCE or COMPLIANCE until a date.
type Retention struct {
	Mode  string
	Until time.Time
}

// legalHoldOn is the legal hold status that protects a version.
const legalHoldOn = "ON"

// ACLGrant is one grant of an object's access control list: a grantee
// (Type CanonicalUser with ID, or Group with URI) and a permission.
type ACLGrant struct {
	Type, ID, URI, Permission string
}

// PartLayout is one part of a multipart object.
type PartLayout struct {
	Number int
	Size   int64
	ETag   string
}

// Assumer turns the configuration's role into a role session, as S3 does
// with sts:AssumeRole as the service principal s3.amazonaws.com, with
// aws:SourceAccount and aws:SourceArn in the trust-policy context (§8.5).
// A denial is an *aws.Error with HTTP status 403 (AccessDenied); anything
// else is treated as transient. world.Open wires sts.AssumeRoleAsService.
type Assumer interface {
	AssumeRole(ctx context.Context, roleARN, sourceAccount, sourceARN string) (aws.Principal, error)
}

// AccessRequest is one authorization question of a hop: may the role
// session do Action on Resource (an object ARN), owned by ResourceAccount.
type AccessRequest struct {
	Principal       aws.Principal
	Action          string
	Resource        string
	ResourceAccount aws.AccountID
	// Context holds request condition keys (for example
	// s3:x-amz-server-side-encryption on a replica write, §8.2).
	Context map[string][]string
}

// Decision is an Authorizer's answer.
type Decision struct {
	Allowed bool
	// Explicit is true when a Deny statement decided (a destination owner
	// refuses tags that way, §3.2).
	Explicit bool
	// Explanation says why, for diagnostics.
	Explanation string
}

// Authorizer decides each permission check of the hops. internal/authz
// (role policies, boundary, session policy, bucket policy, ACLs) replaces
// the interim OwnerAuthorizer behind this interface.
type Authorizer interface {
	Authorize(ctx context.Context, req AccessRequest) (Decision, error)
}

// OwnerAuthorizer is the interim Authorizer until internal/authz is wired:
// a role session may act on resources of its own account and on nothing
// else. So same-account replication completes and cross-account
// replication fails with DstPutObjectNotPermitted, as it does in AWS when
// the destination has no bucket policy (§14 scenario 23).
type OwnerAuthorizer struct{}

// Authorize implements Authorizer.
func (OwnerAuthorizer) Authorize(_ context.Context, req AccessRequest) (Decision, error) {
	if req.Principal.Account != "" && req.Principal.Account == req.ResourceAccount {
		return Decision{Allowed: true, Explanation: "interim: same account"}, nil
	}
	return Decision{Explanation: "interim: " + string(req.Principal.Account) + " does not own " + req.Resource}, nil
}

// Source is the source side of the S3 service, used with the engine's own
// authorization checks (it does not authorize).
type Source interface {
	// ReadReplicationVersion returns a source version's attributes; errors
	// are *aws.Error (NoSuchBucket, NoSuchVersion) or transient.
	ReadReplicationVersion(ctx context.Context, bucket, key, versionID string) (*ObjectVersion, error)
	// OpenReplicationData returns a reader of all of an object version's
	// bytes, decrypted with its key opened as session (KMS Decrypt as the
	// role session, §12.4 c). KMS errors come back as S3 sends them
	// (AccessDenied, KMS.DisabledException, …).
	OpenReplicationData(ctx context.Context, session aws.Principal, bucket, key, versionID string) (io.ReadCloser, error)
	// UpdateReplicationState changes the version's State with update and
	// commits it, together with extra's writes, in one batch under the
	// key's lock. It returns NoSuchVersion when the version is gone.
	UpdateReplicationState(ctx context.Context, bucket, key, versionID string, update func(*State), extra func(meta.Batch)) error
	// ReplicationState reads a version's State (nil when it has none).
	ReplicationState(ctx context.Context, bucket, key, versionID string) (*State, error)
}

// BucketInfo is what the hops need to know about a destination bucket.
type BucketInfo struct {
	Name      string
	Account   aws.AccountID
	Region    string
	Versioned bool
	// OwnerEnforced is Object Ownership BucketOwnerEnforced: the bucket's
	// owner owns every object in it, replicas included (§8.4).
	OwnerEnforced bool
	// ObjectLock: the bucket has Object Lock enabled.
	ObjectLock bool
}

// ErrBucketNotFound is returned by DestinationStore.ReplicationBucket for a
// bucket that does not exist.
var ErrBucketNotFound = errors.New("replication: destination bucket not found")

// DestinationStore is where replicas are written. The in-process implementation
// is the S3 service (both regions in this process); an HTTP implementation
// (SigV4 with the role session) is for regions served elsewhere. Both are
// authorized by the same Authorizer before WriteReplica is called.
type DestinationStore interface {
	ReplicationBucket(ctx context.Context, name string) (BucketInfo, error)
	// WriteReplica writes r, with r's version id, into bucket, encrypted as
	// r.Encryption says (KMS called as session). It is idempotent: when
	// that version already exists it returns nil and writes nothing.
	WriteReplica(ctx context.Context, session aws.Principal, bucket string, r *ObjectVersion, body io.Reader) error
	// PutReplicaTags replaces the tags of the replica with that version id;
	// NoSuchVersion when it is gone.
	PutReplicaTags(ctx context.Context, bucket, key, versionID string, tags []Tag) error
}

// Peers reaches destination buckets that other Ferry processes serve (the
// regions this process does not). The engine turns to it when its own
// DestinationStore has no such bucket. The peer runs the destination hops
// itself (Engine.Accept, Engine.AcceptTags) as the role session, whose
// credentials sign the call; both methods return nil, a *Failure with the
// peer's §6.2 reason, or a transient error (the peer unreachable or
// failing), after which the task is retried. A bucket no peer serves is a
// *Failure with ReasonDstBucketNotFound.
type Peers interface {
	Replicate(ctx context.Context, session aws.Principal, t *Task, src, replica *ObjectVersion, body io.Reader) error
	ReplicateTags(ctx context.Context, session aws.Principal, t *Task, src *ObjectVersion) error
}

// ReplicaACLStore is a DestinationStore that keeps ACLs: an update task
// (TagUpdate) also brings a replica's ACL in line with its source's, unless
// the destination owner owns the replica (owner override or
// BucketOwnerEnforced: later ACL changes are not replicated, §3.1).
type ReplicaACLStore interface {
	// PutReplicaACL replaces the ACL of the replica with that version id;
	// NoSuchVersion when it is gone.
	PutReplicaACL(ctx context.Context, bucket, key, versionID string, acl []ACLGrant) error
}

// ReplicaLockStore is a DestinationStore that keeps Object Lock: an update
// task (TagUpdate) also brings a replica's retention and legal hold in line
// with its source's (§12.5), as the replication role may, whatever the
// replica's current protection.
type ReplicaLockStore interface {
	// PutReplicaLock replaces the retention (nil: none) and legal hold of
	// the replica with that version id; NoSuchVersion when it is gone.
	PutReplicaLock(ctx context.Context, bucket, key, versionID string, r *Retention, legalHold string) error
}

// Encryption is the seam for the replica's encryption (§3.3, hops c and f
// of §12.4): it decides how the replica is encrypted and returns the
// condition keys of the replica write (s3:x-amz-server-side-encryption,
// s3:x-amz-server-side-encryption-aws-kms-key-id). A *Failure fails the
// object. The KMS calls themselves (Decrypt with the source key, a data key
// under the replica key) are made as the role session by the S3 service in
// OpenReplicationData and WriteReplica, whose errors the worker maps to
// SrcGetObjectNotPermitted, SrcKmsKeyInvalidState, DstKmsKeyNotFound,
// DstKmsKeyInvalidState and DstPutObjectNotPermitted.
type Encryption interface {
	PrepareReplica(ctx context.Context, session aws.Principal, t *Task, src, replica *ObjectVersion) (map[string][]string, error)
}

// DecideFunc answers an authorization question with the policy engine for
// a caller inside Ferry: the signature of s3.Service.Decide, which
// evaluates the role session's policies against the bucket's policy once
// internal/authz is wired. A denial may come back as an AccessDenied error
// together with the decision.
type DecideFunc func(ctx context.Context, p aws.Principal, action, resourceARN string, keys map[string][]string) (policy.Decision, error)

// PolicyAuthorizer is the Authorizer over the policy engine: each hop's
// check becomes one policy.Decision, whose explanation is kept as the
// failure's diagnostic text. Wiring it is one line in internal/world:
// Authorizer: replication.PolicyAuthorizer{Decide: w.S3.Decide}.
type PolicyAuthorizer struct{ Decide DecideFunc }

// Authorize implements Authorizer.
func (a PolicyAuthorizer) Authorize(ctx context.Context, req AccessRequest) (Decision, error) {
	d, err := a.Decide(ctx, req.Principal, req.Action, req.Resource, req.Context)
	if err != nil && (d.Allowed || !isDenied(err)) {
		return Decision{}, err
	}
	return Decision{Allowed: d.Allowed, Explicit: d.Reason == policy.ExplicitDeny, Explanation: d.Explain()}, nil
}
