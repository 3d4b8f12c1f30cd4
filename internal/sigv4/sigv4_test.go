package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ferrystore/ferry/internal/aws"
)

type signCase struct {
	name    string
	method  string
	target  string
	body    []byte
	headers map[string]string
	service string
}

var signCases = []signCase{
	{name: "list buckets", method: "GET", target: "http://s3.example.com/"},
	{name: "put object", method: "PUT", target: "http://s3.example.com/bucket/key.txt", body: []byte("hello world"),
		headers: map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Note": "  a   b  ", "Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww=="}},
	{name: "key with specials", method: "PUT", target: "http://s3.example.com/bucket/a%2Bb%20c~d%25e//f/%C3%BC%21", body: []byte("x")},
	{name: "key with plus", method: "GET", target: "http://s3.example.com/bucket/a+b"},
	{name: "list with query", method: "GET", target: "http://s3.example.com/bucket?list-type=2&prefix=a%20b%2Bc&delimiter=%2F&start-after=%7E%E2%82%AC&max-keys=10"},
	{name: "query without value", method: "GET", target: "http://s3.example.com/bucket?versioning"},
	{name: "repeated query keys", method: "GET", target: "http://s3.example.com/bucket?b=2&a=2&a=1&c="},
	{name: "delete with port", method: "DELETE", target: "http://s3.example.com:9000/bucket/k?versionId=3%2B4"},
	{name: "post delete objects", method: "POST", target: "http://bucket.s3.example.com/?delete", body: []byte("<Delete/>")},
	{name: "empty put", method: "PUT", target: "http://s3.example.com/bucket/empty", body: []byte{}},
	{name: "sts form", method: "POST", target: "https://sts.amazonaws.com/", service: "sts", body: []byte("Action=GetCallerIdentity&Version=2011-06-15"),
		headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
	{name: "kms path", method: "POST", target: "https://kms.us-east-1.amazonaws.com/a%20b/c~d", service: "kms", body: []byte("{}")},
	{name: "iam form", method: "POST", target: "https://iam.amazonaws.com/", service: "iam", body: []byte("Action=ListUsers&Version=2010-05-08")},
}

func (c signCase) svc() string {
	if c.service == "" {
		return "s3"
	}
	return c.service
}

func (c signCase) signed(t *testing.T, mutate func(*http.Request)) *http.Request {
	r := newClientRequest(t, c.method, c.target, c.body, c.headers)
	sdkSign(t, r, testAKID, testSecret, "", c.svc(), c.body, testTime)
	if mutate != nil {
		mutate(r)
	}
	return toServer(t, r)
}

func TestVerifySDKSignedRequests(t *testing.T) {
	for _, c := range signCases {
		t.Run(c.name, func(t *testing.T) {
			v, _ := newVerifier()
			res, err := v.Verify(c.signed(t, nil))
			if err != nil {
				t.Fatal(err)
			}
			if res.Principal.ARN != testPrincipal.ARN || res.Principal.AccessKeyID != testAKID || res.Region != testRegion || res.Service != c.svc() || res.Presigned {
				t.Fatalf("bad result %+v", res)
			}
			got, err := readBody(t, res)
			if err != nil || !bytes.Equal(got, c.body) {
				t.Fatalf("body %q %v", got, err)
			}
		})
	}
}

func TestVerifyTampered(t *testing.T) {
	tamper := map[string]func(*http.Request){
		"path": func(r *http.Request) {
			r.URL.RawPath = ""
			r.URL.Path += "x"
		},
		"query":     func(r *http.Request) { r.URL.RawQuery += "&extra=1" },
		"host":      func(r *http.Request) { r.Host = "evil.example.com" },
		"method":    func(r *http.Request) { r.Method = "PATCH" },
		"date":      func(r *http.Request) { r.Header.Set("X-Amz-Date", testTime.Add(time.Second).Format(amzDateFormat)) },
		"sha256":    func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") },
		"signature": func(r *http.Request) { flipSignature(r) },
	}
	for _, c := range signCases[:5] {
		for name, fn := range tamper {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				v, _ := newVerifier()
				_, err := v.Verify(c.signed(t, fn))
				wantCode(t, err, "SignatureDoesNotMatch")
			})
		}
	}
}

func flipSignature(r *http.Request) {
	auth := r.Header.Get("Authorization")
	last := auth[len(auth)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	r.Header.Set("Authorization", auth[:len(auth)-1]+string(repl))
}

func TestSignatureMismatchDetails(t *testing.T) {
	c := signCases[1]
	r := newClientRequest(t, c.method, c.target, c.body, c.headers)
	sdkSign(t, r, testAKID, "wrong-secret", "", "s3", c.body, testTime)
	v, _ := newVerifier()
	_, err := v.Verify(toServer(t, r))
	e := wantCode(t, err, "SignatureDoesNotMatch")
	if e.Status != 403 || e.Field("AWSAccessKeyId") != testAKID {
		t.Fatalf("bad error %+v", e)
	}
	mustContain(t, e.Field("StringToSign"), "AWS4-HMAC-SHA256\n20260314T150926Z\n20260314/us-east-1/s3/aws4_request\n")
	mustContain(t, e.Field("CanonicalRequest"), "PUT\n/bucket/key.txt\n\n")
	mustContain(t, e.Field("CanonicalRequest"), "x-amz-meta-note:a b\n")
}

func TestVerifyErrors(t *testing.T) {
	good := func(t *testing.T) *http.Request { return signCases[1].signed(t, nil) }
	tests := []struct {
		name  string
		req   func(t *testing.T) *http.Request
		clock time.Duration
		code  string
		msg   string
	}{
		{name: "unknown key", code: "InvalidAccessKeyId", req: func(t *testing.T) *http.Request {
			r := newClientRequest(t, "GET", "http://s3.example.com/b", nil, nil)
			sdkSign(t, r, "AKIDUNKNOWN", testSecret, "", "s3", nil, testTime)
			return toServer(t, r)
		}},
		{name: "clock ahead", req: good, clock: 16 * time.Minute, code: "RequestTimeTooSkewed"},
		{name: "clock behind", req: good, clock: -16 * time.Minute, code: "RequestTimeTooSkewed"},
		{name: "within skew", req: good, clock: 14 * time.Minute},
		{name: "sigv2", code: "InvalidRequest", msg: aws.ErrUnsupportedAuth().Message, req: func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set("Authorization", "AWS "+testAKID+":frJIUN8DYpKDtOLCwo//yllqDzg=")
			return r
		}},
		{name: "missing signature", code: "AuthorizationHeaderMalformed", req: func(t *testing.T) *http.Request {
			r := good(t)
			auth := r.Header.Get("Authorization")
			r.Header.Set("Authorization", auth[:strings.LastIndex(auth, ",")])
			return r
		}},
		{name: "malformed credential", code: "AuthorizationHeaderMalformed", msg: aws.ErrCredentialMalformed().Message, req: func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "/aws5_request", 1))
			return r
		}},
		{name: "credential date", code: "AuthorizationHeaderMalformed", msg: aws.ErrCredentialDateMismatch().Message, req: func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20260314/", "/20260313/", 1))
			return r
		}},
		{name: "no date", code: "AccessDenied", req: func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Del("X-Amz-Date")
			return r
		}},
		{name: "missing content sha", code: "InvalidRequest", req: func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Del("X-Amz-Content-Sha256")
			return r
		}},
		{name: "bad content sha", code: "InvalidArgument", req: func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set("X-Amz-Content-Sha256", "nope")
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, clock := newVerifier()
			clock.Advance(tt.clock)
			_, err := v.Verify(tt.req(t))
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
		})
	}
}

func TestSkewErrorFields(t *testing.T) {
	v, clock := newVerifier()
	clock.Advance(time.Hour)
	_, err := v.Verify(signCases[0].signed(t, nil))
	e := wantCode(t, err, "RequestTimeTooSkewed")
	if e.Field("RequestTime") != "20260314T150926Z" || e.Field("ServerTime") != "2026-03-14T16:09:26Z" {
		t.Fatalf("fields %+v", e.Fields)
	}
}

func TestDateHeaderInsteadOfAmzDate(t *testing.T) {
	r := signCases[0].signed(t, nil)
	r.Header.Del("X-Amz-Date")
	r.Header.Set("Date", testTime.Format(http.TimeFormat))
	a, err := parseAuth(r)
	if err != nil || a.amzDate != "20260314T150926Z" || a.sentDate != testTime.Format(http.TimeFormat) {
		t.Fatalf("%v %+v", err, a)
	}
}

func TestAuthorizationHeaderSpacing(t *testing.T) {
	r := signCases[1].signed(t, nil)
	r.Header.Set("Authorization", strings.ReplaceAll(r.Header.Get("Authorization"), ", ", ","))
	v, _ := newVerifier()
	if _, err := v.Verify(r); err != nil {
		t.Fatal(err)
	}
}

func TestSessionToken(t *testing.T) {
	for _, tt := range []struct {
		token string
		code  string
		akid  string
	}{
		{tempToken, "", tempAKID},
		{"other", "InvalidToken", tempAKID},
		{"", "InvalidAccessKeyId", tempAKID},  // a temporary key without its token is unknown to S3
		{tempToken, "InvalidToken", testAKID}, // a long-term key takes no token
	} {
		r := newClientRequest(t, "GET", "http://s3.example.com/bucket", nil, nil)
		sdkSign(t, r, tt.akid, testSecret, tt.token, "s3", nil, testTime)
		v, _ := newVerifier()
		res, err := v.Verify(toServer(t, r))
		if tt.code != "" {
			wantCode(t, err, tt.code)
			continue
		}
		if err != nil || res.Principal.SessionToken != tempToken {
			t.Fatalf("token %q: %v %+v", tt.token, err, res)
		}
	}
}

func TestPayloadHashMismatch(t *testing.T) {
	r := newClientRequest(t, "PUT", "http://s3.example.com/bucket/k", []byte("abc"), nil)
	sdkSign(t, r, testAKID, testSecret, "", "s3", []byte("abc"), testTime)
	sr := toServer(t, r)
	sr.Body = io.NopCloser(strings.NewReader("abd"))
	v, _ := newVerifier()
	res, err := v.Verify(sr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readBody(t, res)
	e := wantCode(t, err, "XAmzContentSHA256Mismatch")
	if e.Field("ClientComputedContentSHA256") != sha256Hex([]byte("abc")) || e.Field("S3ComputedContentSHA256") != sha256Hex([]byte("abd")) {
		t.Fatalf("fields %+v", e.Fields)
	}
}

func TestGetWithNonEmptyHashIsFine(t *testing.T) {
	r := newClientRequest(t, "GET", "http://s3.example.com/bucket/k", nil, nil)
	r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte("something")))
	creds := sdkaws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), creds, r, sha256Hex([]byte("something")), "s3", testRegion, testTime); err != nil {
		t.Fatal(err)
	}
	v, _ := newVerifier()
	res, err := v.Verify(toServer(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readBody(t, res); err != nil {
		t.Fatal(err)
	}
}

func TestAnonymous(t *testing.T) {
	r := toServer(t, newClientRequest(t, "PUT", "http://s3.example.com/bucket/k", []byte("data"), nil))
	v, _ := newVerifier()
	res, err := v.Verify(r)
	if err != nil || !res.Principal.IsAnonymous() || res.Region != "" || res.DecodedLength != 4 {
		t.Fatalf("%v %+v", err, res)
	}
	if got, _ := readBody(t, res); string(got) != "data" {
		t.Fatalf("body %q", got)
	}
}

func TestParseScope(t *testing.T) {
	r := signCases[1].signed(t, nil)
	akid, date, region, service, ok := ParseScope(r)
	if !ok || akid != testAKID || date != "20260314" || region != testRegion || service != "s3" {
		t.Fatalf("%s %s %s %s %v", akid, date, region, service, ok)
	}
	p := presigned(t, "GET", "http://s3.example.com/b/k", 60, nil)
	if _, _, region, _, ok := ParseScope(p); !ok || region != testRegion {
		t.Fatal("presigned scope")
	}
	if _, _, _, _, ok := ParseScope(toServer(t, newClientRequest(t, "GET", "http://s3.example.com/", nil, nil))); ok {
		t.Fatal("anonymous request has a scope")
	}
}

func TestSigningKeyCacheBounded(t *testing.T) {
	v, _ := newVerifier()
	for i := 0; i < maxCachedKeys+10; i++ {
		v.signingKey("s", "20260314", "r"+url.PathEscape(string(rune('a'+i%26)))+strings.Repeat("x", i%50), "s3")
	}
	if len(v.keys) > maxCachedKeys {
		t.Fatalf("cache grew to %d", len(v.keys))
	}
	if !bytes.Equal(v.signingKey(testSecret, "20260314", "us-east-1", "s3"), deriveKey(testSecret, "20260314", "us-east-1", "s3")) {
		t.Fatal("cached key differs")
	}
}
