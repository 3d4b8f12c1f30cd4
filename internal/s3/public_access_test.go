package s3

import (
	"context"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func TestPublicAccessBlockConfiguration(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	c, err := s.GetPublicAccessBlock(ctx, owner, "bkt")
	if err != nil || c != blockAll {
		t.Fatalf("a new bucket blocks all public access: %+v, %v", c, err)
	}
	only := PublicAccessBlock{RestrictPublicBuckets: true}
	if err := s.PutPublicAccessBlock(ctx, owner, "bkt", only); err != nil {
		t.Fatal(err)
	}
	if c, err := s.GetPublicAccessBlock(ctx, owner, "bkt"); err != nil || c != only {
		t.Fatalf("after put: %+v, %v", c, err)
	}
	if err := s.DeletePublicAccessBlock(ctx, owner, "bkt"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetPublicAccessBlock(ctx, owner, "bkt")
	if e, ok := aws.As(err); !ok || e.Code != "NoSuchPublicAccessBlockConfiguration" || e.Status != 404 ||
		e.Message != "The public access block configuration was not found" {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.DeletePublicAccessBlock(ctx, owner, "bkt"); err != nil {
		t.Fatalf("deleting none: %v", err)
	}
	other := aws.Principal{Type: aws.PrincipalRoot, Account: "222222222222", ARN: aws.RootARN("222222222222")}
	if err := s.PutPublicAccessBlock(ctx, other, "bkt", blockAll); !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("another account: %v", err)
	}
}

func TestBlockPublicPolicy(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`
	err := s.PutBucketPolicy(ctx, owner, "bkt", public)
	want := `User: arn:aws:iam::111111111111:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::bkt" because public policies are prevented by the BlockPublicPolicy setting in S3 Block Public Access.`
	if e, ok := aws.As(err); !ok || e.Code != "AccessDenied" || e.Status != 403 || e.Message != want {
		t.Fatalf("public policy under BlockPublicPolicy: %v", err)
	}
	if _, err := s.GetBucketPolicy(ctx, owner, "bkt"); !aws.IsCode(err, "NoSuchBucketPolicy") {
		t.Fatalf("the refused policy was stored: %v", err)
	}
	narrowed := strings.Replace(public, `"Resource"`, `"Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}},"Resource"`, 1)
	if err := s.PutBucketPolicy(ctx, owner, "bkt", narrowed); err != nil {
		t.Fatalf("non-public policy: %v", err)
	}
	if err := s.PutPublicAccessBlock(ctx, owner, "bkt", PublicAccessBlock{RestrictPublicBuckets: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketPolicy(ctx, owner, "bkt", public); err != nil {
		t.Fatalf("public policy without BlockPublicPolicy: %v", err)
	}
	// Turning BlockPublicPolicy on leaves the stored policy alone.
	if err := s.PutPublicAccessBlock(ctx, owner, "bkt", blockAll); err != nil {
		t.Fatal(err)
	}
	if doc, err := s.GetBucketPolicy(ctx, owner, "bkt"); err != nil || doc != public {
		t.Fatalf("stored policy: %v", err)
	}
}

// RestrictPublicBuckets sets a public policy's grants aside for anonymous
// and cross-account callers, but not for the owner's account, AWS services,
// or the policy's Deny statements.
func TestRestrictPublicBuckets(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	put(t, s, "k", []byte("data"))
	if err := s.DeletePublicAccessBlock(ctx, owner, "bkt"); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::bkt/*"}]}`
	if err := s.PutBucketPolicy(ctx, owner, "bkt", doc); err != nil {
		t.Fatal(err)
	}
	anon := aws.Principal{Type: aws.PrincipalAnonymous}
	other := aws.Principal{Type: aws.PrincipalRoot, Account: "222222222222", ARN: aws.RootARN("222222222222")}
	service := aws.Principal{Type: aws.PrincipalService, ARN: "logging.s3.amazonaws.com"}
	decide := func(p aws.Principal, action string) bool {
		d, _ := s.Evaluate(ctx, p, action, "arn:aws:s3:::bkt/k", nil)
		return d.Allowed
	}
	check := func(when string, want map[string]bool) {
		t.Helper()
		got := map[string]bool{"anonymous read": decide(anon, "s3:GetObject"), "other account read": decide(other, "s3:GetObject"),
			"other account write": decide(other, "s3:PutObject"), "service read": decide(service, "s3:GetObject"),
			"owner read": decide(owner, "s3:GetObject"), "owner delete": decide(owner, "s3:DeleteObject")}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s allowed = %v, want %v", when, k, got[k], v)
			}
		}
	}
	all := map[string]bool{"anonymous read": true, "other account read": true, "other account write": true,
		"service read": true, "owner read": true, "owner delete": false}
	check("without a block", all)
	if err := s.PutPublicAccessBlock(ctx, owner, "bkt", PublicAccessBlock{RestrictPublicBuckets: true}); err != nil {
		t.Fatal(err)
	}
	check("restricted", map[string]bool{"anonymous read": false, "other account read": false, "other account write": false,
		"service read": true, "owner read": true, "owner delete": false})
	if _, err := s.GetObject(ctx, anon, GetObjectInput{Bucket: "bkt", Key: "k"}); err == nil || err.Error() != aws.ErrAccessDenied().Error() {
		t.Fatalf("anonymous read under RestrictPublicBuckets: %v", err)
	}
	// Once the policy is no longer public, delegation to other accounts works again.
	nonPublic := strings.Replace(doc, `"Principal":"*","Action":"s3:GetObject"`, `"Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject"`, 1)
	if err := s.PutBucketPolicy(ctx, owner, "bkt", nonPublic); err != nil {
		t.Fatal(err)
	}
	check("non-public policy", map[string]bool{"anonymous read": false, "other account read": true, "other account write": true})
}
