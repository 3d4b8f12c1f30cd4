package sigv4

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// presigned returns the server view of a URL presigned by the SDK.
func presigned(t testing.TB, method, target string, expires int, headers map[string]string) *http.Request {
	t.Helper()
	r := newClientRequest(t, method, target, nil, headers)
	q := r.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(expires))
	r.URL.RawQuery = q.Encode()
	creds := sdkaws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	u, hdr, err := signer.PresignHTTP(context.Background(), creds, r, unsignedPayload, "s3", testRegion, testTime)
	if err != nil {
		t.Fatal(err)
	}
	out := newClientRequest(t, method, u, nil, nil)
	for k, v := range hdr {
		if !strings.EqualFold(k, "Host") {
			out.Header[k] = v
		}
	}
	return toServer(t, out)
}

func TestPresigned(t *testing.T) {
	targets := []string{
		"http://s3.example.com/bucket/key",
		"http://s3.example.com/bucket/a%2Bb%20c~d%25e//f/%C3%BC",
		"http://s3.example.com/bucket/k?response-content-type=text%2Fplain&versionId=x%2By",
	}
	for _, target := range targets {
		v, _ := newVerifier()
		res, err := v.Verify(presigned(t, "GET", target, 3600, nil))
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if !res.Presigned || res.Principal.AccessKeyID != testAKID {
			t.Fatalf("%+v", res)
		}
	}
}

func TestPresignedSignedHeader(t *testing.T) {
	v, _ := newVerifier()
	r := presigned(t, "PUT", "http://s3.example.com/bucket/key", 60, map[string]string{"X-Amz-Meta-A": "b"})
	if _, err := v.Verify(r); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Meta-A", "c")
	wantCode(t, func() error { _, err := v.Verify(r); return err }(), "SignatureDoesNotMatch")
}

func TestPresignedErrors(t *testing.T) {
	base := "http://s3.example.com/bucket/key"
	tests := []struct {
		name    string
		expires int
		clock   time.Duration
		mutate  func(r *http.Request)
		code    string
		msg     string
	}{
		{name: "just valid", expires: 60, clock: 60 * time.Second},
		{name: "expired", expires: 60, clock: 61 * time.Second, code: "AccessDenied", msg: "Request has expired"},
		{name: "future", expires: 60, clock: -16 * time.Minute, code: "RequestTimeTooSkewed"},
		{name: "too long", expires: 604801, code: "AuthorizationQueryParametersError", msg: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{name: "a week", expires: 604800, clock: 604799 * time.Second},
		{name: "missing param", expires: 60, code: "AuthorizationQueryParametersError", mutate: func(r *http.Request) { delQuery(r, "X-Amz-SignedHeaders") }},
		{name: "tampered query", expires: 60, code: "SignatureDoesNotMatch", mutate: func(r *http.Request) { r.URL.RawQuery += "&x-id=GetObject" }},
		{name: "tampered expires", expires: 60, code: "SignatureDoesNotMatch", mutate: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=60", "X-Amz-Expires=61", 1)
		}},
		{name: "unsigned amz header", expires: 60, code: "AccessDenied", msg: "There were headers present in the request which were not signed", mutate: func(r *http.Request) {
			r.Header.Set("X-Amz-Meta-Z", "1")
			r.Header.Set("X-Amz-Acl", "public-read")
		}},
		{name: "bad credential", expires: 60, code: "AuthorizationQueryParametersError", mutate: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "aws4_request", "aws4", 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, clock := newVerifier()
			r := presigned(t, "GET", base, tt.expires, nil)
			if tt.mutate != nil {
				tt.mutate(r)
			}
			clock.Advance(tt.clock)
			_, err := v.Verify(r)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e := wantCode(t, err, tt.code)
			if tt.msg != "" && e.Message != tt.msg {
				t.Fatalf("message %q", e.Message)
			}
			if tt.name == "expired" && (e.Field("X-Amz-Expires") != "60" || e.Field("Expires") != "2026-03-14T15:10:26Z" || e.Field("ServerTime") != "2026-03-14T15:10:27Z") {
				t.Fatalf("fields %+v", e.Fields)
			}
			if tt.name == "unsigned amz header" && e.Field("HeadersNotSigned") != "x-amz-acl, x-amz-meta-z" {
				t.Fatalf("fields %+v", e.Fields)
			}
		})
	}
}

func delQuery(r *http.Request, key string) {
	q := r.URL.Query()
	q.Del(key)
	r.URL.RawQuery = q.Encode()
}
