package s3api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	ferryaws "github.com/ferrystore/ferry/internal/aws"
)

// ferryCode is the code of an *aws.Error a handler step returned.
func ferryCode(err error) string {
	if e, ok := ferryaws.As(err); ok {
		return e.Code
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// TestObjectLockWire drives Object Lock through the SDK: the bucket,
// its configuration, the lock headers of PutObject and GET/HEAD, the
// retention and legal hold operations and the protection of versions.
func TestObjectLockWire(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	c := ts.client("AKIDACCOUNTA", "us-east-1")
	bucket := aws.String("locked")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket, ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	ver, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
	if err != nil || ver.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning of a lock bucket: %+v %v", ver, err)
	}
	cfg, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: bucket})
	if err != nil || cfg.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled || cfg.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("initial configuration: %+v %v", cfg, err)
	}
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: bucket, ObjectLockConfiguration: &types.ObjectLockConfiguration{
		ObjectLockEnabled: types.ObjectLockEnabledEnabled,
		Rule:              &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: bucket})
	if err != nil || aws.ToInt32(cfg.ObjectLockConfiguration.Rule.DefaultRetention.Days) != 1 {
		t.Fatalf("configuration with default: %+v %v", cfg, err)
	}

	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	lockedPut := &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader("data"),
		ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: &until, ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn}
	if _, err := c.PutObject(ctx, lockedPut); apiCode(err) != "InvalidRequest" ||
		apiMessage(err) != "Content-MD5 HTTP header is required for Put Object requests with Object Lock parameters" {
		t.Fatalf("lock headers without a digest: %v", err)
	}
	lockedPut.Body, lockedPut.ChecksumAlgorithm = strings.NewReader("data"), types.ChecksumAlgorithmCrc32
	put, err := c.PutObject(ctx, lockedPut)
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("k")})
	if err != nil || head.ObjectLockMode != types.ObjectLockModeCompliance || !aws.ToTime(head.ObjectLockRetainUntilDate).Equal(until) ||
		head.ObjectLockLegalHoldStatus != types.ObjectLockLegalHoldStatusOn {
		t.Fatalf("HEAD lock headers: %+v %v", head, err)
	}
	ret, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: bucket, Key: aws.String("k"), VersionId: put.VersionId})
	if err != nil || ret.Retention.Mode != types.ObjectLockRetentionModeCompliance || !aws.ToTime(ret.Retention.RetainUntilDate).Equal(until) {
		t.Fatalf("GetObjectRetention: %+v %v", ret, err)
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: put.VersionId, BypassGovernanceRetention: aws.Bool(true)})
	if apiCode(err) != "AccessDenied" || apiMessage(err) != "Access Denied because object protected by object lock." {
		t.Fatalf("delete a COMPLIANCE version: %v", err)
	}
	if _, err := c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: bucket, Key: aws.String("k"),
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}}); err != nil {
		t.Fatal(err)
	}
	hold, err := c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: bucket, Key: aws.String("k")})
	if err != nil || hold.LegalHold.Status != types.ObjectLockLegalHoldStatusOff {
		t.Fatalf("GetObjectLegalHold: %+v %v", hold, err)
	}

	// The bucket's default applies to a plain write; GOVERNANCE yields to
	// the bypass header.
	plain, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("d"), Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
	ret, err = c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: bucket, Key: aws.String("d")})
	if err != nil || ret.Retention.Mode != types.ObjectLockRetentionModeGovernance {
		t.Fatalf("default retention: %+v %v", ret, err)
	}
	_, err = c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: bucket, Key: aws.String("d"),
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(time.Minute))}})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("shorten GOVERNANCE without bypass: %v", err)
	}
	del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("d"), VersionId: plain.VersionId}}}})
	if err != nil || len(del.Errors) != 1 || aws.ToString(del.Errors[0].Code) != "AccessDenied" {
		t.Fatalf("DeleteObjects of a GOVERNANCE version: %+v %v", del, err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("d"), VersionId: plain.VersionId,
		BypassGovernanceRetention: aws.Bool(true)}); err != nil {
		t.Fatalf("delete with bypass: %v", err)
	}

	// Errors of buckets without Object Lock.
	ts.mustCreateBucket(t, c, "plain", "us-east-1")
	if _, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("plain")}); apiCode(err) != "ObjectLockConfigurationNotFoundError" {
		t.Fatalf("configuration of a plain bucket: %v", err)
	}
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("plain"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}})
	if apiCode(err) != "InvalidBucketState" {
		t.Fatalf("lock on an unversioned bucket: %v", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("plain"), Key: aws.String("x"), BypassGovernanceRetention: aws.Bool(true)}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("bypass on a plain bucket: %v", err)
	}
}

func TestParseDefaultRetention(t *testing.T) {
	n := func(s string) *string { return &s }
	tests := []struct {
		name string
		doc  objectLockConfiguration
		want string // "Mode/Days/Years", "nil", or the error code
	}{
		{"enabled without rule", objectLockConfiguration{ObjectLockEnabled: "Enabled"}, "nil"},
		{"days", objectLockConfiguration{ObjectLockEnabled: "Enabled", Rule: &objectLockRule{&defaultRetentionXML{Mode: "GOVERNANCE", Days: n("3")}}}, "GOVERNANCE/3/0"},
		{"years", objectLockConfiguration{ObjectLockEnabled: "Enabled", Rule: &objectLockRule{&defaultRetentionXML{Mode: "COMPLIANCE", Years: n(" 2 ")}}}, "COMPLIANCE/0/2"},
		{"not enabled", objectLockConfiguration{}, "MalformedXML"},
		{"rule without retention", objectLockConfiguration{ObjectLockEnabled: "Enabled", Rule: &objectLockRule{}}, "MalformedXML"},
		{"days not a number", objectLockConfiguration{ObjectLockEnabled: "Enabled", Rule: &objectLockRule{&defaultRetentionXML{Mode: "GOVERNANCE", Days: n("x")}}}, "MalformedXML"},
		{"zero days", objectLockConfiguration{ObjectLockEnabled: "Enabled", Rule: &objectLockRule{&defaultRetentionXML{Mode: "GOVERNANCE", Days: n("0")}}}, "InvalidArgument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parseDefaultRetention(tc.doc)
			got := "nil"
			switch {
			case err != nil:
				got = ferryCode(err)
			case d != nil:
				got = d.Mode + "/" + strconv.Itoa(d.Days) + "/" + strconv.Itoa(d.Years)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s (err %v)", got, tc.want, err)
			}
		})
	}
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		name string
		doc  retentionXML
		want string // mode and date, "nil" for removal, or the error code
	}{
		{"retention", retentionXML{Mode: "GOVERNANCE", RetainUntilDate: "2030-01-02T03:04:05.000Z"}, "GOVERNANCE 2030-01-02T03:04:05Z"},
		{"removal", retentionXML{}, "nil"},
		{"mode only", retentionXML{Mode: "GOVERNANCE"}, "MalformedXML"},
		{"date only", retentionXML{RetainUntilDate: "2030-01-02T03:04:05Z"}, "MalformedXML"},
		{"bad date", retentionXML{Mode: "GOVERNANCE", RetainUntilDate: "tomorrow"}, "MalformedXML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseRetention(tc.doc)
			got := "nil"
			switch {
			case err != nil:
				got = ferryCode(err)
			case r != nil:
				got = r.Mode + " " + r.Until.Format(time.RFC3339)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s (err %v)", got, tc.want, err)
			}
		})
	}
}

// The Put operations of Object Lock need a body digest, as the model's
// requestChecksumRequired says.
func TestObjectLockPutsNeedADigest(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client("AKIDACCOUNTA", "us-east-1")
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("locked"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/locked?object-lock", "/locked/k?retention", "/locked/k?legal-hold"} {
		req, _ := http.NewRequest(http.MethodPut, ts.URL+path, strings.NewReader("<x/>"))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDACCOUNTA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "<Message>Missing required header for this request: Content-MD5</Message>") {
			t.Fatalf("PUT %s without a digest: %d %s", path, resp.StatusCode, body)
		}
	}
}
