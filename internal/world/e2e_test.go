package world

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ferrystore/ferry/internal/iam"
)

// env is one in-process Ferry with its two bootstrap accounts.
type env struct {
	t      *testing.T
	dir    string
	w      *World
	srv    *httptest.Server
	keys   map[string]iam.AccessKey // by account name
	tls    bool
	ctx    context.Context
	client map[string]*s3.Client
}

func startEnv(t *testing.T, dir string, useTLS bool) *env {
	t.Helper()
	return startEnvWith(t, Config{DataDir: dir}, useTLS)
}

// startEnvWith starts a bootstrapped world built from cfg (quiet logs and
// the test domain filled in) behind an HTTP or HTTPS test server.
func startEnvWith(t *testing.T, cfg Config, useTLS bool) *env {
	t.Helper()
	dir := cfg.DataDir
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Domains = []string{"s3.test"}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, w: w, tls: useTLS, ctx: context.Background(), keys: map[string]iam.AccessKey{}, client: map[string]*s3.Client{}}
	if useTLS {
		e.srv = httptest.NewTLSServer(w.HTTP)
	} else {
		e.srv = httptest.NewServer(w.HTTP)
	}
	accts, err := w.IAM.Accounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		k, err := w.IAM.RootKey(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.keys[a.Name] = k
	}
	return e
}

func (e *env) stop() {
	e.srv.Close()
	if err := e.w.Close(); err != nil {
		e.t.Fatal(err)
	}
}

// s3 returns a client for an account in a region; checksums are computed
// whenever supported, so TLS requests carry aws-chunked trailers.
func (e *env) s3(account, region string, mutate ...func(*s3.Options)) *s3.Client {
	k := e.keys[account]
	opts := s3.Options{
		Region:                     region,
		BaseEndpoint:               aws.String(e.srv.URL),
		UsePathStyle:               true,
		HTTPClient:                 e.srv.Client(),
		Credentials:                credentials.NewStaticCredentialsProvider(k.ID, k.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	for _, m := range mutate {
		m(&opts)
	}
	return s3.New(opts)
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEndToEnd(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := "http"
		if useTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) { runEndToEnd(t, useTLS) })
	}
}

func runEndToEnd(t *testing.T, useTLS bool) {
	dir := t.TempDir()
	e := startEnv(t, dir, useTLS)
	a := e.s3("a", "us-east-1")
	b := e.s3("b", "us-west-2")
	ctx := e.ctx

	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("e2e-src")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("e2e-dst"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-west-2"}}); err != nil {
		t.Fatal(err)
	}
	small := []byte("hello, ferry")
	big := randomBytes(t, 3<<20)
	for key, body := range map[string][]byte{"small.txt": small, "dir/big.bin": big} {
		out, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("e2e-src"), Key: aws.String(key), Body: bytes.NewReader(body),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c})
		if err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		if out.ChecksumCRC32C == nil {
			t.Errorf("put %s: no CRC32C echoed", key)
		}
		got, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-src"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		data, err := io.ReadAll(got.Body)
		got.Body.Close()
		if err != nil || !bytes.Equal(data, body) {
			t.Fatalf("get %s: %d bytes, err %v", key, len(data), err)
		}
	}

	// Cross-account and wrong-region answers.
	if _, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-src"), Key: aws.String("small.txt")}, func(o *s3.Options) { o.Region = "us-east-1" }); code(err) != "AccessDenied" {
		t.Errorf("cross-account get: %v", err)
	}
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-src"), Key: aws.String("small.txt")}, func(o *s3.Options) { o.Region = "eu-west-1" }); code(err) != "AuthorizationHeaderMalformed" {
		t.Errorf("wrong region: %v", err)
	}

	// Authentication failures.
	bad := e.s3("a", "us-east-1", func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(e.keys["a"].ID, "wrong-secret", "")
	})
	if _, err := bad.ListBuckets(ctx, &s3.ListBucketsInput{}); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("bad secret: %v", err)
	}
	unknown := e.s3("a", "us-east-1", func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWNUNKNOWN00", "x", "")
	})
	if _, err := unknown.ListBuckets(ctx, &s3.ListBucketsInput{}); code(err) != "InvalidAccessKeyId" {
		t.Errorf("unknown key: %v", err)
	}

	// Presigned GET with a plain HTTP client.
	ps, err := s3.NewPresignClient(a).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-src"), Key: aws.String("small.txt")}, s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Get(ps.URL)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(data, small) {
		t.Fatalf("presigned get: %d %q", resp.StatusCode, data)
	}
	resp, err = e.srv.Client().Get(strings.Replace(ps.URL, "small.txt", "small.txT", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("tampered presigned get: %d", resp.StatusCode)
	}

	// Anonymous requests are denied, and every response carries request ids.
	resp, err = e.srv.Client().Get(e.srv.URL + "/e2e-src/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("x-amz-request-id") == "" || resp.Header.Get("x-amz-id-2") == "" {
		t.Fatalf("anonymous get: %d %v", resp.StatusCode, resp.Header)
	}

	// A restart keeps everything.
	sum := sha256.Sum256(big)
	e.stop()
	e = startEnv(t, dir, useTLS)
	defer e.stop()
	a = e.s3("a", "us-east-1")
	got, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-src"), Key: aws.String("dir/big.bin")})
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	data, _ = io.ReadAll(got.Body)
	got.Body.Close()
	if sha256.Sum256(data) != sum {
		t.Fatal("after restart: content differs")
	}
}

// TestVirtualHostedStyle reaches buckets as bucket.s3.test with no DNS.
func TestVirtualHostedStyle(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	addr := e.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	httpClient := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	c := e.s3("a", "us-east-1", func(o *s3.Options) {
		o.BaseEndpoint = aws.String("http://s3.test:" + port)
		o.UsePathStyle = false
		o.HTTPClient = httpClient
	})
	ctx := e.ctx
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("a/b c"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost-bucket")})
	if err != nil || len(out.Contents) != 1 || *out.Contents[0].Key != "a/b c" {
		t.Fatalf("list: %+v %v", out, err)
	}
}
