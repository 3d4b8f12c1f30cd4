package doctor

import (
	"context"
	"errors"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sts"
)

// replicationService is the principal S3 replicates as.
const replicationService = "s3.amazonaws.com"

// run is one diagnosis: the viewer, the source bucket and the role, shared
// by the checks of every rule.
type run struct {
	d      *Doctor
	ctx    context.Context
	viewer aws.Principal
	src    *s3.Bucket
	// roleARN is the configuration's role; role is nil when it does not
	// exist (or roleErr says why it could not be read).
	roleARN string
	role    *iam.Role
	roleErr error
	// session is the role session S3 would act as; trustKeys the condition
	// keys of its AssumeRole.
	session   aws.Principal
	trustKeys map[string][]string
	visible   map[string]bool
}

func (d *Doctor) newRun(ctx context.Context, viewer aws.Principal, src *s3.Bucket, roleARN string) *run {
	r := &run{d: d, ctx: ctx, viewer: viewer, src: src, roleARN: roleARN, visible: map[string]bool{}}
	r.role, r.roleErr = d.IAM.RoleByARN(roleARN)
	if r.role != nil {
		r.roleErr = nil
		r.session, r.trustKeys = sts.ServiceSession(replicationService, r.role, string(src.Account), src.ARN())
	}
	return r
}

// target is what the checks of one rule (or one object version) are about.
type target struct {
	rule *replication.Rule
	// dstName is the destination bucket's name; dst is nil when it does
	// not exist.
	dstName string
	dst     *s3.Bucket
	// remote describes a destination another process serves (Peers), when
	// dst is nil; remoteErr says why the peers could not be asked.
	remote    *replication.BucketInfo
	remoteErr error
	// key is the object key checked: a real key for Explain, or the rule's
	// prefix followed by "*" for the pre-flight, which policies match as
	// "every key under the prefix".
	key string
	// srcKMS is the source KMS key reference ("" when the objects are not
	// SSE-KMS); kmsOptIn whether the rule replicates SSE-KMS objects.
	srcKMS   string
	kmsOptIn bool
	// bucketKey is whether the source objects use an S3 Bucket Key, which
	// their SSE-KMS replicas keep (§5.1).
	bucketKey bool
	// tags, deleteMarker and object describe the version (Explain); the
	// pre-flight checks objects with tags and, when the rule replicates
	// them, delete markers.
	tags         bool
	deleteMarker bool
	object       bool
	// retention and legalHold: the version explained has a retention, a
	// legal hold ON (Explain only; see lockTarget).
	retention, legalHold bool
}

func (t *target) dstAccount() aws.AccountID {
	if t.dst == nil {
		return ""
	}
	return t.dst.Account
}

func (t *target) dstRegion() string {
	if t.dst == nil {
		return ""
	}
	return t.dst.Region
}

// ruleTarget is the pre-flight target of a rule: any key under its prefix,
// objects encrypted as the source bucket encrypts by default.
func (r *run) ruleTarget(rule *replication.Rule) *target {
	t := &target{rule: rule, dstName: rule.DestinationBucket(), key: rule.KeyPrefix() + "*", tags: true,
		kmsOptIn: rule.ReplicatesKMS()}
	if enc := r.src.DefaultEncryption(); enc.Algorithm == "aws:kms" || enc.Algorithm == "aws:kms:dsse" {
		t.srcKMS, t.bucketKey = enc.KMSKeyID, enc.BucketKey
		if t.srcKMS == "" {
			t.srcKMS = "alias/aws/s3"
		}
	}
	t.dst, _ = r.d.S3.Bucket(t.dstName)
	r.findRemote(t)
	return t
}

// sees reports whether the viewer may read a document of account: the
// operator reads everything; an account's principal reads its own
// account's documents its policies let it read (action on resource), and
// no other account's.
func (r *run) sees(account aws.AccountID, action, resource string) bool {
	if r.viewer.Type == aws.PrincipalAdmin {
		return true
	}
	if account != r.viewer.Account {
		return false
	}
	id := action + " " + resource
	if v, ok := r.visible[id]; ok {
		return v
	}
	d, err := r.d.Authz.Evaluate(r.ctx, authz.Request{Principal: r.viewer, Action: action, Resource: resource, ResourceAccount: account})
	r.visible[id] = err == nil && d.Allowed
	return r.visible[id]
}

// seesRole reports whether the viewer may read the role's policies.
func (r *run) seesRole() bool {
	return r.sees(roleAccount(r.roleARN), "iam:GetRole", r.roleARN)
}

func roleAccount(arn string) aws.AccountID {
	account, _ := replication.RoleAccount(arn)
	return aws.AccountID(account)
}

// findRemote looks a destination this process does not serve up at the
// peers.
func (r *run) findRemote(t *target) {
	if t.dst != nil || r.d.Peers == nil {
		return
	}
	info, err := r.d.Peers.ReplicationBucket(r.ctx, t.dstName)
	switch {
	case errors.Is(err, replication.ErrBucketNotFound):
	case err != nil:
		t.remoteErr = err
	default:
		t.remote = &info
	}
}
