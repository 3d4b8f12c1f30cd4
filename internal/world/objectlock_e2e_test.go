package world

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	ferryaws "github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/doctor"
	"github.com/ferrystore/ferry/internal/replication"
)

// TestObjectLockEndToEnd: Object Lock through the SDK against the real
// server (signatures, checksums, the policy engine): a lock bucket, its
// default retention, a version under retention and legal hold, and its
// protection, which an IAM user may bypass for GOVERNANCE only with
// s3:BypassGovernanceRetention.
func TestObjectLockEndToEnd(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	a := e.s3("a", "us-east-1")
	bucket := aws.String("ol-e2e")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket, ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := a.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	if code(err) != "InvalidBucketState" {
		t.Fatalf("suspend versioning of a lock bucket: %v", err)
	}
	if _, err := a.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: bucket, ObjectLockConfiguration: &types.ObjectLockConfiguration{
		ObjectLockEnabled: types.ObjectLockEnabledEnabled,
		Rule:              &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	put, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("gov"), Body: strings.NewReader("governed")})
	if err != nil {
		t.Fatal(err)
	}
	head, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("gov")})
	if err != nil || head.ObjectLockMode != types.ObjectLockModeGovernance || head.ObjectLockRetainUntilDate == nil {
		t.Fatalf("default retention on HEAD: %+v %v", head, err)
	}
	if _, err := a.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: bucket, Key: aws.String("gov"),
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}}); err != nil {
		t.Fatal(err)
	}
	del := &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("gov"), VersionId: put.VersionId, BypassGovernanceRetention: aws.Bool(true)}
	if _, err := a.DeleteObject(ctx, del); code(err) != "AccessDenied" || message(err) != "Access Denied because object protected by object lock." {
		t.Fatalf("delete under legal hold: %v", err)
	}
	if _, err := a.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: bucket, Key: aws.String("gov"),
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}}); err != nil {
		t.Fatal(err)
	}

	// An IAM user allowed to delete versions but not to bypass governance.
	ka := e.keys["a"]
	iamA := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(ka.ID, ka.Secret, "")})
	if _, err := iamA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	policy := func(actions string) {
		if _, err := iamA.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("lock"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + actions + `],"Resource":"arn:aws:s3:::ol-e2e/*"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	policy(`"s3:DeleteObjectVersion","s3:GetObject"`)
	k, err := iamA.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	ops := e.s3("a", "us-east-1", func(o *s3.Options) {
		o.Credentials = static(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	})
	if _, err := ops.DeleteObject(ctx, del); code(err) != "AccessDenied" || message(err) == "Access Denied because object protected by object lock." {
		t.Fatalf("bypass without s3:BypassGovernanceRetention: %v", err)
	}
	// Without s3:GetObjectRetention the user's HEAD shows no retention.
	if h, err := ops.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("gov")}); err != nil || h.ObjectLockMode != "" {
		t.Fatalf("HEAD without s3:GetObjectRetention: %+v %v", h, err)
	}
	policy(`"s3:DeleteObjectVersion","s3:BypassGovernanceRetention"`)
	if _, err := ops.DeleteObject(ctx, del); err != nil {
		t.Fatalf("bypass with s3:BypassGovernanceRetention: %v", err)
	}
	if _, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("gov"), VersionId: put.VersionId}); err == nil {
		t.Fatal("the bypassed version is still there")
	}
}

// lockReplicationSetup is one same-account Object Lock replication set-up:
// src (us-east-1, Object Lock, with a default retention when srcDefault)
// to dst (us-west-2), with the role's Object Lock permissions as listed.
type lockReplicationSetup struct {
	src, dst string
}

func buildLockReplication(t *testing.T, e *env, name string, dstLock, srcDefault bool, lockActions string) lockReplicationSetup {
	t.Helper()
	ctx := e.ctx
	s := lockReplicationSetup{src: name + "-src", dst: name + "-dst"}
	acctA := string(e.keys["a"].Principal().Account)
	role := name + "-role"
	roleARN := "arn:aws:iam::" + acctA + ":role/" + role
	ka := e.keys["a"]
	iamA := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(ka.ID, ka.Secret, "")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	putReplicationRolePolicy(t, iamA, role, s.src, s.dst)
	if lockActions != "" {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + lockActions + `],
			"Resource":["arn:aws:s3:::` + s.src + `/*","arn:aws:s3:::` + s.dst + `/*"]}]}`
		if _, err := iamA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("lock"),
			PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	a, aWest := e.s3("a", "us-east-1"), e.s3("a", "us-west-2")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.src), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if srcDefault {
		if _, err := a.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(s.src), ObjectLockConfiguration: &types.ObjectLockConfiguration{
			ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule:              &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}}); err != nil {
			t.Fatal(err)
		}
	}
	dst := &s3.CreateBucketInput{Bucket: aws.String(s.dst), ObjectLockEnabledForBucket: aws.Bool(dstLock),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-west-2"}}
	if _, err := aWest.CreateBucket(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := aWest.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(s.dst),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(s.src), Token: aws.String("token"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(roleARN), Rules: []types.ReplicationRule{{
			ID: aws.String("all"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::" + s.dst)}}}}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestObjectLockReplicationEndToEnd: a version under retention and legal
// hold replicates to an Object Lock destination with both; a destination
// without Object Lock, or a role without one of the Object Lock
// permissions, fails the version with AWS's reason, which the doctor's
// pre-flight names first. A later retention change reaches the replica.
func TestObjectLockReplicationEndToEnd(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer e.stop()
	const all = `"s3:GetObjectRetention","s3:GetObjectLegalHold","s3:PutObjectRetention","s3:PutObjectLegalHold"`
	admin := ferryaws.Principal{Type: ferryaws.PrincipalAdmin}
	doc := &doctor.Doctor{S3: e.w.S3, IAM: e.w.IAM, KMS: e.w.KMS, Authz: e.w.Authz, Engine: e.w.Replication}
	cases := []struct {
		name                string
		dstLock, srcDefault bool
		lockActions         string
		reason              string
		// warned: the pre-flight can only warn (objects without that
		// protection replicate); else it fails with reason.
		warned bool
	}{
		{"ol-right", true, false, all, "", false},
		{"ol-plain-dst", false, false, all, replication.ReasonDstBucketObjectLockConfigMissing, false},
		{"ol-no-get-retention", true, false, `"s3:GetObjectLegalHold","s3:PutObjectRetention","s3:PutObjectLegalHold"`, replication.ReasonSrcGetRetentionNotPermitted, true},
		{"ol-default-no-get-retention", true, true, `"s3:GetObjectLegalHold","s3:PutObjectRetention","s3:PutObjectLegalHold"`, replication.ReasonSrcGetRetentionNotPermitted, false},
		{"ol-no-get-hold", true, false, `"s3:GetObjectRetention","s3:PutObjectRetention","s3:PutObjectLegalHold"`, replication.ReasonSrcGetLegalHoldNotPermitted, true},
		{"ol-no-put-retention", true, false, `"s3:GetObjectRetention","s3:GetObjectLegalHold","s3:PutObjectLegalHold"`, replication.ReasonDstPutRetentionNotPermitted, true},
		{"ol-no-put-hold", true, false, `"s3:GetObjectRetention","s3:GetObjectLegalHold","s3:PutObjectRetention"`, replication.ReasonDstPutLegalHoldNotPermitted, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := e.ctx
			s := buildLockReplication(t, e, tc.name, tc.dstLock, tc.srcDefault, tc.lockActions)
			rep, err := doc.Replication(ctx, admin, s.src)
			if err != nil {
				t.Fatal(err)
			}
			first := firstIssue(rep.Rules[0].Checks)
			switch {
			case tc.reason == "" && (!rep.OK || first != nil):
				t.Fatalf("pre-flight of the right set-up:\n%s", rep.Text())
			case tc.warned && (first == nil || first.Status != doctor.Warn || !strings.Contains(first.Detail, tc.reason)):
				t.Fatalf("pre-flight: want a warning naming %s first, got:\n%s", tc.reason, rep.Text())
			case tc.reason != "" && !tc.warned && (first == nil || first.Status != doctor.Fail || first.Reason != tc.reason):
				t.Fatalf("pre-flight: want reason %s first, got:\n%s", tc.reason, rep.Text())
			}

			a, aWest := e.s3("a", "us-east-1"), e.s3("a", "us-west-2")
			until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
			put, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.src), Key: aws.String("k"), Body: strings.NewReader("locked"),
				ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: &until, ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn})
			if err != nil {
				t.Fatal(err)
			}
			st := waitStatus(t, a, s.src, "k", types.ReplicationStatusPending)
			if tc.reason != "" {
				_, detail, err := e.w.Replication.Status(ctx, s.src, "k", aws.ToString(put.VersionId))
				if st != types.ReplicationStatusFailed || err != nil || len(detail) != 1 || detail[0].FailureReason != tc.reason {
					t.Fatalf("status %s %+v %v, want FAILED %s", st, detail, err, tc.reason)
				}
				ex, err := doc.Explain(ctx, admin, s.src, "k", aws.ToString(put.VersionId))
				if err != nil || ex.Destinations[0].Failing == nil || ex.Destinations[0].Failing.Reason != tc.reason {
					t.Fatalf("explain: want %s, got %v\n%s", tc.reason, err, ex.Text())
				}
				return
			}
			if st != types.ReplicationStatusComplete && st != "COMPLETED" {
				t.Fatalf("status %s, want COMPLETED", st)
			}
			head, err := aWest.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.dst), Key: aws.String("k")})
			if err != nil || head.ObjectLockMode != types.ObjectLockModeGovernance || !aws.ToTime(head.ObjectLockRetainUntilDate).Equal(until) ||
				head.ObjectLockLegalHoldStatus != types.ObjectLockLegalHoldStatusOn || aws.ToString(head.VersionId) != aws.ToString(put.VersionId) {
				t.Fatalf("replica lock: %+v %v", head, err)
			}
			later := until.Add(24 * time.Hour)
			if _, err := a.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String(s.src), Key: aws.String("k"),
				Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: &later}}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "replicated retention change", func() bool {
				r, err := aWest.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(s.dst), Key: aws.String("k")})
				return err == nil && r.Retention.Mode == types.ObjectLockRetentionModeCompliance && aws.ToTime(r.Retention.RetainUntilDate).Equal(later)
			})
		})
	}
}
