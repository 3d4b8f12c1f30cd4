package s3api

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

const replicationBody = `<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
	`<Role>arn:aws:iam::111111111111:role/repl</Role><Rule><Priority>0</Priority><Filter></Filter><Status>Enabled</Status>` +
	`<Destination><Bucket>arn:aws:s3:::repl-dst</Bucket></Destination>` +
	`<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>`

// rawReplication sends a ?replication request as account A without the SDK.
func rawReplication(t *testing.T, ts *testServer, method, body string, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+"/repl-src?replication", strings.NewReader(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDACCOUNTA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func md5Header(body string) string {
	sum := md5.Sum([]byte(body))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestReplicationWire(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a := ts.client("AKIDACCOUNTA", "us-east-1")
	for _, b := range []string{"repl-src", "repl-dst"} {
		ts.mustCreateBucket(t, a, b, "us-east-1")
		if _, err := a.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}

	status, body := rawReplication(t, ts, http.MethodPut, replicationBody, nil)
	if status != 400 || !strings.Contains(body, "<Code>InvalidRequest</Code><Message>Missing required header for this request: Content-MD5</Message>") {
		t.Fatalf("no digest: %d %s", status, body)
	}
	status, body = rawReplication(t, ts, http.MethodPut, replicationBody, map[string]string{"Content-MD5": md5Header("other")})
	if status != 400 || !strings.Contains(body, "<Code>BadDigest</Code>") {
		t.Fatalf("wrong digest: %d %s", status, body)
	}
	status, body = rawReplication(t, ts, http.MethodPut, replicationBody, map[string]string{"Content-MD5": md5Header(replicationBody)})
	if status != 200 || body != "" {
		t.Fatalf("put: %d %s", status, body)
	}

	status, body = rawReplication(t, ts, http.MethodGet, "", nil)
	want := regexp.MustCompile(`^<\?xml version="1.0" encoding="UTF-8"\?>\n<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
		`<Role>arn:aws:iam::111111111111:role/repl</Role><Rule><ID>[A-Za-z0-9+/=]{48}</ID><Priority>0</Priority><Filter></Filter><Status>Enabled</Status>` +
		`<Destination><Bucket>arn:aws:s3:::repl-dst</Bucket></Destination>` +
		`<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>$`)
	if status != 200 || !want.MatchString(body) {
		t.Fatalf("get: %d %s", status, body)
	}

	for i := 0; i < 2; i++ {
		if status, body = rawReplication(t, ts, http.MethodDelete, "", nil); status != 204 {
			t.Fatalf("delete %d: %d %s", i, status, body)
		}
	}
	status, body = rawReplication(t, ts, http.MethodGet, "", nil)
	if status != 404 || !strings.Contains(body, "<Code>ReplicationConfigurationNotFoundError</Code><Message>The replication configuration was not found</Message><BucketName>repl-src</BucketName>") {
		t.Fatalf("get after delete: %d %s", status, body)
	}
}
