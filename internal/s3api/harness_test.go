package s3api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	ferryaws "github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/meta"
	ferrys3 "github.com/ferrystore/ferry/internal/s3"
)

// Test accounts: the access key picks the account.
var testAccounts = map[string]ferryaws.AccountID{
	"AKIDACCOUNTA": "111111111111",
	"AKIDACCOUNTB": "222222222222",
}

// testServer is an in-process S3 endpoint for handler tests. It trusts the
// access key and region of the Authorization header without checking the
// signature (the sigv4 package has its own tests; the end-to-end suite runs
// the real verifier).
type testServer struct {
	API *API
	S3  *ferrys3.Service
	URL string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := ferrys3.New(ferrys3.Config{Store: meta.NewMemory(), Blobs: blobs, Regions: ferryaws.DefaultRegions})
	api := &API{S3: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amz-request-id", "TESTREQUESTID000")
		api.Serve(w, r, trustedAuth(r), "TESTREQUESTID000", "host")
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { blobs.Close() })
	return &testServer{API: api, S3: svc, URL: srv.URL}
}

// trustedAuth reads the credential scope without verifying the signature.
func trustedAuth(r *http.Request) Auth {
	auth := Auth{Principal: ferryaws.Anonymous, Body: r.Body, DecodedLength: r.ContentLength, Trailer: func() http.Header { return nil }}
	h := r.Header.Get("Authorization")
	cred := r.URL.Query().Get("X-Amz-Credential")
	if i := strings.Index(h, "Credential="); i >= 0 {
		cred, _, _ = strings.Cut(h[i+len("Credential="):], ",")
	} else if cred != "" {
		auth.Presigned = true
	}
	parts := strings.Split(cred, "/")
	if len(parts) == 5 {
		if acct, ok := testAccounts[parts[0]]; ok {
			auth.Principal = ferryaws.Principal{Type: ferryaws.PrincipalRoot, Account: acct, ARN: ferryaws.RootARN(acct), AccessKeyID: parts[0]}
			auth.Region = parts[2]
		}
	}
	return auth
}

// client returns an SDK client for an account's access key in a region.
func (ts *testServer) client(accessKey, region string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     region,
		BaseEndpoint:               aws.String(ts.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// mustCreateBucket creates a bucket in region with account A's client.
func (ts *testServer) mustCreateBucket(t *testing.T, c *s3.Client, bucket, region string) {
	t.Helper()
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(context.Background(), in); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
}
