package s3api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	ferryaws "github.com/ferrystore/ferry/internal/aws"
)

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func (ts *testServer) anonymous() *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true,
		Credentials: aws.AnonymousCredentials{}, RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
}

// createOwned creates a bucket of account A with the given Object Ownership
// and a bucket policy letting account B write objects with ACLs.
func createOwned(t *testing.T, ts *testServer, a *s3.Client, bucket string, ownership types.ObjectOwnership) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectOwnership: ownership}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},` +
		`"Action":["s3:PutObject","s3:PutObjectAcl","s3:GetObject"],"Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
}

func TestACLCrossAccountObjectWriter(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a, b := ts.client("AKIDACCOUNTA", "us-east-1"), ts.client("AKIDACCOUNTB", "us-east-1")
	createOwned(t, ts, a, "writer", types.ObjectOwnershipObjectWriter)
	if _, err := b.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("writer"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	// The bucket owner may not read an object another account owns.
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("writer"), Key: aws.String("k")}); errCode(err) != "AccessDenied" {
		t.Fatalf("bucket owner read: %v", err)
	}
	if _, err := a.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("writer"), Key: aws.String("k")}); errCode(err) != "AccessDenied" {
		t.Fatalf("bucket owner reads the tags of another account's object: %v", err)
	}
	list, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("writer"), FetchOwner: aws.Bool(true)})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Owner.ID) != ferryaws.CanonicalUserID("222222222222") {
		t.Fatalf("list owner: %+v %v", list, err)
	}
	acl, err := b.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("writer"), Key: aws.String("k")})
	if err != nil || aws.ToString(acl.Owner.ID) != ferryaws.CanonicalUserID("222222222222") || len(acl.Grants) != 1 ||
		acl.Grants[0].Permission != types.PermissionFullControl || acl.Grants[0].Grantee.Type != types.TypeCanonicalUser {
		t.Fatalf("object ACL: %+v %v", acl, err)
	}
	if _, err := b.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("writer"), Key: aws.String("k"), ACL: types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("writer"), Key: aws.String("k")}); err != nil {
		t.Fatalf("bucket owner read after bucket-owner-full-control: %v", err)
	}
	// A grant header gives the same.
	if _, err := b.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("writer"), Key: aws.String("g"), Body: strings.NewReader("x"),
		GrantRead: aws.String(`id="` + ferryaws.CanonicalUserID("111111111111") + `"`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("writer"), Key: aws.String("g")}); err != nil {
		t.Fatalf("read through grant: %v", err)
	}
	if _, err := a.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("writer"), Key: aws.String("g")}); errCode(err) != "AccessDenied" {
		t.Fatalf("READ does not give READ_ACP: %v", err)
	}
	// An explicit Deny in the bucket policy still wins.
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::writer/g"}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("writer"), Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("writer"), Key: aws.String("g")}); errCode(err) != "AccessDenied" {
		t.Fatalf("deny: %v", err)
	}
	// Bad grants.
	_, err = b.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("writer"), Key: aws.String("k"), GrantRead: aws.String(`uri="http://example.com/x"`)})
	if errCode(err) != "InvalidArgument" {
		t.Fatalf("bad uri: %v", err)
	}
	_, err = b.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("writer"), Key: aws.String("k"), GrantRead: aws.String(`emailAddress="a@example.com"`)})
	if errCode(err) != "UnresolvableGrantByEmailAddress" {
		t.Fatalf("email: %v", err)
	}
}

func TestACLBucketOwnerPreferred(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a, b := ts.client("AKIDACCOUNTA", "us-east-1"), ts.client("AKIDACCOUNTB", "us-east-1")
	createOwned(t, ts, a, "preferred", types.ObjectOwnershipBucketOwnerPreferred)
	if _, err := b.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("preferred"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatal(err)
	}
	acl, err := a.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("preferred"), Key: aws.String("k")})
	if err != nil || aws.ToString(acl.Owner.ID) != ferryaws.CanonicalUserID("111111111111") {
		t.Fatalf("owner: %+v %v", acl, err)
	}
}

func TestACLOwnerEnforced(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, a, "enforced", "us-east-1")
	_, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enforced"), Key: aws.String("k"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessControlListNotSupported" || ae.ErrorMessage() != "The bucket does not allow ACLs" {
		t.Fatalf("public-read on enforced: %v", err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enforced"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatal(err)
	}
	acl, err := a.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("enforced"), Key: aws.String("k")})
	if err != nil || len(acl.Grants) != 1 || aws.ToString(acl.Grants[0].Grantee.ID) != ferryaws.CanonicalUserID("111111111111") {
		t.Fatalf("enforced ACL: %+v %v", acl, err)
	}
	if _, err := a.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("enforced"), ACL: types.BucketCannedACLPublicRead}); errCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("PutBucketAcl on enforced: %v", err)
	}
	if _, err := a.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("enforced"), Key: aws.String("k"), ACL: types.ObjectCannedACLAuthenticatedRead}); errCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("PutObjectAcl on enforced: %v", err)
	}
	bacl, err := a.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("enforced")})
	if err != nil || len(bacl.Grants) != 1 || bacl.Grants[0].Permission != types.PermissionFullControl {
		t.Fatalf("bucket ACL: %+v %v", bacl, err)
	}
}

func TestACLPublicReadAndBlockPublicAccess(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a, anon := ts.client("AKIDACCOUNTA", "us-east-1"), ts.anonymous()
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pub"), ObjectOwnership: types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	put := &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String("k"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead}
	_, err := a.PutObject(ctx, put)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), "BlockPublicAcls") {
		t.Fatalf("public-read under BlockPublicAcls: %v", err)
	}
	if _, err := a.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("pub")}); err != nil {
		t.Fatal(err)
	}
	put.Body = strings.NewReader("x")
	if _, err := a.PutObject(ctx, put); err != nil {
		t.Fatal(err)
	}
	if _, err := anon.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pub"), Key: aws.String("k")}); err != nil {
		t.Fatalf("anonymous read of public-read: %v", err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String("private"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := anon.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pub"), Key: aws.String("private")}); errCode(err) != "AccessDenied" {
		t.Fatalf("anonymous read of private: %v", err)
	}
	if _, err := anon.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("pub")}); errCode(err) != "AccessDenied" {
		t.Fatalf("anonymous list of private bucket: %v", err)
	}
	if _, err := a.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("pub"), ACL: types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := anon.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("pub")}); err != nil {
		t.Fatalf("anonymous list of public-read bucket: %v", err)
	}
	// IgnorePublicAcls sets the public grants aside.
	if _, err := a.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("pub"),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := anon.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pub"), Key: aws.String("k")}); errCode(err) != "AccessDenied" {
		t.Fatalf("IgnorePublicAcls: %v", err)
	}
	// The stored ACL still says public-read.
	acl, err := a.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("pub"), Key: aws.String("k")})
	if err != nil || len(acl.Grants) != 2 || aws.ToString(acl.Grants[1].Grantee.URI) != "http://acs.amazonaws.com/groups/global/AllUsers" {
		t.Fatalf("ACL: %+v %v", acl, err)
	}
}

func TestPutBucketAclBody(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a, b := ts.client("AKIDACCOUNTA", "us-east-1"), ts.client("AKIDACCOUNTB", "us-east-1")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("body"), ObjectOwnership: types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("body")}); errCode(err) != "AccessDenied" {
		t.Fatalf("list before the grant: %v", err)
	}
	idA, idB := ferryaws.CanonicalUserID("111111111111"), ferryaws.CanonicalUserID("222222222222")
	acp := &types.AccessControlPolicy{Owner: &types.Owner{ID: aws.String(idA)}, Grants: []types.Grant{
		{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String(idA)}, Permission: types.PermissionFullControl},
		{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String(idB)}, Permission: types.PermissionRead},
		{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String(idB)}, Permission: types.PermissionWrite},
	}}
	if _, err := a.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("body"), AccessControlPolicy: acp}); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("body")})
	if err != nil || len(got.Grants) != 3 || aws.ToString(got.Grants[1].Grantee.ID) != idB || got.Grants[2].Permission != types.PermissionWrite {
		t.Fatalf("bucket ACL: %+v %v", got, err)
	}
	if _, err := b.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("body")}); err != nil {
		t.Fatalf("list through READ: %v", err)
	}
	if _, err := b.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("body"), Key: aws.String("w"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("write through WRITE: %v", err)
	}
	if _, err := b.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("body")}); errCode(err) != "AccessDenied" {
		t.Fatalf("READ does not give READ_ACP: %v", err)
	}
	// Neither headers nor a body; both canned and grants.
	if _, err := a.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("body")}); errCode(err) != "MissingSecurityHeader" {
		t.Fatalf("empty PutBucketAcl: %v", err)
	}
	if _, err := a.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("body"), ACL: types.BucketCannedACLPrivate,
		GrantRead: aws.String(`id="` + idB + `"`)}); errCode(err) != "InvalidRequest" {
		t.Fatalf("canned and grants: %v", err)
	}
}

func TestGetObjectAclXML(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, a, "xml", "us-east-1")
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("xml"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/xml/k?acl", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDACCOUNTA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := ferryaws.CanonicalUserID("111111111111")
	want := `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + id + `</ID></Owner><AccessControlList>` +
		`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + id + `</ID></Grantee>` +
		`<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`
	if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// TestACLConditionKey: AWS's usual bucket policy, which lets another
// account write only objects that give the bucket owner full control.
func TestACLConditionKey(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a, b := ts.client("AKIDACCOUNTA", "us-east-1"), ts.client("AKIDACCOUNTB", "us-east-1")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cond"), ObjectOwnership: types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},` +
		`"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::cond/*",` +
		`"Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("cond"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("x")}); errCode(err) != "AccessDenied" {
		t.Fatalf("write without the ACL: %v", err)
	}
	if _, err := b.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatalf("write with bucket-owner-full-control: %v", err)
	}
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")}); err != nil {
		t.Fatalf("the bucket owner reads: %v", err)
	}
}
