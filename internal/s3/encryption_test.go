package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"io"
	"sync/atomic"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/sse"
)

// countingKMS counts the KMS calls S3 makes through sse and records the
// service they came through.
type countingKMS struct {
	*kms.Service
	generate, decrypt, check atomic.Int64
	via                      atomic.Value
}

func (c *countingKMS) GenerateDataKey(ctx context.Context, p aws.Principal, region, ref string, spec kms.DataKeySpec, ec kms.EncryptionContext) (kms.DataKeyOutput, error) {
	c.generate.Add(1)
	c.via.Store(kms.ViaService(ctx))
	return c.Service.GenerateDataKey(ctx, p, region, ref, spec, ec)
}

func (c *countingKMS) Decrypt(ctx context.Context, p aws.Principal, region string, blob []byte, ec kms.EncryptionContext, ref string) (kms.DecryptOutput, error) {
	c.decrypt.Add(1)
	c.via.Store(kms.ViaService(ctx))
	return c.Service.Decrypt(ctx, p, region, blob, ec, ref)
}

func (c *countingKMS) CheckKey(ctx context.Context, p aws.Principal, region, ref, action string, ec kms.EncryptionContext) (*kms.Key, error) {
	c.check.Add(1)
	return c.Service.CheckKey(ctx, p, region, ref, action, ec)
}

func (c *countingKMS) reset() { c.generate.Store(0); c.decrypt.Store(0); c.check.Store(0) }

// sseFixture is an S3 service with encryption at rest, over one store and
// blob directory, with bucket "bkt" of owner in us-east-1.
type sseFixture struct {
	s     *Service
	kms   *countingKMS
	store meta.Store
	blobs *blob.Store
	dir   string
	ctx   context.Context
}

func newSSEFixture(t testing.TB) *sseFixture {
	t.Helper()
	f := &sseFixture{store: meta.NewMemory(), dir: t.TempDir(), ctx: context.Background()}
	var err error
	if f.blobs, err = blob.Open(f.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.blobs.Close() })
	root, err := keyring.Open(f.store, keyring.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	f.kms = &countingKMS{Service: kms.New(kms.Config{Store: f.store, Root: root})}
	enc := sse.New(sse.Config{KMS: f.kms, Root: root, Store: f.store})
	f.s = New(Config{Store: f.store, Blobs: f.blobs, Regions: []string{"us-east-1"}, SSE: enc})
	f.bucket(t, "bkt")
	return f
}

func (f *sseFixture) bucket(t testing.TB, name string) {
	t.Helper()
	if _, err := f.s.CreateBucket(f.ctx, owner, CreateBucketInput{Bucket: name, Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
}

func (f *sseFixture) key(t testing.TB) *kms.Key {
	t.Helper()
	k, err := f.kms.CreateKey(f.ctx, owner, "us-east-1", kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (f *sseFixture) put(t testing.TB, bucket, key string, body []byte, enc sse.Request) PutObjectOutput {
	t.Helper()
	out, err := f.s.PutObject(f.ctx, owner, PutObjectInput{Bucket: bucket, Key: key, Body: bytes.NewReader(body), Size: int64(len(body)), Encryption: enc})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return out
}

func (f *sseFixture) get(in GetObjectInput) ([]byte, GetObjectOutput, error) {
	out, err := f.s.GetObject(f.ctx, owner, in)
	if err != nil {
		return nil, out, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return b, out, err
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func wantS3Code(t *testing.T, err error, code string) {
	t.Helper()
	if !aws.IsCode(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func customerKey(t testing.TB, seed byte) *sse.CustomerKey {
	t.Helper()
	raw := bytes.Repeat([]byte{seed}, 32)
	sum := md5.Sum(raw)
	ck, err := sse.ParseCustomerKey("AES256", base64.StdEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

func TestSSES3ByDefault(t *testing.T) {
	f := newSSEFixture(t)
	for _, size := range []int{0, 10, InlineLimit - 100, InlineLimit + 1, 3 << 20} {
		body := bytes.Repeat([]byte("ferry!"), size/6+1)[:size]
		out := f.put(t, "bkt", "k", body, sse.Request{})
		if out.SSE == nil || out.SSE.Mode != sse.ModeS3 || out.ETag != md5hex(body) {
			t.Fatalf("size %d: %+v", size, out)
		}
		got, gout, err := f.get(GetObjectInput{Bucket: "bkt", Key: "k"})
		if err != nil || !bytes.Equal(got, body) || gout.Version.SSE.Mode != sse.ModeS3 {
			t.Fatalf("size %d: get %d bytes, %v", size, len(got), err)
		}
		if size > 10 {
			got, _, err = f.get(GetObjectInput{Bucket: "bkt", Key: "k", Range: "bytes=5-9"})
			if err != nil || !bytes.Equal(got, body[5:10]) {
				t.Fatalf("size %d: range: %q %v", size, got, err)
			}
		}
	}
	if f.kms.generate.Load()+f.kms.decrypt.Load() != 0 {
		t.Fatal("SSE-S3 called KMS")
	}
}

func TestSSEKMSRoundTrip(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	body := bytes.Repeat([]byte("kms "), 100000)
	for _, bucketKey := range []bool{false, true} {
		out := f.put(t, "bkt", "obj", body, sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ID, BucketKey: bucketKey,
			Context: kms.EncryptionContext{"team": "ferry"}})
		if out.SSE.KMSKeyARN != k.ARN || out.SSE.BucketKey != bucketKey || out.ETag == md5hex(body) {
			t.Fatalf("bucketKey=%v: %+v", bucketKey, out)
		}
		h := out.SSE.Headers()
		if h.Get("x-amz-server-side-encryption-aws-kms-key-id") != k.ARN || (h.Get("x-amz-server-side-encryption-bucket-key-enabled") == "true") != bucketKey {
			t.Fatalf("headers: %v", h)
		}
		got, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "obj", Range: "bytes=70000-200000"})
		if err != nil || !bytes.Equal(got, body[70000:200001]) {
			t.Fatalf("bucketKey=%v: range: %v", bucketKey, err)
		}
	}
	if via, _ := f.kms.via.Load().(string); via != "s3.us-east-1.amazonaws.com" {
		t.Fatalf("kms:ViaService = %q", via)
	}
	// The default aws/s3 key is created on first use.
	out := f.put(t, "bkt", "managed", []byte("x"), sse.Request{Mode: sse.ModeKMS})
	if out.SSE.KMSKeyARN == "" || out.SSE.KMSKeyARN == k.ARN {
		t.Fatalf("aws/s3: %+v", out.SSE)
	}
}

func TestSSEKMSKeyErrors(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	for _, bucketKey := range []bool{false, true} {
		f.put(t, "bkt", "obj", []byte("data"), sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ARN, BucketKey: bucketKey})
		if err := f.kms.DisableKey(f.ctx, owner, "us-east-1", k.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.PutObject(f.ctx, owner, PutObjectInput{Bucket: "bkt", Key: "x", Body: bytes.NewReader(nil),
			Encryption: sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ID, BucketKey: bucketKey}})
		wantS3Code(t, err, "KMS.DisabledException")
		_, _, err = f.get(GetObjectInput{Bucket: "bkt", Key: "obj"})
		wantS3Code(t, err, "KMS.DisabledException")
		if e, _ := aws.As(err); e.Status != 400 || e.Message != k.ARN+" is disabled." {
			t.Fatalf("disabled: %d %q", e.Status, e.Message)
		}
		if err := f.kms.EnableKey(f.ctx, owner, "us-east-1", k.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.kms.ScheduleKeyDeletion(f.ctx, owner, "us-east-1", k.ID, 7); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "obj"})
	wantS3Code(t, err, "KMS.KMSInvalidStateException")
	_, err = f.s.PutObject(f.ctx, owner, PutObjectInput{Bucket: "bkt", Key: "x", Body: bytes.NewReader(nil),
		Encryption: sse.Request{Mode: sse.ModeKMS, KMSKeyID: "fake-key-id"}})
	wantS3Code(t, err, "KMS.NotFoundException")

	// Another account's principal reaching the key: AccessDenied.
	mallory := aws.Principal{Type: aws.PrincipalRoot, Account: "222222222222", ARN: aws.RootARN("222222222222")}
	if _, err := f.kms.CancelKeyDeletion(f.ctx, owner, "us-east-1", k.ID); err != nil {
		t.Fatal(err)
	}
	f.kms.EnableKey(f.ctx, owner, "us-east-1", k.ID)
	_, _, err = f.s.sse.NewObject(f.ctx, mallory, "us-east-1", sse.Object{Bucket: "bkt", Key: "m"}, sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ARN})
	wantS3Code(t, err, "AccessDenied")
}

func TestSSEC(t *testing.T) {
	f := newSSEFixture(t)
	ck := customerKey(t, 7)
	body := bytes.Repeat([]byte{1, 2, 3}, 200000)
	out := f.put(t, "bkt", "c", body, sse.Request{Mode: sse.ModeC, Customer: ck})
	if out.SSE.Mode != sse.ModeC || out.ETag == md5hex(body) || out.SSE.CustomerKeyMD5 != ck.MD5 {
		t.Fatalf("put: %+v", out.SSE)
	}
	got, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "c", Customer: ck, Range: "bytes=100-65636"})
	if err != nil || !bytes.Equal(got, body[100:65637]) {
		t.Fatalf("get: %v", err)
	}
	_, _, err = f.get(GetObjectInput{Bucket: "bkt", Key: "c", Customer: customerKey(t, 8)})
	wantS3Code(t, err, "AccessDenied")
	_, _, err = f.get(GetObjectInput{Bucket: "bkt", Key: "c"})
	wantS3Code(t, err, "InvalidRequest")
	_, err = f.s.GetObject(f.ctx, owner, GetObjectInput{Bucket: "bkt", Key: "c", Head: true})
	wantS3Code(t, err, "InvalidRequest")
	if _, err := f.s.GetObject(f.ctx, owner, GetObjectInput{Bucket: "bkt", Key: "c", Head: true, Customer: ck}); err != nil {
		t.Fatal(err)
	}
	// SSE-C headers on an object that is not SSE-C.
	f.put(t, "bkt", "plain", []byte("p"), sse.Request{})
	_, _, err = f.get(GetObjectInput{Bucket: "bkt", Key: "plain", Customer: ck})
	wantS3Code(t, err, "InvalidRequest")
}

func TestBucketDefaultEncryption(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	enc, err := f.s.GetBucketEncryption(f.ctx, owner, "bkt")
	if err != nil || enc.Algorithm != "AES256" {
		t.Fatalf("new bucket: %+v %v", enc, err)
	}
	if err := f.s.PutBucketEncryption(f.ctx, owner, "bkt", BucketEncryption{Algorithm: "AES256", KMSKeyID: k.ID}); !aws.IsCode(err, "InvalidArgument") {
		t.Fatalf("AES256 with a key: %v", err)
	}
	if err := f.s.PutBucketEncryption(f.ctx, owner, "bkt", BucketEncryption{Algorithm: "aws:kms", KMSKeyID: k.ID, BucketKey: true}); err != nil {
		t.Fatal(err)
	}
	out := f.put(t, "bkt", "d", []byte("default"), sse.Request{})
	if out.SSE.Mode != sse.ModeKMS || out.SSE.KMSKeyARN != k.ARN || !out.SSE.BucketKey {
		t.Fatalf("default aws:kms: %+v", out.SSE)
	}
	// aws:kms without the Bucket Key header takes the bucket's setting.
	k2 := f.key(t)
	if out := f.put(t, "bkt", "k2", []byte("x"), sse.Request{Mode: sse.ModeKMS, KMSKeyID: k2.ID}); out.SSE.KMSKeyARN != k2.ARN || !out.SSE.BucketKey {
		t.Fatalf("aws:kms without the Bucket Key header: %+v", out.SSE)
	}
	if out := f.put(t, "bkt", "k3", []byte("x"), sse.Request{Mode: sse.ModeKMS, KMSKeyID: k2.ID, BucketKeySet: true}); out.SSE.BucketKey {
		t.Fatalf("aws:kms with Bucket Key false: %+v", out.SSE)
	}
	// A request's own encryption wins over the default.
	if out := f.put(t, "bkt", "s", []byte("s3"), sse.Request{Mode: sse.ModeS3}); out.SSE.Mode != sse.ModeS3 {
		t.Fatalf("explicit AES256: %+v", out.SSE)
	}
	if err := f.s.DeleteBucketEncryption(f.ctx, owner, "bkt"); err != nil {
		t.Fatal(err)
	}
	if out := f.put(t, "bkt", "d2", []byte("x"), sse.Request{}); out.SSE.Mode != sse.ModeS3 {
		t.Fatalf("after delete: %+v", out.SSE)
	}
	if got, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "d"}); err != nil || string(got) != "default" {
		t.Fatalf("read back: %q %v", got, err)
	}
}

func TestCopyBetweenEncryptions(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	f.bucket(t, "kmsbkt")
	if err := f.s.PutBucketEncryption(f.ctx, owner, "kmsbkt", BucketEncryption{Algorithm: "aws:kms", KMSKeyID: k.ARN}); err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("copy"), 70000)
	f.put(t, "bkt", "src", body, sse.Request{})
	out, err := f.s.CopyObject(f.ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "src", Bucket: "kmsbkt", Key: "dst"})
	if err != nil || out.SSE.Mode != sse.ModeKMS || out.SSE.KMSKeyARN != k.ARN {
		t.Fatalf("copy to SSE-KMS: %+v %v", out, err)
	}
	back, err := f.s.CopyObject(f.ctx, owner, CopyObjectInput{SourceBucket: "kmsbkt", SourceKey: "dst", Bucket: "bkt", Key: "back"})
	if err != nil || back.SSE.Mode != sse.ModeS3 || back.ETag != md5hex(body) {
		t.Fatalf("copy back to SSE-S3: %+v %v", back, err)
	}
	for _, loc := range [][2]string{{"kmsbkt", "dst"}, {"bkt", "back"}} {
		if got, _, err := f.get(GetObjectInput{Bucket: loc[0], Key: loc[1]}); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%v: %v", loc, err)
		}
	}
	// SSE-C source to SSE-C target with another key, and in place to SSE-S3.
	ck, ck2 := customerKey(t, 1), customerKey(t, 2)
	f.put(t, "bkt", "c", body, sse.Request{Mode: sse.ModeC, Customer: ck})
	if _, err := f.s.CopyObject(f.ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "c", Bucket: "bkt", Key: "c2"}); !aws.IsCode(err, "InvalidRequest") {
		t.Fatalf("SSE-C source without its key: %v", err)
	}
	if _, err := f.s.CopyObject(f.ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "c", SourceCustomer: ck, Bucket: "bkt", Key: "c2",
		Encryption: sse.Request{Mode: sse.ModeC, Customer: ck2}}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "c2", Customer: ck2}); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("SSE-C copy: %v", err)
	}
	if _, err := f.s.CopyObject(f.ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "c2", SourceCustomer: ck2, Bucket: "bkt", Key: "c2",
		Encryption: sse.Request{Mode: sse.ModeS3}}); err != nil {
		t.Fatalf("in-place copy changing encryption: %v", err)
	}
}

func TestMultipartEncrypted(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	ck := customerKey(t, 3)
	for _, enc := range []sse.Request{{}, {Mode: sse.ModeKMS, KMSKeyID: k.ID}, {Mode: sse.ModeKMS, KMSKeyID: k.ID, BucketKey: true}, {Mode: sse.ModeC, Customer: ck}} {
		up, err := f.s.CreateMultipartUpload(f.ctx, owner, CreateMultipartUploadInput{Bucket: "bkt", Key: "mp", Encryption: enc})
		if err != nil {
			t.Fatal(err)
		}
		parts := [][]byte{bytes.Repeat([]byte("a"), int(MinPartSize)), bytes.Repeat([]byte("b"), 1000)}
		var list []CompletedPart
		for i, p := range parts {
			out, err := f.s.UploadPart(f.ctx, owner, UploadPartInput{Bucket: "bkt", Key: "mp", UploadID: up.UploadID, PartNumber: i + 1,
				Body: bytes.NewReader(p), Size: int64(len(p)), Customer: enc.Customer})
			if err != nil {
				t.Fatalf("%s part %d: %v", enc.Mode, i+1, err)
			}
			list = append(list, CompletedPart{Number: i + 1, ETag: out.ETag})
		}
		if enc.Mode == sse.ModeC {
			_, err := f.s.UploadPart(f.ctx, owner, UploadPartInput{Bucket: "bkt", Key: "mp", UploadID: up.UploadID, PartNumber: 3, Body: bytes.NewReader(nil)})
			wantS3Code(t, err, "InvalidRequest")
		}
		done, err := f.s.CompleteMultipartUpload(f.ctx, owner, CompleteMultipartUploadInput{Bucket: "bkt", Key: "mp", UploadID: up.UploadID, Parts: list})
		if err != nil || done.SSE == nil {
			t.Fatalf("%s complete: %+v %v", enc.Mode, done, err)
		}
		whole := append(append([]byte(nil), parts[0]...), parts[1]...)
		got, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "mp", Customer: enc.Customer})
		if err != nil || !bytes.Equal(got, whole) {
			t.Fatalf("%s get: %v", enc.Mode, err)
		}
		got, out, err := f.get(GetObjectInput{Bucket: "bkt", Key: "mp", PartNumber: 2, Customer: enc.Customer})
		if err != nil || !bytes.Equal(got, parts[1]) || out.PartsCount != 2 {
			t.Fatalf("%s partNumber=2: %v", enc.Mode, err)
		}
		got, _, err = f.get(GetObjectInput{Bucket: "bkt", Key: "mp", Range: "bytes=5242000-5242979", Customer: enc.Customer})
		if err != nil || !bytes.Equal(got, whole[5242000:5242980]) {
			t.Fatalf("%s range across parts: %v", enc.Mode, err)
		}
	}
}

func TestUploadPartCopyEncrypted(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	src := bytes.Repeat([]byte("src!"), 2<<20)
	ck := customerKey(t, 9)
	f.put(t, "bkt", "src", src, sse.Request{Mode: sse.ModeC, Customer: ck})
	up, err := f.s.CreateMultipartUpload(f.ctx, owner, CreateMultipartUploadInput{Bucket: "bkt", Key: "dst", Encryption: sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ID}})
	if err != nil {
		t.Fatal(err)
	}
	part, err := f.s.UploadPartCopy(f.ctx, owner, UploadPartCopyInput{Bucket: "bkt", Key: "dst", UploadID: up.UploadID, PartNumber: 1,
		SourceBucket: "bkt", SourceKey: "src", Range: "bytes=10-1000009", SourceCustomer: ck})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CompleteMultipartUpload(f.ctx, owner, CompleteMultipartUploadInput{Bucket: "bkt", Key: "dst", UploadID: up.UploadID,
		Parts: []CompletedPart{{Number: 1, ETag: part.ETag}}}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "dst"}); err != nil || !bytes.Equal(got, src[10:1000010]) {
		t.Fatalf("get: %v", err)
	}
}

// TestUnencryptedObjectsStillRead writes objects with a service that has no
// encryption (as before this change) and reads them with one that has.
func TestUnencryptedObjectsStillRead(t *testing.T) {
	f := newSSEFixture(t)
	plain := New(Config{Store: f.store, Blobs: f.blobs, Regions: []string{"us-east-1"}})
	small, big := []byte("legacy"), bytes.Repeat([]byte("L"), 1<<20)
	for key, body := range map[string][]byte{"small": small, "big": big} {
		if _, err := plain.PutObject(f.ctx, owner, PutObjectInput{Bucket: "bkt", Key: key, Body: bytes.NewReader(body), Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		got, out, err := f.get(GetObjectInput{Bucket: "bkt", Key: key})
		if err != nil || !bytes.Equal(got, body) || out.Version.SSE != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got, _, err = f.get(GetObjectInput{Bucket: "bkt", Key: key, Range: "bytes=1-3"})
		if err != nil || !bytes.Equal(got, body[1:4]) {
			t.Fatalf("%s range: %v", key, err)
		}
	}
	if _, err := f.s.CopyObject(f.ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "big", Bucket: "bkt", Key: "big2"}); err != nil {
		t.Fatal(err)
	}
	if _, out, err := f.get(GetObjectInput{Bucket: "bkt", Key: "big2"}); err != nil || out.Version.SSE.Mode != sse.ModeS3 {
		t.Fatalf("copy of a legacy object: %v", err)
	}
}

// TestKMSCallCounts measures the KMS calls of 1,000 SSE-KMS PUTs and GETs
// with and without an S3 Bucket Key.
func TestKMSCallCounts(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	for _, bucketKey := range []bool{false, true} {
		f.kms.reset()
		req := sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ID, BucketKey: bucketKey}
		for i := range 1000 {
			f.put(t, "bkt", "o"+string(rune('a'+i%26))+hex.EncodeToString([]byte{byte(i >> 8), byte(i)}), []byte("x"), req)
		}
		puts := [3]int64{f.kms.generate.Load(), f.kms.decrypt.Load(), f.kms.check.Load()}
		f.kms.reset()
		for i := range 1000 {
			if _, _, err := f.get(GetObjectInput{Bucket: "bkt", Key: "o" + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i >> 8), byte(i)})}); err != nil {
				t.Fatal(err)
			}
		}
		gets := [3]int64{f.kms.generate.Load(), f.kms.decrypt.Load(), f.kms.check.Load()}
		t.Logf("bucket key %-5v: 1000 PUTs: %d GenerateDataKey, %d Decrypt, %d key checks; 1000 GETs: %d GenerateDataKey, %d Decrypt, %d key checks",
			bucketKey, puts[0], puts[1], puts[2], gets[0], gets[1], gets[2])
		switch {
		case !bucketKey && (puts[0] != 1000 || gets[1] != 1000):
			t.Errorf("without bucket key: %v %v", puts, gets)
		case bucketKey && (puts[0] != 1 || gets[1] > 1):
			t.Errorf("with bucket key: %v %v", puts, gets)
		}
	}
}

// TestMetadataReadsMakeNoKMSCall: HEAD and a 304 answer need no key.
func TestMetadataReadsMakeNoKMSCall(t *testing.T) {
	f := newSSEFixture(t)
	k := f.key(t)
	out := f.put(t, "bkt", "o", []byte("data"), sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ID})
	f.kms.reset()
	head, err := f.s.GetObject(f.ctx, owner, GetObjectInput{Bucket: "bkt", Key: "o", Head: true})
	if err != nil || head.Version.SSE.KMSKeyARN != k.ARN {
		t.Fatalf("head: %v", err)
	}
	cond, err := f.s.GetObject(f.ctx, owner, GetObjectInput{Bucket: "bkt", Key: "o", Conditions: Conditions{IfNoneMatch: `"` + out.ETag + `"`}})
	if err != nil || !cond.NotModified {
		t.Fatalf("conditional get: %+v %v", cond, err)
	}
	if n := f.kms.generate.Load() + f.kms.decrypt.Load() + f.kms.check.Load(); n != 0 {
		t.Fatalf("%d KMS calls", n)
	}
}

// TestBodyErrorsThroughEncryption: digest failures of the plaintext keep
// their AWS errors when the body streams through the encryption.
func TestBodyErrorsThroughEncryption(t *testing.T) {
	f := newSSEFixture(t)
	for _, size := range []int{1000, 1 << 20} {
		body := bytes.Repeat([]byte("z"), size)
		_, err := f.s.PutObject(f.ctx, owner, PutObjectInput{Bucket: "bkt", Key: "bad", Body: bytes.NewReader(body), Size: int64(size),
			ContentMD5: base64.StdEncoding.EncodeToString(make([]byte, 16))})
		wantS3Code(t, err, "BadDigest")
		_, err = f.s.PutObject(f.ctx, owner, PutObjectInput{Bucket: "bkt", Key: "short", Body: bytes.NewReader(body[:size-1]), Size: int64(size)})
		if err == nil {
			t.Fatalf("size %d: a short body was stored", size)
		}
	}
	if _, err := f.s.GetObject(f.ctx, owner, GetObjectInput{Bucket: "bkt", Key: "bad", Head: true}); !aws.IsCode(err, "NoSuchKey") {
		t.Fatalf("a failed put left an object: %v", err)
	}
}
