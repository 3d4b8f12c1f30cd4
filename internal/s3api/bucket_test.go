package s3api

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestCreateBucketLocationRules(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	tests := []struct {
		name, endpoint, constraint, bucket, wantCode string
	}{
		{"us-east-1 without constraint", "us-east-1", "", "b-east", ""},
		{"regional endpoint matching", "eu-west-1", "eu-west-1", "b-eu", ""},
		{"global endpoint elsewhere", "us-east-1", "us-west-2", "b-west", ""},
		{"unspecified at regional endpoint", "eu-west-1", "", "b-x1", "IllegalLocationConstraintException"},
		{"mismatch at regional endpoint", "eu-west-1", "us-west-2", "b-x2", "IllegalLocationConstraintException"},
		{"explicit us-east-1", "us-east-1", "us-east-1", "b-x3", "InvalidLocationConstraint"},
		{"bad name", "us-east-1", "", "Bad_Name", "InvalidBucketName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &s3.CreateBucketInput{Bucket: aws.String(tt.bucket)}
			if tt.constraint != "" {
				in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(tt.constraint)}
			}
			_, err := ts.client("AKIDACCOUNTA", tt.endpoint).CreateBucket(ctx, in)
			if got := apiCode(err); got != tt.wantCode {
				t.Fatalf("code %q, want %q (err %v)", got, tt.wantCode, err)
			}
		})
	}
}

func TestBucketOwnershipAndRegion(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a := ts.client("AKIDACCOUNTA", "eu-west-1")
	b := ts.client("AKIDACCOUNTB", "eu-west-1")
	ts.mustCreateBucket(t, a, "shared-name", "eu-west-1")

	_, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}})
	if apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("recreate: %v", err)
	}
	_, err = b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}})
	if apiCode(err) != "BucketAlreadyExists" {
		t.Fatalf("other account: %v", err)
	}
	if _, err := b.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("shared-name")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("other account read: %v", err)
	}
	wrong := ts.client("AKIDACCOUNTA", "us-west-2")
	_, err = wrong.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("shared-name")})
	if apiCode(err) != "AuthorizationHeaderMalformed" {
		t.Fatalf("wrong region: %v", err)
	}
	loc, err := a.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("shared-name")})
	if err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Fatalf("location %v %v", loc, err)
	}
	list, err := a.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(list.Buckets) != 1 || *list.Buckets[0].Name != "shared-name" {
		t.Fatalf("list %+v %v", list, err)
	}
	if list, _ := b.ListBuckets(ctx, &s3.ListBucketsInput{}); len(list.Buckets) != 0 {
		t.Fatalf("account B sees %d buckets", len(list.Buckets))
	}
}

func TestVersioningAndDeleteBucket(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, a, "vers", "us-east-1")
	got, err := a.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vers")})
	if err != nil || got.Status != "" {
		t.Fatalf("initial status %q %v", got.Status, err)
	}
	if _, err := a.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("vers"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	got, _ = a.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vers")})
	if got.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("status %q", got.Status)
	}
	if _, err := a.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("vers")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("vers")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("vers")}); err == nil {
		t.Fatal("bucket still there")
	}
	_, err = a.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("vers")})
	if apiCode(err) != "NoSuchBucket" {
		t.Fatalf("delete again: %v", err)
	}
}
