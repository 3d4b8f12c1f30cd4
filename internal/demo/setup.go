package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// statement is one IAM policy statement.
type statement map[string]any

// policy renders statements as a policy document.
func policy(stmts ...statement) string {
	raw, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	return string(raw)
}

// setUp builds the walkthrough's set-up, with the break if one is asked for.
func (d *demo) setUp(ctx context.Context) error {
	steps := []func(context.Context) error{
		d.identities, d.createRole, d.destination, d.replicaKey, d.destinationEncryption,
		d.bucketPolicy, d.source, d.rolePolicy, d.replication, d.afterSetUp,
	}
	for _, s := range steps {
		if err := s(ctx); err != nil {
			return err
		}
	}
	return nil
}

// identities finds both accounts' ids with sts:GetCallerIdentity.
func (d *demo) identities(ctx context.Context) error {
	d.printf("Accounts\n")
	who := func(c *sts.Client, into *string) func() (string, error) {
		return func() (string, error) {
			out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return "", err
			}
			*into = aws.ToString(out.Account)
			return aws.ToString(out.Arn), nil
		}
	}
	if err := d.step("A (profile ferry-a, owns the source)", who(d.stsA, &d.acctA)); err != nil {
		return err
	}
	if err := d.step("B (profile ferry-b, owns the destination)", who(d.stsB, &d.acctB)); err != nil {
		return err
	}
	if d.acctA == d.acctB {
		return fmt.Errorf("accounts A and B are the same account (%s)", d.acctA)
	}
	d.roleARN = "arn:aws:iam::" + d.acctA + ":role/" + d.role
	return nil
}

// createRole creates A's replication role with its trust policy (the key
// and bucket policies of B name it, so it exists first).
func (d *demo) createRole(ctx context.Context) error {
	d.printf("Replication role (A)\n")
	service := "s3.amazonaws.com"
	if d.o.has(BreakUntrustedRole) {
		service = "ec2.amazonaws.com"
	}
	trust := policy(statement{"Effect": "Allow", "Principal": map[string]string{"Service": service}, "Action": "sts:AssumeRole"})
	return d.step("create role trusted by "+service, func() (string, error) {
		out, err := d.iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(d.role), AssumeRolePolicyDocument: aws.String(trust),
			Description: aws.String("S3 replication from " + d.src + " to " + d.dst)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Role.Arn), nil
	})
}

// destination creates B's versioned destination bucket.
func (d *demo) destination(ctx context.Context) error {
	d.printf("Destination (B, %s)\n", d.o.DestinationRegion)
	// A BucketOwnerEnforced destination (the default) owns its replicas
	// without the override's permission, so that mistake needs ObjectWriter.
	ownership, label := types.ObjectOwnership(""), "create bucket"
	if d.o.has(BreakOwnerOverrideDenied) {
		ownership, label = types.ObjectOwnershipObjectWriter, "create bucket (Object Ownership ObjectWriter)"
	}
	if err := d.step(label, func() (string, error) {
		return createBucket(ctx, d.s3B, d.dst, d.o.DestinationRegion, ownership)
	}); err != nil {
		return err
	}
	return d.step("enable versioning", func() (string, error) { return "", versioning(ctx, d.s3B, d.dst, types.BucketVersioningStatusEnabled) })
}

// replicaKey creates Kd, B's key in the destination region, whose policy
// lets A's role encrypt with it; with replica-key-wrong-region, also a
// key of B's in another region that the rule will name.
func (d *demo) replicaKey(ctx context.Context) error {
	if err := d.step("create replica key Kd", func() (arn string, err error) {
		d.kd, err = createKey(ctx, d.kmsB, d.kdPolicy(), "replica key for "+d.dst)
		return d.kd, err
	}); err != nil {
		return err
	}
	d.replicaKeyID = d.kd
	if !d.o.has(BreakReplicaKeyWrongRegion) {
		return nil
	}
	return d.step("create a key of B's in "+d.o.otherRegion()+" for the rule", func() (arn string, err error) {
		d.replicaKeyID, err = createKey(ctx, d.kmsBOther, d.kdPolicy(), "replica key in the wrong region")
		return d.replicaKeyID, err
	})
}

// kdPolicy is the replica key's policy: the default root statement, and A's
// role allowed to encrypt (unless missing-key-policy).
func (d *demo) kdPolicy() string {
	stmts := []statement{{"Sid": "Enable IAM policies", "Effect": "Allow",
		"Principal": map[string]string{"AWS": "arn:aws:iam::" + d.acctB + ":root"}, "Action": "kms:*", "Resource": "*"}}
	if !d.o.has(BreakMissingKeyPolicy) {
		stmts = append(stmts, statement{"Sid": "Let the source account's replication role encrypt replicas", "Effect": "Allow",
			"Principal": map[string]string{"AWS": d.roleARN}, "Action": d.replicaKeyActions(), "Resource": "*"})
	}
	return policy(stmts...)
}

// destinationEncryption sets dst's default encryption to SSE-KMS with Kd
// and a Bucket Key.
func (d *demo) destinationEncryption(ctx context.Context) error {
	return d.step("default encryption SSE-KMS with Kd, Bucket Key on", func() (string, error) {
		return "", defaultEncryption(ctx, d.s3B, d.dst, d.kd, true)
	})
}

// bucketPolicy puts B's destination bucket policy granting A's role the
// replicate actions.
func (d *demo) bucketPolicy(ctx context.Context) error {
	title := "bucket policy granting A's role the replicate actions"
	if d.o.has(BreakMissingBucketPolicy) {
		d.skip(title)
		return nil
	}
	objectActions := []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}
	if !d.o.has(BreakOwnerOverrideDenied) {
		objectActions = append(objectActions, "s3:ObjectOwnerOverrideToBucketOwner")
	}
	role := map[string]string{"AWS": d.roleARN}
	stmts := []statement{
		{"Sid": "ReplicateFromA", "Effect": "Allow", "Principal": role, "Action": objectActions, "Resource": "arn:aws:s3:::" + d.dst + "/*"},
		{"Sid": "ListAndVersioning", "Effect": "Allow", "Principal": role, "Action": []string{"s3:List*", "s3:GetBucketVersioning"},
			"Resource": "arn:aws:s3:::" + d.dst},
	}
	if d.o.has(BreakTagsDenied) {
		title = "bucket policy granting A's role the replicate actions, denying s3:ReplicateTags"
		stmts = append(stmts, statement{"Sid": "NoTags", "Effect": "Deny", "Principal": role, "Action": "s3:ReplicateTags",
			"Resource": "arn:aws:s3:::" + d.dst + "/*"})
	}
	return d.step(title, func() (string, error) {
		_, err := d.s3B.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(d.dst), Policy: aws.String(policy(stmts...))})
		return "", err
	})
}

// source creates A's key Ks and the versioned, SSE-KMS source bucket.
func (d *demo) source(ctx context.Context) error {
	d.printf("Source (A, %s)\n", d.o.SourceRegion)
	if err := d.step("create source key Ks", func() (arn string, err error) {
		d.ks, err = createKey(ctx, d.kmsA, "", "source key for "+d.src)
		return d.ks, err
	}); err != nil {
		return err
	}
	if d.o.has(BreakDestinationWithoutLock) {
		if err := d.step("create bucket with Object Lock", func() (string, error) {
			return createLockBucket(ctx, d.s3A, d.src, d.o.SourceRegion)
		}); err != nil {
			return err
		}
	} else if err := d.step("create bucket", func() (string, error) { return createBucket(ctx, d.s3A, d.src, d.o.SourceRegion, "") }); err != nil {
		return err
	}
	if err := d.step("enable versioning", func() (string, error) { return "", versioning(ctx, d.s3A, d.src, types.BucketVersioningStatusEnabled) }); err != nil {
		return err
	}
	return d.step("default encryption SSE-KMS with Ks, Bucket Key on", func() (string, error) {
		return "", defaultEncryption(ctx, d.s3A, d.src, d.ks, true)
	})
}

// replicaKeyActions are what A's role needs on the replica key: a data key
// (kms:Encrypt or kms:GenerateDataKey) and, since the replicas keep the
// source's S3 Bucket Key, kms:Decrypt, with which S3 verifies it (§5.2).
func (d *demo) replicaKeyActions() []string {
	if d.o.has(BreakMissingReplicaKeyDecrypt) {
		return []string{"kms:Encrypt", "kms:GenerateDataKey"}
	}
	return []string{"kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"}
}

// rolePolicy puts the role's permissions policy of scenario.md step 2.
func (d *demo) rolePolicy(ctx context.Context) error {
	srcRead := []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"}
	if d.o.has(BreakMissingSourceRead) {
		srcRead = srcRead[1:]
	}
	dstWrite := []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"}
	if d.o.has(BreakMissingReplicateObject) {
		dstWrite = dstWrite[1:]
	}
	stmts := []statement{
		{"Effect": "Allow", "Action": []string{"s3:ListBucket", "s3:GetReplicationConfiguration"}, "Resource": "arn:aws:s3:::" + d.src},
		{"Effect": "Allow", "Action": srcRead, "Resource": "arn:aws:s3:::" + d.src + "/*"},
		{"Effect": "Allow", "Action": dstWrite, "Resource": "arn:aws:s3:::" + d.dst + "/*"},
	}
	if !d.o.has(BreakMissingSourceKeyDecrypt) {
		stmts = append(stmts, statement{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": d.ks,
			"Condition": map[string]any{"StringLike": map[string]string{"kms:ViaService": "s3." + d.o.SourceRegion + ".amazonaws.com"}}})
	}
	stmts = append(stmts, statement{"Effect": "Allow", "Action": d.replicaKeyActions(),
		"Resource":  uniq(d.kd, d.replicaKeyID),
		"Condition": map[string]any{"StringLike": map[string]string{"kms:ViaService": "s3.*.amazonaws.com"}}})
	title := "permissions policy (scenario step 2)"
	switch {
	case d.o.has(BreakMissingSourceRead):
		title += ", without s3:GetObjectVersionForReplication"
	case d.o.has(BreakMissingReplicateObject):
		title += ", without s3:ReplicateObject"
	case d.o.has(BreakMissingSourceKeyDecrypt):
		title += ", without kms:Decrypt on Ks"
	case d.o.has(BreakMissingReplicaKeyDecrypt):
		title += ", without kms:Decrypt on Kd"
	}
	return d.step(title, func() (string, error) {
		_, err := d.iamA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(d.role),
			PolicyName: aws.String("replication"), PolicyDocument: aws.String(policy(stmts...))})
		return "", err
	})
}

// replication puts A's replication rule on src.
func (d *demo) replication(ctx context.Context) error {
	d.printf("Replication rule (A, on %s)\n", d.src)
	rule := types.ReplicationRule{
		ID: aws.String("to-" + d.dst), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
		Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("")},
		DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusEnabled},
		SourceSelectionCriteria: &types.SourceSelectionCriteria{SseKmsEncryptedObjects: &types.SseKmsEncryptedObjects{
			Status: types.SseKmsEncryptedObjectsStatusEnabled}},
		Destination: &types.Destination{Bucket: aws.String("arn:aws:s3:::" + d.dst), Account: aws.String(d.acctB),
			EncryptionConfiguration:  &types.EncryptionConfiguration{ReplicaKmsKeyID: aws.String(d.replicaKeyID)},
			AccessControlTranslation: &types.AccessControlTranslation{Owner: types.OwnerOverrideDestination}},
	}
	return d.step("rule to "+d.dst+", replica key "+d.replicaKeyID+", owner override on", func() (string, error) {
		_, err := d.s3A.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(d.src),
			ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(d.roleARN), Rules: []types.ReplicationRule{rule}}})
		return "", err
	})
}

// afterSetUp applies the breaks that change a working set-up afterwards.
func (d *demo) afterSetUp(ctx context.Context) error {
	switch d.o.Break {
	case BreakReplicaKeyDisabled:
		d.printf("The mistake (B)\n")
		return d.step("disable replica key Kd", func() (string, error) {
			_, err := d.kmsB.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(d.kd)})
			return "", err
		})
	case BreakDestinationUnversioned:
		d.printf("The mistake (B)\n")
		return d.step("suspend versioning on "+d.dst, func() (string, error) {
			return "", versioning(ctx, d.s3B, d.dst, types.BucketVersioningStatusSuspended)
		})
	}
	return nil
}

func createBucket(ctx context.Context, c *s3.Client, bucket, region string, ownership types.ObjectOwnership) (string, error) {
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectOwnership: ownership}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return "", err
	}
	return "arn:aws:s3:::" + bucket, nil
}

// createLockBucket creates a bucket with Object Lock (and so versioning) enabled.
func createLockBucket(ctx context.Context, c *s3.Client, bucket, region string) (string, error) {
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return "", err
	}
	return "arn:aws:s3:::" + bucket, nil
}

func versioning(ctx context.Context, c *s3.Client, bucket string, status types.BucketVersioningStatus) error {
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status}})
	return err
}

func defaultEncryption(ctx context.Context, c *s3.Client, bucket, key string, bucketKey bool) error {
	_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
				SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(key)},
			BucketKeyEnabled: aws.Bool(bucketKey)}}}})
	return err
}

// createKey creates a symmetric key, with the policy if not empty, and
// returns its ARN.
func createKey(ctx context.Context, c *kms.Client, keyPolicy, description string) (string, error) {
	in := &kms.CreateKeyInput{Description: aws.String(description), KeySpec: kmstypes.KeySpecSymmetricDefault}
	if keyPolicy != "" {
		in.Policy = aws.String(keyPolicy)
	}
	out, err := c.CreateKey(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.KeyMetadata.Arn), nil
}

// uniq returns its non-empty arguments without repeats.
func uniq(s ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
