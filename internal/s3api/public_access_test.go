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

func TestPublicAccessBlockWire(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	c := ts.client("AKIDACCOUNTA", "us-east-1")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pab")}); err != nil {
		t.Fatal(err)
	}
	get := func() (*types.PublicAccessBlockConfiguration, error) {
		out, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pab")})
		if err != nil {
			return nil, err
		}
		return out.PublicAccessBlockConfiguration, nil
	}
	cfg, err := get()
	if err != nil || !aws.ToBool(cfg.BlockPublicAcls) || !aws.ToBool(cfg.IgnorePublicAcls) || !aws.ToBool(cfg.BlockPublicPolicy) || !aws.ToBool(cfg.RestrictPublicBuckets) {
		t.Fatalf("new bucket: %+v, %v", cfg, err)
	}
	_, err = c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("pab"),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(false)}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = get()
	if err != nil || !aws.ToBool(cfg.BlockPublicAcls) || aws.ToBool(cfg.IgnorePublicAcls) || aws.ToBool(cfg.BlockPublicPolicy) || aws.ToBool(cfg.RestrictPublicBuckets) {
		t.Fatalf("after put: %+v, %v", cfg, err)
	}
	_, err = c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("pab"),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{}})
	if apiCode(err) != "InvalidRequest" {
		t.Fatalf("empty configuration: %v", err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("pab")}); err != nil {
		t.Fatal(err)
	}
	_, err = get()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchPublicAccessBlockConfiguration" || ae.ErrorMessage() != "The public access block configuration was not found" {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("nope")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
}
