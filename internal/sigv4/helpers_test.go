package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ferrystore/ferry/internal/aws"
)

const (
	testAKID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tempAKID   = "ASIAIOSFODNN7EXAMPLE"
	tempToken  = "FwoGZXIvYXdzEXAMPLETOKEN"
	testRegion = "us-east-1"
)

var testTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

var testPrincipal = aws.Principal{Type: aws.PrincipalRoot, Account: "123456789012", ARN: aws.RootARN("123456789012"), UserID: "123456789012"}

func testLookup(_ context.Context, akid string) (Credentials, error) {
	switch akid {
	case testAKID:
		return Credentials{AccessKeyID: akid, SecretAccessKey: testSecret, Principal: testPrincipal}, nil
	case tempAKID:
		return Credentials{AccessKeyID: akid, SecretAccessKey: testSecret, SessionToken: tempToken, Principal: testPrincipal}, nil
	}
	return Credentials{}, aws.ErrInvalidAccessKeyID(akid)
}

func newVerifier() (*Verifier, *aws.ManualClock) {
	clock := aws.NewManualClock(testTime)
	return &Verifier{Lookup: testLookup, Clock: clock}, clock
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// newClientRequest builds a request as a client would before signing.
func newClientRequest(t testing.TB, method, target string, body []byte, headers map[string]string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// sdkSign signs r with the SDK's signer the way the S3 client does.
func sdkSign(t testing.TB, r *http.Request, akid, secret, token, service string, body []byte, at time.Time) {
	t.Helper()
	payload := sha256Hex(body)
	if service == "s3" {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	}
	creds := sdkaws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), creds, r, payload, service, testRegion, at); err != nil {
		t.Fatal(err)
	}
}

// toServer sends r through the HTTP/1.1 wire format and parses it back as a
// server would see it.
func toServer(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatal(err)
	}
	return parseWire(t, wire.Bytes())
}

func parseWire(t testing.TB, wire []byte) *http.Request {
	t.Helper()
	sr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		t.Fatalf("ReadRequest: %v\n%s", err, wire)
	}
	return sr
}

func wantCode(t testing.TB, err error, code string) *aws.Error {
	t.Helper()
	e, ok := aws.As(err)
	if !ok || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	return e
}

func readBody(t testing.TB, res *Result) ([]byte, error) {
	t.Helper()
	defer res.Body.Close()
	return io.ReadAll(res.Body)
}

func mustContain(t testing.TB, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
