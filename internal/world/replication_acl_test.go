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
	"github.com/ferrystore/ferry/internal/replication"
)

// TestReplicationACLs: with ACLs enabled on both sides (ObjectWriter), a
// replica keeps its source's owner and ACL (spec §8.4) and follows later
// ACL changes (§3.1), and an object that
// another account wrote into the source without granting the source
// bucket owner access fails with SrcGetObjectNotPermitted (§3.1).
func TestReplicationACLs(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Workers: 1, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer e.stop()
	ctx := e.ctx
	a, b, aWest := e.s3("a", "us-east-1"), e.s3("b", "us-west-2"), e.s3("a", "us-west-2")
	bEast := e.s3("b", "us-east-1")
	acctA, acctB := string(e.keys["a"].Principal().Account), string(e.keys["b"].Principal().Account)
	role := "arn:aws:iam::" + acctA + ":role/acl-replication"
	iamA := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(e.keys["a"].ID, e.keys["a"].Secret, "")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("acl-replication"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	create := func(c *s3.Client, name, region string) {
		in := &s3.CreateBucketInput{Bucket: aws.String(name), ObjectOwnership: types.ObjectOwnershipObjectWriter}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	create(a, "acl-src", "us-east-1")
	create(b, "acl-dst", "us-west-2")
	putReplicationRolePolicy(t, iamA, "acl-replication", "acl-src", "acl-dst")
	dstPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + role + `"},
		"Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::acl-dst/*"}]}`
	if _, err := b.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("acl-dst"), Policy: aws.String(dstPolicy)}); err != nil {
		t.Fatal(err)
	}
	srcPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acctB + `"},
		"Action":["s3:PutObject"],"Resource":"arn:aws:s3:::acl-src/*"}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("acl-src"), Policy: aws.String(srcPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("acl-src"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(role), Rules: []types.ReplicationRule{{
			ID: aws.String("all"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::acl-dst")}}}}}); err != nil {
		t.Fatal(err)
	}

	// A's object grants B READ: the replica keeps A as owner and the grant.
	idB := ferryaws.CanonicalUserID(ferryaws.AccountID(acctB))
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acl-src"), Key: aws.String("mine"), Body: strings.NewReader("m"),
		GrantRead: aws.String(`id="` + idB + `"`)}); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, a, "acl-src", "mine", types.ReplicationStatusPending); st != types.ReplicationStatusComplete && st != "COMPLETED" {
		t.Fatalf("status %q", st)
	}
	acl, err := aWest.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acl-dst"), Key: aws.String("mine")})
	if err != nil || aws.ToString(acl.Owner.ID) != ferryaws.CanonicalUserID(ferryaws.AccountID(acctA)) || len(acl.Grants) != 1 ||
		aws.ToString(acl.Grants[0].Grantee.ID) != idB || acl.Grants[0].Permission != types.PermissionRead {
		t.Fatalf("replica ACL: %+v %v", acl, err)
	}
	if _, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acl-dst"), Key: aws.String("mine")}); err != nil {
		t.Fatalf("B reads the replica through its grant: %v", err)
	}
	if _, err := b.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acl-dst"), Key: aws.String("mine")}); code(err) != "AccessDenied" {
		t.Fatalf("B reads the replica's ACL without READ_ACP: %v", err)
	}

	// A later ACL change follows to the replica.
	if _, err := a.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("acl-src"), Key: aws.String("mine"),
		GrantRead: aws.String(`id="` + idB + `"`), GrantReadACP: aws.String(`id="` + idB + `"`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replicated ACL change", func() bool {
		acl, err := b.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acl-dst"), Key: aws.String("mine")})
		return err == nil && len(acl.Grants) == 2
	})

	// B's object in A's bucket, private to B: the role cannot read it.
	if _, err := bEast.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acl-src"), Key: aws.String("theirs"), Body: strings.NewReader("t")}); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, bEast, "acl-src", "theirs", types.ReplicationStatusPending); st != types.ReplicationStatusFailed {
		t.Fatalf("status of another account's private object %q, want FAILED", st)
	}
	vs, err := a.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("acl-src"), Prefix: aws.String("theirs")})
	if err != nil || len(vs.Versions) != 1 {
		t.Fatalf("versions %+v %v", vs, err)
	}
	_, detail, err := e.w.Replication.Status(ctx, "acl-src", "theirs", aws.ToString(vs.Versions[0].VersionId))
	if err != nil || len(detail) != 1 || detail[0].FailureReason != replication.ReasonSrcGetObjectNotPermitted {
		t.Fatalf("failure detail %+v, %v", detail, err)
	}
}
