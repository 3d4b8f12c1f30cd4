package s3

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"

	"github.com/ferrystore/ferry/internal/sse"
)

const benchObjectSize = 64 << 20

// benchServices returns the unencrypted and the encrypting service over one
// store, with a KMS key for SSE-KMS.
func benchServices(b *testing.B) (*sseFixture, *Service, sse.Request) {
	f := newSSEFixture(b)
	plain := New(Config{Store: f.store, Blobs: f.blobs, Regions: []string{"us-east-1"}})
	k := f.key(b)
	return f, plain, sse.Request{Mode: sse.ModeKMS, KMSKeyID: k.ARN}
}

func benchBody(b *testing.B) []byte {
	body := make([]byte, benchObjectSize)
	if _, err := rand.Read(body); err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkPut64MiB compares a 64 MiB PutObject in the clear with SSE-S3
// and SSE-KMS.
func BenchmarkPut64MiB(b *testing.B) {
	f, plain, kmsReq := benchServices(b)
	body := benchBody(b)
	for _, bc := range []struct {
		name string
		s    *Service
		req  sse.Request
	}{{"plain", plain, sse.Request{}}, {"sse-s3", f.s, sse.Request{Mode: sse.ModeS3}}, {"sse-kms", f.s, kmsReq}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(benchObjectSize)
			for b.Loop() {
				if _, err := bc.s.PutObject(f.ctx, owner, PutObjectInput{Bucket: "bkt", Key: "bench-" + bc.name,
					Body: bytes.NewReader(body), Size: benchObjectSize, Encryption: bc.req}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGet64MiB compares a 64 MiB GetObject in the clear with SSE-S3 and
// SSE-KMS. Reads in the clear verify the object's MD5 as they stream;
// encrypted reads rely on AES-GCM's authentication instead.
func BenchmarkGet64MiB(b *testing.B) {
	f, plain, kmsReq := benchServices(b)
	body := benchBody(b)
	for _, bc := range []struct {
		name string
		s    *Service
		req  sse.Request
	}{{"plain", plain, sse.Request{}}, {"sse-s3", f.s, sse.Request{Mode: sse.ModeS3}}, {"sse-kms", f.s, kmsReq}} {
		key := "bench-" + bc.name
		if _, err := bc.s.PutObject(f.ctx, owner, PutObjectInput{Bucket: "bkt", Key: key,
			Body: bytes.NewReader(body), Size: benchObjectSize, Encryption: bc.req}); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(benchObjectSize)
			for b.Loop() {
				out, err := bc.s.GetObject(f.ctx, owner, GetObjectInput{Bucket: "bkt", Key: key})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, out.Body); err != nil {
					b.Fatal(err)
				}
				out.Body.Close()
			}
		})
	}
}
