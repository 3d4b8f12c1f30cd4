package world

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// sseC is an SSE-C key as the SDK sends it: base64 key and base64 MD5.
type sseC struct{ key, md5 string }

func newSSEC(seed byte) sseC {
	raw := bytes.Repeat([]byte{seed}, 32)
	sum := md5.Sum(raw)
	return sseC{base64.StdEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(sum[:])}
}

func (e *env) mustBucket(c *s3.Client, name string) {
	e.t.Helper()
	if _, err := c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) read(c *s3.Client, in *s3.GetObjectInput) ([]byte, *s3.GetObjectOutput, error) {
	out, err := c.GetObject(e.ctx, in)
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return b, out, err
}

func TestSSEEndToEnd(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	c := e.s3("a", "us-east-1")
	k := e.kms("a", "us-east-1")
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := *key.KeyMetadata.Arn
	if _, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/s3e2e"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	e.mustBucket(c, "plain")
	e.mustBucket(c, "kmsbkt")
	body := randomBytes(t, 300<<10)

	// SSE-S3 by default, on PUT, GET and HEAD.
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("o"), Body: bytes.NewReader(body)})
	if err != nil || put.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("default SSE-S3 put: %+v %v", put, err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("plain"), Key: aws.String("o")})
	if err != nil || head.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("head: %+v %v", head, err)
	}
	got, gout, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("o"), Range: aws.String("bytes=1000-70000")})
	if err != nil || !bytes.Equal(got, body[1000:70001]) || gout.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("range get: %v", err)
	}

	// SSE-KMS per request, with and without a Bucket Key, by alias.
	for _, bk := range []bool{false, true} {
		name := fmt.Sprintf("kms-%v", bk)
		put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String(name), Body: bytes.NewReader(body),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/s3e2e"), BucketKeyEnabled: aws.Bool(bk)})
		if err != nil || aws.ToString(put.SSEKMSKeyId) != keyARN || aws.ToBool(put.BucketKeyEnabled) != bk {
			t.Fatalf("%s put: %+v %v", name, put, err)
		}
		got, out, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String(name)})
		if err != nil || !bytes.Equal(got, body) || aws.ToString(out.SSEKMSKeyId) != keyARN || aws.ToBool(out.BucketKeyEnabled) != bk ||
			out.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("%s get: %v", name, err)
		}
		if aws.ToString(out.ETag) == aws.ToString(head.ETag) {
			t.Fatalf("%s: SSE-KMS ETag is the MD5", name)
		}
	}

	// Bucket default encryption.
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("kmsbkt"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyARN)},
			BucketKeyEnabled:                   aws.Bool(true),
		}}}}); err != nil {
		t.Fatal(err)
	}
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("kmsbkt")})
	if err != nil || len(enc.ServerSideEncryptionConfiguration.Rules) != 1 ||
		aws.ToString(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != keyARN ||
		!aws.ToBool(enc.ServerSideEncryptionConfiguration.Rules[0].BucketKeyEnabled) {
		t.Fatalf("GetBucketEncryption: %+v %v", enc, err)
	}
	put, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kmsbkt"), Key: aws.String("d"), Body: bytes.NewReader(body)})
	if err != nil || put.ServerSideEncryption != types.ServerSideEncryptionAwsKms || !aws.ToBool(put.BucketKeyEnabled) {
		t.Fatalf("default aws:kms put: %+v %v", put, err)
	}

	// Copy between an SSE-S3 and an SSE-KMS bucket, both ways.
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("kmsbkt"), Key: aws.String("copied"), CopySource: aws.String("plain/o")})
	if err != nil || cp.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(cp.SSEKMSKeyId) != keyARN {
		t.Fatalf("copy to SSE-KMS: %+v %v", cp, err)
	}
	cp, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("plain"), Key: aws.String("back"), CopySource: aws.String("kmsbkt/copied")})
	if err != nil || cp.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("copy to SSE-S3: %+v %v", cp, err)
	}
	if got, _, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("back")}); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("copied back: %v", err)
	}

	// Delete reverts to SSE-S3.
	if _, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("kmsbkt")}); err != nil {
		t.Fatal(err)
	}
	enc, err = c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("kmsbkt")})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("after DeleteBucketEncryption: %+v %v", enc, err)
	}

	// Disabled key and pending deletion: PUT and GET fail as S3 reports KMS errors.
	if _, err := k.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyARN)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("x"), Body: bytes.NewReader(body),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyARN)})
	if code(err) != "KMS.DisabledException" || message(err) != keyARN+" is disabled." {
		t.Fatalf("put with a disabled key: %v", err)
	}
	if _, _, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("kms-false")}); code(err) != "KMS.DisabledException" {
		t.Fatalf("get with a disabled key: %v", err)
	}
	if _, err := k.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyARN), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("kms-true")}); code(err) != "KMS.KMSInvalidStateException" {
		t.Fatalf("get with a key pending deletion: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("x"), Body: bytes.NewReader(body),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("fake-key-id")})
	if code(err) != "KMS.NotFoundException" || message(err) != "Invalid keyId 'fake-key-id'" {
		t.Fatalf("put with an unknown key: %v", err)
	}
}

func TestSSECEndToEnd(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	c := e.s3("a", "us-east-1")
	e.mustBucket(c, "ssec")
	ck, wrong := newSSEC(1), newSSEC(2)
	body := randomBytes(t, 200<<10)
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ssec"), Key: aws.String("o"), Body: bytes.NewReader(body),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ck.key), SSECustomerKeyMD5: aws.String(ck.md5)})
	if err != nil || aws.ToString(put.SSECustomerKeyMD5) != ck.md5 || put.ServerSideEncryption != "" {
		t.Fatalf("put: %+v %v", put, err)
	}
	got, out, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("o"), Range: aws.String("bytes=100-100000"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ck.key), SSECustomerKeyMD5: aws.String(ck.md5)})
	if err != nil || !bytes.Equal(got, body[100:100001]) || aws.ToString(out.SSECustomerAlgorithm) != "AES256" {
		t.Fatalf("get: %v", err)
	}
	_, _, err = e.read(c, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("o"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(wrong.key), SSECustomerKeyMD5: aws.String(wrong.md5)})
	if code(err) != "AccessDenied" || message(err) != "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key." {
		t.Fatalf("wrong key: %v", err)
	}
	if _, _, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("o")}); code(err) != "InvalidRequest" {
		t.Fatalf("no key: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ssec"), Key: aws.String("bad"), Body: bytes.NewReader(body),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ck.key), SSECustomerKeyMD5: aws.String(wrong.md5)})
	if code(err) != "InvalidArgument" {
		t.Fatalf("MD5 mismatch: %v", err)
	}
	// Copy from SSE-C with the copy-source key to SSE-C with another key.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("c"), CopySource: aws.String("ssec/o"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(ck.key), CopySourceSSECustomerKeyMD5: aws.String(ck.md5),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(wrong.key), SSECustomerKeyMD5: aws.String(wrong.md5)}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("c"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(wrong.key), SSECustomerKeyMD5: aws.String(wrong.md5)}); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("copy: %v", err)
	}
}

func TestMultipartSSEKMSEndToEnd(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	c := e.s3("a", "us-east-1")
	e.mustBucket(c, "mpu")
	key, err := e.kms("a", "us-east-1").CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{randomBytes(t, 5<<20), randomBytes(t, 1<<20)}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: key.KeyMetadata.KeyId})
	if err != nil || aws.ToString(up.SSEKMSKeyId) != *key.KeyMetadata.Arn {
		t.Fatalf("create: %+v %v", up, err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil || out.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("part %d: %+v %v", i+1, out, err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	comp, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil || comp.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("complete: %+v %v", comp, err)
	}
	whole := append(append([]byte(nil), parts[0]...), parts[1]...)
	got, _, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big")})
	if err != nil || !bytes.Equal(got, whole) {
		t.Fatalf("get: %v", err)
	}
	got, out, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), PartNumber: aws.Int32(2)})
	if err != nil || !bytes.Equal(got, parts[1]) || aws.ToInt32(out.PartsCount) != 2 {
		t.Fatalf("partNumber 2: %v", err)
	}
	got, _, err = e.read(c, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), Range: aws.String("bytes=5242000-5243000")})
	if err != nil || !bytes.Equal(got, whole[5242000:5243001]) {
		t.Fatalf("range across parts: %v", err)
	}
	attrs, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("mpu"), Key: aws.String("big"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectSize, types.ObjectAttributesObjectParts}})
	if err != nil || aws.ToInt64(attrs.ObjectSize) != int64(len(whole)) {
		t.Fatalf("attributes: %+v %v", attrs, err)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("mpu")})
	if err != nil || len(list.Contents) != 1 || aws.ToInt64(list.Contents[0].Size) != int64(len(whole)) {
		t.Fatalf("list: %+v %v", list, err)
	}
}

// TestNoPlaintextAtRest writes known plaintext through the HTTP API (a small
// inline object, a large blob object, a multipart object, with SSE-S3,
// SSE-KMS and SSE-C) and then scans every file of the data directory for it.
// The plaintext is random, so compression cannot hide it.
func TestNoPlaintextAtRest(t *testing.T) {
	dir := t.TempDir()
	e := startEnv(t, dir, false)
	ctx := e.ctx
	c := e.s3("a", "us-east-1")
	e.mustBucket(c, "rest")
	ck := newSSEC(5)
	var secrets [][]byte
	put := func(key string, body []byte, mutate func(*s3.PutObjectInput)) {
		in := &s3.PutObjectInput{Bucket: aws.String("rest"), Key: aws.String(key), Body: bytes.NewReader(body)}
		if mutate != nil {
			mutate(in)
		}
		if _, err := c.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, body)
	}
	modes := map[string]func(*s3.PutObjectInput){
		"s3":  nil,
		"kms": func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms },
		"c": func(in *s3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(ck.key), aws.String(ck.md5)
		},
	}
	for name, mutate := range modes {
		put(name+"-small", randomBytes(t, 4<<10), mutate)
		put(name+"-big", randomBytes(t, 2<<20), mutate)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("rest"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, size := range []int{5 << 20, 64 << 10} {
		p := randomBytes(t, size)
		secrets = append(secrets, p)
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("rest"), Key: aws.String("mp"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("rest"), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	e.stop()

	// Probes: 48-byte windows from the start, middle and end of each plaintext.
	var probes [][]byte
	for _, s := range secrets {
		for _, off := range []int{0, len(s)/2 - 24, len(s) - 48} {
			probes = append(probes, s[off:off+48])
		}
	}
	// The scanner must find plaintext that is there.
	control := filepath.Join(dir, "control")
	if err := os.WriteFile(control, append([]byte("pad"), secrets[0]...), 0o600); err != nil {
		t.Fatal(err)
	}
	files, found := 0, map[string]int{}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, p := range probes {
			if bytes.Contains(data, p) {
				found[path]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found[control] == 0 {
		t.Fatal("the scan does not find plaintext that is there")
	}
	delete(found, control)
	if len(found) > 0 {
		t.Fatalf("plaintext found at rest: %v", found)
	}
	t.Logf("scanned %d files for %d probes of %d plaintexts: none found", files-1, len(probes), len(secrets))
}
