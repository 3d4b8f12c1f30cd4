package s3api

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestBucketEncryptionWire(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	c := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, c, "enc", "us-east-1")
	out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("enc")})
	if err != nil || out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 ||
		aws.ToBool(out.ServerSideEncryptionConfiguration.Rules[0].BucketKeyEnabled) {
		t.Fatalf("default: %+v %v", out, err)
	}
	rule := func(alg types.ServerSideEncryption, key *string) *types.ServerSideEncryptionConfiguration {
		return &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: alg, KMSMasterKeyID: key}}}}
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: rule("AES256", aws.String("k"))})
	if apiCode(err) != "InvalidArgument" {
		t.Fatalf("AES256 with a key: %v", err)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: rule("DES", nil)})
	if apiCode(err) != "MalformedXML" {
		t.Fatalf("unknown algorithm: %v", err)
	}
	_, err = ts.client("AKIDACCOUNTB", "us-east-1").GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("enc")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("another account: %v", err)
	}
}

func TestEncryptionHeaderErrors(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, c, "hdr", "us-east-1")
	for _, tc := range []struct {
		headers map[string]string
		code    string
	}{
		{map[string]string{"x-amz-server-side-encryption": "DES"}, "InvalidArgument"},
		{map[string]string{"x-amz-server-side-encryption-customer-key": "AAAA"}, "InvalidArgument"},
		{map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES128",
			"x-amz-server-side-encryption-customer-key": "AAAA"}, "InvalidEncryptionAlgorithmError"},
		{map[string]string{"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-context": "not base64"}, "InvalidArgument"},
	} {
		_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("hdr"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x"))},
			func(o *s3.Options) {
				for k, v := range tc.headers {
					o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue(k, v))
				}
			})
		if apiCode(err) != tc.code {
			t.Errorf("%v: %v, want %s", tc.headers, err, tc.code)
		}
	}
}
