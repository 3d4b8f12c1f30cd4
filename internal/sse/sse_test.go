package sse

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/meta"
)

const region = "us-east-1"

var (
	ctx   = context.Background()
	alice = principal("111111111111")
	bob   = principal("222222222222")
)

func principal(account string) aws.Principal {
	a := aws.AccountID(account)
	return aws.Principal{Type: aws.PrincipalRoot, Account: a, ARN: aws.RootARN(a), UserID: account}
}

// countingKMS counts the KMS calls that do cryptography.
type countingKMS struct {
	*kms.Service
	generate, decrypt, check atomic.Int64
}

func (c *countingKMS) GenerateDataKey(ctx context.Context, p aws.Principal, region, keyRef string, spec kms.DataKeySpec, ec kms.EncryptionContext) (kms.DataKeyOutput, error) {
	c.generate.Add(1)
	return c.Service.GenerateDataKey(ctx, p, region, keyRef, spec, ec)
}

func (c *countingKMS) Decrypt(ctx context.Context, p aws.Principal, region string, blob []byte, ec kms.EncryptionContext, keyRef string) (kms.DecryptOutput, error) {
	c.decrypt.Add(1)
	return c.Service.Decrypt(ctx, p, region, blob, ec, keyRef)
}

func (c *countingKMS) CheckKey(ctx context.Context, p aws.Principal, region, keyRef, action string, ec kms.EncryptionContext) (*kms.Key, error) {
	c.check.Add(1)
	return c.Service.CheckKey(ctx, p, region, keyRef, action, ec)
}

type fixture struct {
	sse   *Service
	kms   *countingKMS
	clock *aws.ManualClock
	store meta.Store
	root  *keyring.Key
}

func newFixture(t testing.TB, store meta.Store, dataDir string) *fixture {
	t.Helper()
	root, err := keyring.Open(store, keyring.Options{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	k := &countingKMS{Service: kms.New(kms.Config{Store: store, Root: root, Clock: clock})}
	return &fixture{sse: New(Config{KMS: k, Root: root, Store: store, Clock: clock}), kms: k, clock: clock, store: store, root: root}
}

// reopen builds a fresh sse.Service (cold caches) over the same store.
func (f *fixture) reopen() *Service {
	return New(Config{KMS: f.kms, Root: f.root, Store: f.store, Clock: f.clock})
}

func testCustomerKey(t testing.TB, seed byte) (*CustomerKey, http.Header) {
	t.Helper()
	raw := bytes.Repeat([]byte{seed}, 32)
	sum := md5.Sum(raw)
	h := http.Header{}
	h.Set(hdrCAlgorithm, "AES256")
	h.Set(hdrCKey, base64.StdEncoding.EncodeToString(raw))
	h.Set(hdrCKeyMD5, base64.StdEncoding.EncodeToString(sum[:]))
	ck, err := CustomerKeyFromHeaders(h)
	if err != nil {
		t.Fatal(err)
	}
	return ck, h
}

// put encrypts pt as obj and returns the stored bytes and envelope.
func (f *fixture) put(t testing.TB, p aws.Principal, obj Object, req Request, pt []byte) ([]byte, *Envelope) {
	t.Helper()
	key, env, err := f.sse.NewObject(ctx, p, region, obj, req)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := key.Object().EncryptReader(bytes.NewReader(pt))
	ct, _ := io.ReadAll(r)
	return ct, env
}

// get opens and decrypts a stored object.
func get(svc *Service, p aws.Principal, obj Object, env *Envelope, ck *CustomerKey, ct []byte, size int64) ([]byte, error) {
	key, err := svc.OpenObject(ctx, p, region, obj, env, ck)
	if err != nil {
		return nil, err
	}
	r, err := key.Object().DecryptRange(bytes.NewReader(ct), size, 0, size)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	e, ok := aws.As(err)
	if !ok || e.Code != code || e.Status != status {
		t.Fatalf("err = %v, want %s (%d)", err, code, status)
	}
}

func TestModesRoundTrip(t *testing.T) {
	f := newFixture(t, meta.NewMemory(), t.TempDir())
	k, _ := f.kms.CreateKey(ctx, alice, region, kms.CreateKeyInput{})
	ck, _ := testCustomerKey(t, 7)
	obj := Object{Bucket: "b", Key: "dir/k"}
	pt := randomBytes(2*PackageSize + 5)
	tests := []struct {
		name string
		req  Request
		ck   *CustomerKey
		hdr  string
	}{
		{"SSE-S3", Request{Mode: ModeS3}, nil, "AES256"},
		{"SSE-KMS aws/s3", Request{Mode: ModeKMS}, nil, "aws:kms"},
		{"SSE-KMS customer key", Request{Mode: ModeKMS, KMSKeyID: k.ID, Context: kms.EncryptionContext{"team": "a"}}, nil, "aws:kms"},
		{"SSE-KMS bucket key", Request{Mode: ModeKMS, KMSKeyID: "alias/none-needed", BucketKey: true}, nil, "aws:kms"},
		{"SSE-C", Request{Mode: ModeC, Customer: ck}, ck, ""},
	}
	f.kms.CreateAlias(ctx, alice, region, "alias/none-needed", k.ID)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, env := f.put(t, alice, obj, tc.req, pt)
			if bytes.Contains(ct, pt[:64]) {
				t.Fatal("stored bytes contain plaintext")
			}
			for name, svc := range map[string]*Service{"warm": f.sse, "cold": f.reopen()} {
				got, err := get(svc, alice, obj, env, tc.ck, ct, int64(len(pt)))
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("%s read: %v", name, err)
				}
			}
			if got := env.Headers().Get("x-amz-server-side-encryption"); got != tc.hdr {
				t.Fatalf("sse header %q, want %q", got, tc.hdr)
			}
			// The envelope is bound to its object.
			other := Object{Bucket: "b", Key: "dir/other"}
			if _, err := f.sse.OpenObject(ctx, alice, region, other, env, tc.ck); err == nil {
				t.Fatal("an envelope opened for another object")
			}
		})
	}
}

func TestKMSContext(t *testing.T) {
	f := newFixture(t, meta.NewMemory(), t.TempDir())
	k, _ := f.kms.CreateKey(ctx, alice, region, kms.CreateKeyInput{})
	obj := Object{Bucket: "b", Key: "k"}
	_, env := f.put(t, alice, obj, Request{Mode: ModeKMS, KMSKeyID: k.ARN}, []byte("x"))
	if env.Context["aws:s3:arn"] != "arn:aws:s3:::b/k" || env.KMSKeyARN != k.ARN {
		t.Fatalf("object context %v", env.Context)
	}
	// The data key blob decrypts only with the object ARN as context.
	if _, err := f.kms.Service.Decrypt(ctx, alice, region, env.DataKey, kms.EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b"}, ""); !aws.IsCode(err, "InvalidCiphertextException") {
		t.Fatalf("decrypt with bucket ARN: %v", err)
	}
	if _, err := f.kms.Service.Decrypt(ctx, alice, region, env.DataKey, env.Context, ""); err != nil {
		t.Fatal(err)
	}
	_, benv := f.put(t, alice, obj, Request{Mode: ModeKMS, KMSKeyID: k.ARN, BucketKey: true}, []byte("x"))
	if benv.Context["aws:s3:arn"] != "arn:aws:s3:::b" || !benv.BucketKey {
		t.Fatalf("bucket key context %v", benv.Context)
	}
	// A tampered stored context is InvalidCiphertext, as S3 reports it.
	bad := *env
	bad.Context = kms.EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b/k", "x": "y"}
	_, err := f.sse.OpenObject(ctx, alice, region, obj, &bad, nil)
	wantCode(t, err, "KMS.InvalidCiphertextException", 400)
}

func TestKMSErrorsThroughS3(t *testing.T) {
	f := newFixture(t, meta.NewMemory(), t.TempDir())
	k, _ := f.kms.CreateKey(ctx, alice, region, kms.CreateKeyInput{})
	obj := Object{Bucket: "b", Key: "k"}
	for _, bucketKey := range []bool{false, true} {
		req := Request{Mode: ModeKMS, KMSKeyID: k.ID, BucketKey: bucketKey}
		ct, env := f.put(t, alice, obj, req, []byte("data"))
		// Another account may not use the key (by ARN; a bare id is not found).
		_, _, err := f.sse.NewObject(ctx, bob, region, obj, Request{Mode: ModeKMS, KMSKeyID: k.ARN, BucketKey: bucketKey})
		wantCode(t, err, "AccessDenied", 403)
		_, _, err = f.sse.NewObject(ctx, bob, region, obj, Request{Mode: ModeKMS, KMSKeyID: k.ID})
		wantCode(t, err, "KMS.NotFoundException", 400)
		_, err = get(f.sse, bob, obj, env, nil, ct, 4)
		wantCode(t, err, "AccessDenied", 403)
		// A disabled key fails writes and reads, cached Bucket Key or not.
		f.kms.DisableKey(ctx, alice, region, k.ID)
		_, _, err = f.sse.NewObject(ctx, alice, region, obj, req)
		wantCode(t, err, "KMS.DisabledException", 400)
		_, err = get(f.sse, alice, obj, env, nil, ct, 4)
		wantCode(t, err, "KMS.DisabledException", 400)
		f.kms.EnableKey(ctx, alice, region, k.ID)
		if _, err := get(f.sse, alice, obj, env, nil, ct, 4); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := f.sse.NewObject(ctx, alice, region, obj, Request{Mode: ModeKMS, KMSKeyID: "fake-key-id"})
	wantCode(t, err, "KMS.NotFoundException", 400)
	// Pending deletion.
	ct, env := f.put(t, alice, obj, Request{Mode: ModeKMS, KMSKeyID: k.ID}, []byte("data"))
	f.kms.ScheduleKeyDeletion(ctx, alice, region, k.ID, 7)
	_, err = get(f.sse, alice, obj, env, nil, ct, 4)
	wantCode(t, err, "KMS.KMSInvalidStateException", 400)
}

func TestBucketKeySavesKMSCalls(t *testing.T) {
	const puts = 1000
	f := newFixture(t, meta.NewMemory(), t.TempDir())
	k, _ := f.kms.CreateKey(ctx, alice, region, kms.CreateKeyInput{})
	run := func(bucketKey bool) (generate, decrypt int64) {
		f.kms.generate.Store(0)
		f.kms.decrypt.Store(0)
		type stored struct {
			obj Object
			env *Envelope
			ct  []byte
		}
		var objs []stored
		for i := range puts {
			obj := Object{Bucket: "b", Key: fmt.Sprintf("k%04d", i)}
			ct, env := f.put(t, alice, obj, Request{Mode: ModeKMS, KMSKeyID: k.ID, BucketKey: bucketKey}, []byte("v"))
			objs = append(objs, stored{obj, env, ct})
		}
		generate = f.kms.generate.Load()
		cold := f.reopen() // reads on a fresh process: nothing cached
		for _, o := range objs {
			if _, err := get(cold, alice, o.obj, o.env, nil, o.ct, 1); err != nil {
				t.Fatal(err)
			}
		}
		return generate, f.kms.decrypt.Load()
	}
	g, d := run(false)
	if g != puts || d != puts {
		t.Fatalf("without Bucket Key: %d GenerateDataKey, %d Decrypt; want %d each", g, d, puts)
	}
	f.sse = f.reopen()
	g, d = run(true)
	t.Logf("%d PUTs + %d GETs with a Bucket Key: %d GenerateDataKey, %d Decrypt, %d checks", puts, puts, g, d, f.kms.check.Load())
	if g != 1 || d != 1 {
		t.Fatalf("with Bucket Key: %d GenerateDataKey, %d Decrypt; want 1 each", g, d)
	}
	// After the TTL a new Bucket Key is made.
	f.clock.Advance(2 * time.Hour)
	f.put(t, alice, Object{Bucket: "b", Key: "late"}, Request{Mode: ModeKMS, KMSKeyID: k.ID, BucketKey: true}, []byte("v"))
	if f.kms.generate.Load() != 2 {
		t.Fatal("Bucket Key reused after its TTL")
	}
	// Another bucket gets its own Bucket Key.
	f.put(t, alice, Object{Bucket: "b2", Key: "x"}, Request{Mode: ModeKMS, KMSKeyID: k.ID, BucketKey: true}, []byte("v"))
	if f.kms.generate.Load() != 3 {
		t.Fatal("Bucket Key shared between buckets")
	}
}

func TestSSEC(t *testing.T) {
	f := newFixture(t, meta.NewMemory(), t.TempDir())
	ck, _ := testCustomerKey(t, 1)
	wrong, _ := testCustomerKey(t, 2)
	obj := Object{Bucket: "b", Key: "k"}
	ct, env := f.put(t, alice, obj, Request{Mode: ModeC, Customer: ck}, []byte("secret"))
	if env.CustomerKeyMD5 != ck.MD5 || bytes.Contains(mustJSON(t, env), ck.key[:]) {
		t.Fatal("envelope holds the customer key or lacks its MD5")
	}
	_, err := get(f.sse, alice, obj, env, nil, ct, 6)
	wantCode(t, err, "InvalidRequest", 400)
	_, err = get(f.sse, alice, obj, env, wrong, ct, 6)
	wantCode(t, err, "AccessDenied", 403)
	_, err = f.sse.OpenUpload(ctx, alice, region, obj, env, wrong)
	wantCode(t, err, "InvalidRequest", 400)
	_, err = f.sse.OpenUpload(ctx, alice, region, obj, env, nil)
	wantCode(t, err, "InvalidRequest", 400)
	// SSE-C headers on an object that is not SSE-C.
	ct2, env2 := f.put(t, alice, obj, Request{Mode: ModeS3}, []byte("plain"))
	_, err = get(f.sse, alice, obj, env2, ck, ct2, 5)
	wantCode(t, err, "InvalidRequest", 400)
	if got, err := get(f.sse, alice, obj, env, ck, ct, 6); err != nil || string(got) != "secret" {
		t.Fatalf("read with the right key: %q, %v", got, err)
	}
}

func TestRequestHeaders(t *testing.T) {
	_, good := testCustomerKey(t, 3)
	with := func(mut func(h http.Header)) http.Header {
		h := good.Clone()
		mut(h)
		return h
	}
	tests := []struct {
		name   string
		h      http.Header
		mode   Mode
		code   string
		status int
	}{
		{"none", http.Header{}, ModeNone, "", 0},
		{"sse-s3", http.Header{"X-Amz-Server-Side-Encryption": {"AES256"}}, ModeS3, "", 0},
		{"sse-kms", http.Header{"X-Amz-Server-Side-Encryption": {"aws:kms"}}, ModeKMS, "", 0},
		{"unknown sse", http.Header{"X-Amz-Server-Side-Encryption": {"rot13"}}, "", "InvalidArgument", 400},
		{"sse-c", good, ModeC, "", 0},
		{"sse-c without algorithm", with(func(h http.Header) { h.Del(hdrCAlgorithm) }), "", "InvalidArgument", 400},
		{"sse-c without key", with(func(h http.Header) { h.Del(hdrCKey) }), "", "InvalidArgument", 400},
		{"sse-c without md5", with(func(h http.Header) { h.Del(hdrCKeyMD5) }), "", "InvalidArgument", 400},
		{"sse-c wrong md5", with(func(h http.Header) { h.Set(hdrCKeyMD5, base64.StdEncoding.EncodeToString(make([]byte, 16))) }), "", "InvalidArgument", 400},
		{"sse-c short key", with(func(h http.Header) { h.Set(hdrCKey, base64.StdEncoding.EncodeToString(make([]byte, 16))) }), "", "InvalidArgument", 400},
		{"sse-c bad algorithm", with(func(h http.Header) { h.Set(hdrCAlgorithm, "AES128") }), "", "InvalidEncryptionAlgorithmError", 400},
		{"sse-c with sse", with(func(h http.Header) { h.Set(hdrSSE, "AES256") }), "", "InvalidArgument", 400},
		{"bad context", http.Header{"X-Amz-Server-Side-Encryption": {"aws:kms"}, "X-Amz-Server-Side-Encryption-Context": {"{not base64"}}, "", "InvalidArgument", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := RequestFromHeaders(tc.h)
			if tc.code != "" {
				wantCode(t, err, tc.code, tc.status)
				return
			}
			if err != nil || req.Mode != tc.mode {
				t.Fatalf("RequestFromHeaders = %+v, %v", req, err)
			}
		})
	}
	ctxHdr := base64.StdEncoding.EncodeToString([]byte(`{"team":"a"}`))
	req, err := RequestFromHeaders(http.Header{
		"X-Amz-Server-Side-Encryption": {"aws:kms"}, "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": {"alias/x"},
		"X-Amz-Server-Side-Encryption-Context": {ctxHdr}, "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled": {"true"},
	})
	if err != nil || req.KMSKeyID != "alias/x" || req.Context["team"] != "a" || !req.BucketKey {
		t.Fatalf("kms request %+v, %v", req, err)
	}
}

func TestSSES3KeySurvivesRestart(t *testing.T) {
	f := newFixture(t, meta.NewMemory(), t.TempDir())
	obj := Object{Bucket: "b", Key: "k"}
	ct, env := f.put(t, alice, obj, Request{Mode: ModeS3}, []byte("data"))
	if got, err := get(f.reopen(), alice, obj, env, nil, ct, 4); err != nil || string(got) != "data" {
		t.Fatalf("after restart: %q, %v", got, err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRotateS3Key(t *testing.T) {
	f := newFixture(t, meta.NewMemory(), t.TempDir())
	obj := Object{Bucket: "b", Key: "k"}
	ct1, env1 := f.put(t, alice, obj, Request{Mode: ModeS3}, []byte("old"))
	gen, err := f.sse.RotateS3Key()
	if err != nil || gen != 2 {
		t.Fatalf("RotateS3Key = %d, %v", gen, err)
	}
	ct2, env2 := f.put(t, alice, obj, Request{Mode: ModeS3}, []byte("new"))
	if env1.S3KeyGen != 1 || env2.S3KeyGen != 2 {
		t.Fatalf("generations %d, %d", env1.S3KeyGen, env2.S3KeyGen)
	}
	cold := f.reopen()
	for _, c := range []struct {
		ct  []byte
		env *Envelope
		pt  string
	}{{ct1, env1, "old"}, {ct2, env2, "new"}} {
		if got, err := get(cold, alice, obj, c.env, nil, c.ct, 3); err != nil || string(got) != c.pt {
			t.Fatalf("generation %d: %q, %v", c.env.S3KeyGen, got, err)
		}
	}
}

func TestCopySourceCustomerKeyHeaders(t *testing.T) {
	raw := bytes.Repeat([]byte{4}, 32)
	sum := md5.Sum(raw)
	h := http.Header{}
	h.Set("x-amz-copy-source-server-side-encryption-customer-algorithm", "AES256")
	h.Set("x-amz-copy-source-server-side-encryption-customer-key", base64.StdEncoding.EncodeToString(raw))
	h.Set("x-amz-copy-source-server-side-encryption-customer-key-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	ck, err := CopySourceCustomerKeyFromHeaders(h)
	if err != nil || ck == nil || ck.MD5 != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("copy-source SSE-C headers: %v %v", ck, err)
	}
	if ck, err := CustomerKeyFromHeaders(h); ck != nil || err != nil {
		t.Fatalf("target SSE-C headers read from the copy source's: %v %v", ck, err)
	}
}
