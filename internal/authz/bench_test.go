package authz

import (
	"context"
	"testing"

	"github.com/ferrystore/ferry/policy"
)

// BenchmarkAuthorizeUser is one S3 decision for an IAM user whose policies
// are cached, against a bucket policy.
func BenchmarkAuthorizeUser(b *testing.B) {
	a := newTestAuthorizer(&testing.T{})
	bp, err := a.Parsed(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, policy.BucketPolicy, "bucket policy of b")
	if err != nil {
		b.Fatal(err)
	}
	req := Request{Principal: user(acctA, "reader"), Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: acctA, ResourcePolicy: bp}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authorize(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
