package doctor

import (
	"fmt"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/policy"
)

// checks asks every hop's questions for one target, in the engine's order
// (spec §12.4). Without the role nothing after assume-role can be asked;
// otherwise every hop is checked, so that one run shows every problem.
func (r *run) checks(t *target) []Check {
	out := r.hops(t)
	for i := range out {
		if out[i].Status != Fail {
			out[i].Reason = "" // a reason is what a failing check costs objects
		}
	}
	return out
}

func (r *run) hops(t *target) []Check {
	out := []Check{r.checkSourceVersioning(), r.checkAssumeRole()}
	if r.role == nil {
		return out
	}
	out = append(out, r.checkSourceRead(t)...)
	out = append(out, r.checkSourceKey(t)...)
	out = append(out, r.checkDestination(t))
	if t.dst == nil {
		return out
	}
	out = append(out, r.checkLockParity(t))
	out = append(out, r.checkWrite(t)...)
	return append(out, r.checkReplicaKey(t)...)
}

func (r *run) checkSourceVersioning() Check {
	c := Check{Hop: HopSource, Title: "versioning is enabled on source bucket " + r.src.Name, Status: OK}
	if !r.src.Versioned() {
		c.Status, c.Detail = Fail, "replication needs versioning on the source bucket; it is "+orNever(r.src.Versioning)
		c.Fixes = []Fix{{Account: r.src.Account, Document: "versioning of bucket " + r.src.Name,
			Action: "aws s3api put-bucket-versioning --bucket " + r.src.Name + " --versioning-configuration Status=Enabled"}}
	}
	return c
}

// trustStatement is the statement a replication role's trust policy needs.
const trustStatement = `{
  "Effect": "Allow",
  "Principal": {
    "Service": "s3.amazonaws.com"
  },
  "Action": "sts:AssumeRole"
}`

func (r *run) checkAssumeRole() Check {
	c := Check{Hop: HopAssumeRole, Title: "S3 can assume role " + r.roleARN, Reason: replication.ReasonAssumeRoleNotPermitted}
	account := roleAccount(r.roleARN)
	if r.role == nil {
		c.Status = Fail
		if r.roleErr != nil && !isNoSuchEntity(r.roleErr) {
			c.Status = Unknown
		}
		c.Detail = "role " + r.roleARN + " does not exist"
		c.Fixes = []Fix{{Account: account, Document: "IAM role " + r.roleARN,
			Action: "create the role with a trust policy that lets s3.amazonaws.com assume it", Statement: trustStatement}}
		return c
	}
	c.Title = "role " + r.role.Name + " trusts s3.amazonaws.com (sts:AssumeRole)"
	d, err := r.d.Authz.EvaluateTrust(r.ctx, sts.ServiceCaller(replicationService), r.role, "sts:AssumeRole", r.trustKeys)
	r.judge(&c, d, err, view{identity: true, resource: r.seesRole(), what: "the trust policy of role " + r.role.Name})
	return c
}

func (r *run) checkSourceRead(t *target) []Check {
	if t.deleteMarker {
		return nil // a delete marker has no data to read (§12.4 b)
	}
	arn := objectARN(r.src.Name, t.key)
	v := view{identity: r.seesRole(), resource: r.sees(r.src.Account, "s3:GetBucketPolicy", r.src.ARN()),
		what: "the policies of role " + r.roleName() + " and the bucket policy of " + r.src.Name, scope: t.scope(r.src.Name)}
	read := r.s3Check(HopSourceRead, replication.ActionGetObjectVersionForReplication, arn, nil, v).Check
	read.Reason = replication.ReasonSrcGetObjectNotPermitted
	acl := r.s3Check(HopSourceRead, replication.ActionGetObjectVersionAcl, arn, nil, v).Check
	acl.Reason = replication.ReasonSrcGetAclNotPermitted
	out := []Check{read, acl}
	if t.tags {
		tags := r.s3Check(HopSourceRead, replication.ActionGetObjectVersionTagging, arn, nil, v).Check
		downgrade(&tags, "replicas are written without their tags")
		out = append(out, tags)
	}
	return append(out, r.checkLockRead(t, arn, v)...)
}

func (r *run) checkSourceKey(t *target) []Check {
	if t.srcKMS == "" || t.deleteMarker {
		return nil
	}
	if !t.kmsOptIn {
		return []Check{{Hop: HopSourceKey, Status: Warn,
			Title: "rule " + t.rule.ID + " replicates SSE-KMS objects",
			Detail: "bucket " + r.src.Name + " encrypts new objects with SSE-KMS by default, and rule " + t.rule.ID +
				" does not opt in to SSE-KMS objects: they get no replication status and are never replicated",
			Fixes: []Fix{{Account: r.src.Account, Document: "replication configuration of " + r.src.Name,
				Action: "set SourceSelectionCriteria.SseKmsEncryptedObjects.Status to Enabled and Destination.EncryptionConfiguration.ReplicaKmsKeyID to a key in the destination's region"}}}}
	}
	c := Check{Hop: HopSourceKey, Title: "role can decrypt with source key " + t.srcKMS + " through S3",
		Reason: replication.ReasonSrcGetObjectNotPermitted}
	key, ok := r.key(&c, r.src.Account, r.src.Region, t.srcKMS, replication.ReasonSrcKmsKeyInvalidState, replication.ReasonSrcKmsKeyInvalidState)
	if !ok {
		return []Check{c}
	}
	c.Title = "role can decrypt with source key " + key.ARN + " through S3"
	d, err := r.d.Authz.EvaluateKMS(kms.WithFacts(r.ctx, r.d.KMS.FactsFor(key)), r.session, kms.ActionDecrypt, key, "s3."+r.src.Region+".amazonaws.com")
	r.judge(&c, d, err, r.keyView(key))
	return []Check{c}
}

func (r *run) checkDestination(t *target) Check {
	c := Check{Hop: HopDestination, Title: "destination bucket " + t.dstName + " exists and is versioned"}
	if t.dst == nil && (t.remote != nil || t.remoteErr != nil) {
		return remoteDestination(t, c)
	}
	if t.dst == nil {
		c.Status, c.Reason, c.Detail = Fail, replication.ReasonDstBucketNotFound, "bucket "+t.dstName+" does not exist"
		c.Fixes = []Fix{{Document: "bucket " + t.dstName, Action: "create bucket " + t.dstName + " and enable versioning on it"}}
		return c
	}
	c.Title = fmt.Sprintf("destination bucket %s (account %s, %s) is versioned", t.dst.Name, t.dst.Account, t.dst.Region)
	switch {
	case !r.sees(t.dst.Account, "s3:GetBucketVersioning", t.dst.ARN()):
		c.Status, c.Detail = Unknown, cannotSee("the versioning of bucket "+t.dst.Name, t.dst.Account)
	case !t.dst.Versioned():
		c.Status, c.Reason = Fail, replication.ReasonDstBucketUnversioned
		c.Detail = "versioning is " + orNever(t.dst.Versioning) + " on bucket " + t.dst.Name
		c.Fixes = []Fix{{Account: t.dst.Account, Document: "versioning of bucket " + t.dst.Name,
			Action: "aws s3api put-bucket-versioning --bucket " + t.dst.Name + " --versioning-configuration Status=Enabled"}}
	default:
		c.Status = OK
	}
	return c
}

// remoteDestination is the destination check of a bucket another process
// serves: its versioning is known here, its bucket policy and replica key
// are checked by that process when objects replicate.
func remoteDestination(t *target, c Check) Check {
	if t.remoteErr != nil {
		c.Status, c.Detail = Unknown, "the processes serving other regions cannot be asked: "+t.remoteErr.Error()
		return c
	}
	b := t.remote
	c.Title = fmt.Sprintf("destination bucket %s (account %s, %s, served by another Ferry process) is versioned", b.Name, b.Account, b.Region)
	if !b.Versioned {
		c.Status, c.Reason = Fail, replication.ReasonDstBucketUnversioned
		c.Detail = "versioning is not enabled on bucket " + b.Name
		return c
	}
	c.Status = Warn
	c.Detail = "the write permissions (bucket policy) and the replica key are checked by the process serving " +
		b.Region + " when objects replicate; run ferry doctor there for its side"
	return c
}

// checkWrite checks the replica write as the role: s3:ReplicateObject (or
// s3:ReplicateDelete), the owner override, and s3:ReplicateTags, with the
// encryption condition keys the replica write carries (§8.2).
func (r *run) checkWrite(t *target) []Check {
	arn := objectARN(t.dst.Name, t.key)
	v := view{identity: r.seesRole(), resource: r.sees(t.dst.Account, "s3:GetBucketPolicy", t.dst.ARN()),
		what: "the policies of role " + r.roleName() + " and the bucket policy of " + t.dst.Name, scope: t.scope(t.dst.Name)}
	keys := r.replicaKeys(t)
	var out []Check
	if !t.deleteMarker {
		c := r.s3Check(HopWrite, replication.ActionReplicateObject, arn, keys, v).Check
		c.Reason = replication.ReasonDstPutObjectNotPermitted
		out = append(out, c)
	}
	if t.deleteMarker || (!t.object && t.rule.ReplicatesDeleteMarkers()) {
		c := r.s3Check(HopWrite, replication.ActionReplicateDelete, arn, nil, v).Check
		c.Reason = replication.ReasonDstDelObjNotPermitted
		out = append(out, c)
	}
	if t.deleteMarker {
		return out
	}
	out = append(out, r.checkLockWrite(t, arn, v)...)
	out = append(out, r.checkOwnership(t, arn, keys, v))
	if t.tags {
		c := r.s3Check(HopTags, replication.ActionReplicateTags, arn, keys, v)
		if c.Status == Fail && !c.explicit {
			// s3:ReplicateObject carries the tags unless ReplicateTags is
			// explicitly denied (§8.2).
			c.Status, c.Detail, c.Fixes = OK, "not granted, but s3:ReplicateObject carries the tags when s3:ReplicateTags is not explicitly denied", nil
		}
		downgrade(&c.Check, "replicas are written without their tags")
		out = append(out, c.Check)
	}
	return out
}

// checkOwnership checks who will own the replicas (§8.4): a destination
// with Object Ownership BucketOwnerEnforced owns them whatever the rule
// says; otherwise the owner override needs s3:ObjectOwnerOverrideToBucketOwner,
// and without an override the replicas of a cross-account rule stay the
// source account's, which the destination's owner then cannot govern.
func (r *run) checkOwnership(t *target, arn string, keys map[string][]string, v view) Check {
	override := t.rule.Destination.OwnerOverride()
	switch {
	case t.dst.OwnerEnforced():
		return Check{Hop: HopOwner, Status: OK, Title: fmt.Sprintf("replicas are owned by %s's owner, account %s (Object Ownership BucketOwnerEnforced)", t.dst.Name, t.dst.Account)}
	case override:
		c := r.s3Check(HopOwner, replication.ActionObjectOwnerOverride, arn, keys, v).Check
		c.Reason = replication.ReasonDstPutObjectNotPermitted
		return c
	case t.dst.Account != r.src.Account:
		return Check{Hop: HopOwner, Status: Warn,
			Title: fmt.Sprintf("replicas in %s are owned by account %s", t.dst.Name, t.dst.Account),
			Detail: fmt.Sprintf("replicas keep the source objects' owner (account %s), and %s's Object Ownership is %s: account %s will not own them",
				r.src.Account, t.dst.Name, t.dst.ObjectOwnership, t.dst.Account),
			Fixes: []Fix{
				{Account: r.src.Account, Document: "replication configuration of " + r.src.Name,
					Action: "set Destination.AccessControlTranslation.Owner to Destination (and Destination.Account to " + string(t.dst.Account) + ")"},
				{Account: t.dst.Account, Document: "Object Ownership of bucket " + t.dst.Name,
					Action: "aws s3api put-bucket-ownership-controls --bucket " + t.dst.Name + " --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}]"}}}
	}
	return Check{Hop: HopOwner, Status: OK, Title: fmt.Sprintf("replicas are owned by account %s, which owns both buckets", t.dst.Account)}
}

// replicaKeys are the condition keys of the replica write (§8.2), as the
// engine's encryption matrix sets them.
func (r *run) replicaKeys(t *target) map[string][]string {
	switch {
	case t.srcKMS != "" && t.kmsOptIn:
		keys := map[string][]string{replication.KeyServerSideEncryption: {"aws:kms"}}
		if id := t.rule.Destination.ReplicaKmsKeyID(); id != "" {
			keys[replication.KeyKMSKeyID] = []string{id}
		}
		return keys
	case t.srcKMS == "":
		return map[string][]string{replication.KeyServerSideEncryption: {"AES256"}}
	}
	return nil
}

func (r *run) checkReplicaKey(t *target) []Check {
	if t.srcKMS == "" || !t.kmsOptIn || t.deleteMarker {
		return nil
	}
	c := Check{Hop: HopReplicaKey, Title: "role can encrypt with the replica key through S3 in " + t.dst.Region,
		Reason: replication.ReasonDstPutObjectNotPermitted}
	ref := t.rule.Destination.ReplicaKmsKeyID()
	if ref == "" {
		c.Status, c.Reason, c.Detail = Fail, replication.ReasonDstKmsKeyNotFound, "rule "+t.rule.ID+" names no ReplicaKmsKeyID for SSE-KMS objects"
		c.Fixes = []Fix{{Account: r.src.Account, Document: "replication configuration of " + r.src.Name,
			Action: "set Destination.EncryptionConfiguration.ReplicaKmsKeyID to a KMS key in " + t.dst.Region}}
		return []Check{c}
	}
	if region := arnRegion(ref); region != "" && region != t.dst.Region {
		c.Status, c.Reason = Fail, replication.ReasonDstKmsKeyNotFound
		c.Detail = fmt.Sprintf("replica key %s is in %s, but destination bucket %s is in %s: KMS keys are used only in their own region", ref, region, t.dst.Name, t.dst.Region)
		c.Fixes = []Fix{{Account: t.dst.Account, Document: "replication configuration of " + r.src.Name,
			Action: "create a KMS key in " + t.dst.Region + " and name it as ReplicaKmsKeyID"}}
		return []Check{c}
	}
	key, ok := r.key(&c, t.dst.Account, t.dst.Region, ref, replication.ReasonDstKmsKeyNotFound, replication.ReasonDstKmsKeyInvalidState)
	if !ok {
		return []Check{c}
	}
	c.Title = "role can encrypt with replica key " + key.ARN + " through S3"
	via := "s3." + t.dst.Region + ".amazonaws.com"
	ctx := kms.WithFacts(r.ctx, r.d.KMS.FactsFor(key)) // grants count too
	d, err := r.d.Authz.EvaluateKMS(ctx, r.session, kms.ActionEncrypt, key, via)
	if err == nil && !d.Allowed {
		// A data key allowed by kms:GenerateDataKey serves as well.
		if alt, altErr := r.d.Authz.EvaluateKMS(ctx, r.session, kms.ActionGenerateDataKey, key, via); altErr == nil && alt.Allowed {
			d = alt
		}
	}
	r.judge(&c, d, err, r.keyView(key))
	out := []Check{c}
	if t.bucketKey {
		// The replica keeps the source's Bucket Key, and S3 verifies a
		// Bucket Key with kms:Decrypt on the replica key (§5.2).
		bk := Check{Hop: HopReplicaKey, Title: "role can decrypt with replica key " + key.ARN + " through S3 (to verify the replica's S3 Bucket Key)",
			Reason: replication.ReasonDstPutObjectNotPermitted}
		d, err := r.d.Authz.EvaluateKMS(ctx, r.session, kms.ActionDecrypt, key, via)
		r.judge(&bk, d, err, r.keyView(key))
		out = append(out, bk)
	}
	return out
}

// key finds a KMS key and checks it can be used: missing → notFound,
// not Enabled → badState. It reports false when c is settled.
func (r *run) key(c *Check, account aws.AccountID, region, ref, notFound, badState string) (*kms.Key, bool) {
	key, err := r.d.KMS.Find(account, region, ref)
	if err != nil {
		c.Status, c.Reason, c.Detail = Fail, notFound, "KMS: "+err.Error()
		if !aws.IsCode(err, "NotFoundException") {
			c.Status = Unknown
		}
		c.Fixes = []Fix{{Account: account, Document: "KMS key " + ref, Action: "create the key in " + region + " or name an existing one"}}
		return nil, false
	}
	if !r.sees(key.Account, "kms:DescribeKey", key.ARN) {
		c.Status, c.Detail = Unknown, cannotSee("KMS key "+key.ARN, key.Account)
		return nil, false
	}
	if key.State != kms.StateEnabled {
		c.Status, c.Reason = Fail, badState
		c.Detail = fmt.Sprintf("KMS key %s is %s", key.ARN, key.State)
		action := "aws kms enable-key --region " + key.Region + " --key-id " + key.ARN
		if key.State == kms.StatePendingDeletion {
			action = "aws kms cancel-key-deletion --region " + key.Region + " --key-id " + key.ARN + ", then enable it"
		}
		c.Fixes = []Fix{{Account: key.Account, Document: "KMS key " + key.ARN, Action: action}}
		return nil, false
	}
	return key, true
}

func (r *run) keyView(key *kms.Key) view {
	return view{identity: r.seesRole(), resource: r.sees(key.Account, "kms:GetKeyPolicy", key.ARN),
		what: "the policies of role " + r.roleName() + " and the key policy of " + key.ARN}
}

// s3Decided is a check decided by an S3 authorization.
type s3Decided struct {
	Check
	explicit bool
}

// s3Check asks S3's authorization of action on arn as the role session.
func (r *run) s3Check(hop, action, arn string, keys map[string][]string, v view) s3Decided {
	c := Check{Hop: hop, Title: "role may " + action + " on " + arn}
	d, err := r.d.S3.Evaluate(r.ctx, r.session, action, arn, keys)
	if aws.IsCode(err, "NoSuchBucket") {
		c.Status, c.Detail = Fail, err.Error()
		return s3Decided{Check: c}
	}
	r.judge(&c, d, err, v)
	return s3Decided{Check: c, explicit: d.Reason == policy.ExplicitDeny}
}

// downgrade turns a failed check whose consequence is lost metadata, not a
// failed object, into a warning.
func downgrade(c *Check, consequence string) {
	if c.Status == Fail {
		c.Status, c.Reason = Warn, ""
		c.Detail = consequence + ".\n" + c.Detail
	}
}

func (r *run) roleName() string {
	if r.role != nil {
		return r.role.Name
	}
	return r.roleARN
}

// scope is the object ARN pattern a fix statement grants on in bucket:
// every key the rule replicates, not only the version explained.
func (t *target) scope(bucket string) string { return objectARN(bucket, t.rule.KeyPrefix()+"*") }

func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// arnRegion is the region of an ARN, "" when ref is not an ARN.
func arnRegion(ref string) string {
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

func orNever(versioning string) string {
	if versioning == "" {
		return "not enabled"
	}
	return versioning
}

func cannotSee(what string, account aws.AccountID) string {
	return "cannot see " + what + " (account " + string(account) + "): run as that account or as the operator"
}
