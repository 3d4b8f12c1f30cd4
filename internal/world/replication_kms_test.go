package world

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ferrystore/ferry/internal/replication"
)

// TestReplicationEncryption is the §3.3 matrix across regions (one account,
// while KMS and S3 authorization are interim): an SSE-KMS object replicates
// under a rule that opts in, encrypted with the replica key in the
// destination's region (scenario 30, same-account form); without the opt-in
// it is not eligible while an SSE-S3 object replicates (scenario 29); a
// disabled replica key fails DstKmsKeyInvalidState, a replica key of
// another region DstKmsKeyNotFound, a disabled source key
// SrcKmsKeyInvalidState.
func TestReplicationEncryption(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer e.stop()
	ctx := e.ctx
	a := e.s3("a", "us-east-1")
	ka := e.keys["a"]
	acctA := string(ka.Principal().Account)
	role := "arn:aws:iam::" + acctA + ":role/s3-replication"
	iamA := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(ka.ID, ka.Secret, "")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("s3-replication"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	putReplicationRolePolicy(t, iamA, "s3-replication", "enc-src", "enc-dst")
	newKey := func(region string) string {
		out, err := e.kms("a", region).CreateKey(ctx, &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.KeyMetadata.Arn)
	}
	ks, kd, kx := newKey("us-east-1"), newKey("us-west-2"), newKey("us-west-2")
	// The keys keep their default policy (the account root: IAM decides), so
	// the role needs KMS in its own policy, through S3 only, as AWS documents.
	kmsDoc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:Decrypt","Resource":"` + ks + `","Condition":{"StringLike":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}},
		{"Effect":"Allow","Action":["kms:Encrypt","kms:GenerateDataKey"],"Resource":["` + kd + `","` + kx + `","` + ks + `"],"Condition":{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"}}}]}`
	if _, err := iamA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("s3-replication"),
		PolicyName: aws.String("kms"), PolicyDocument: aws.String(kmsDoc)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kms("a", "us-west-2").DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(kx)}); err != nil {
		t.Fatal(err)
	}
	for bucket, region := range map[string]string{"enc-src": "us-east-1", "enc-dst": "us-west-2"} {
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
		}
		if _, err := e.s3("a", region).CreateBucket(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s3("a", region).PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(id string, prio int32, replicaKey string) types.ReplicationRule {
		r := types.ReplicationRule{ID: aws.String(id), Priority: aws.Int32(prio), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String(id + "/")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::enc-dst")}}
		if replicaKey != "" {
			r.SourceSelectionCriteria = &types.SourceSelectionCriteria{SseKmsEncryptedObjects: &types.SseKmsEncryptedObjects{
				Status: types.SseKmsEncryptedObjectsStatusEnabled}}
			r.Destination.EncryptionConfiguration = &types.EncryptionConfiguration{ReplicaKmsKeyID: aws.String(replicaKey)}
		}
		return r
	}
	if _, err := a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("enc-src"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(role), Rules: []types.ReplicationRule{
			rule("kms", 1, kd), rule("plain", 2, ""), rule("disabled", 3, kx), rule("wrongregion", 4, ks)}}}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, mode types.ServerSideEncryption) string {
		in := &s3.PutObjectInput{Bucket: aws.String("enc-src"), Key: aws.String(key), Body: strings.NewReader("secret " + key),
			ServerSideEncryption: mode}
		if mode == types.ServerSideEncryptionAwsKms {
			in.SSEKMSKeyId = aws.String(ks)
		}
		out, err := a.PutObject(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	reason := func(key, vid string) string {
		_, d, err := e.w.Replication.Status(ctx, "enc-src", key, vid)
		if err != nil || len(d) != 1 {
			t.Fatalf("%s: %+v, %v", key, d, err)
		}
		return d[0].FailureReason
	}

	put("kms/a", types.ServerSideEncryptionAwsKms)
	if st := waitStatus(t, a, "enc-src", "kms/a", types.ReplicationStatusPending); st != "COMPLETED" {
		t.Fatalf("kms/a: %s", st)
	}
	head, err := e.s3("a", "us-west-2").GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("enc-dst"), Key: aws.String("kms/a")})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(head.Body)
	head.Body.Close()
	if head.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != kd ||
		body.String() != "secret kms/a" || head.ReplicationStatus != types.ReplicationStatusReplica {
		t.Fatalf("replica: %s %s %q %s, want aws:kms under %s", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId),
			body.String(), head.ReplicationStatus, kd)
	}

	put("plain/b", types.ServerSideEncryptionAwsKms)
	out, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("enc-src"), Key: aws.String("plain/b")})
	if err != nil || out.ReplicationStatus != "" {
		t.Fatalf("SSE-KMS without opt-in: status %q, %v; want none", out.ReplicationStatus, err)
	}
	put("plain/c", types.ServerSideEncryptionAes256)
	if st := waitStatus(t, a, "enc-src", "plain/c", types.ReplicationStatusPending); st != "COMPLETED" {
		t.Fatalf("plain/c: %s", st)
	}
	rc, err := e.s3("a", "us-west-2").HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("enc-dst"), Key: aws.String("plain/c")})
	if err != nil || rc.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("SSE-S3 replica: %+v, %v", rc, err)
	}

	vid := put("disabled/d", types.ServerSideEncryptionAwsKms)
	if st := waitStatus(t, a, "enc-src", "disabled/d", types.ReplicationStatusPending); st != types.ReplicationStatusFailed ||
		reason("disabled/d", vid) != replication.ReasonDstKmsKeyInvalidState {
		t.Fatalf("disabled replica key: %s %s", st, reason("disabled/d", vid))
	}
	vid = put("wrongregion/e", types.ServerSideEncryptionAwsKms)
	if st := waitStatus(t, a, "enc-src", "wrongregion/e", types.ReplicationStatusPending); st != types.ReplicationStatusFailed ||
		reason("wrongregion/e", vid) != replication.ReasonDstKmsKeyNotFound {
		t.Fatalf("replica key of another region: %s %s", st, reason("wrongregion/e", vid))
	}

	// The source key disabled while the version waits (workers paused).
	e.w.Replication.Stop()
	vid = put("kms/f", types.ServerSideEncryptionAwsKms)
	if _, err := e.kms("a", "us-east-1").DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(ks)}); err != nil {
		t.Fatal(err)
	}
	e.w.Replication.Start()
	if st := waitStatus(t, a, "enc-src", "kms/f", types.ReplicationStatusPending); st != types.ReplicationStatusFailed ||
		reason("kms/f", vid) != replication.ReasonSrcKmsKeyInvalidState {
		t.Fatalf("disabled source key: %s %s", st, reason("kms/f", vid))
	}
}
