package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/meta/pebble"
)

// BenchmarkListObjectsV2Page lists one full page (1,000 keys) of a bucket of
// 4 KiB objects held in Pebble: the listing hot path without HTTP.
func BenchmarkListObjectsV2Page(b *testing.B) {
	s := newBenchService(b)
	ctx := context.Background()
	body := bytes.Repeat([]byte("x"), 4096)
	for i := range 2000 {
		if _, err := s.PutObject(ctx, owner, PutObjectInput{Bucket: "bkt", Key: fmt.Sprintf("dir/%05d", i), Body: bytes.NewReader(body), Size: int64(len(body))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.ListObjectsV2(ctx, owner, ListObjectsV2Input{Bucket: "bkt", Prefix: "dir/", MaxKeys: 1000})
		if err != nil || len(out.Objects) != 1000 {
			b.Fatalf("list: %d objects, %v", len(out.Objects), err)
		}
	}
}

// BenchmarkPutObject4KiB writes 4 KiB objects through the service into
// Pebble from parallel goroutines: the PUT hot path without HTTP and SigV4.
func BenchmarkPutObject4KiB(b *testing.B) {
	s := newBenchService(b)
	ctx := context.Background()
	body := bytes.Repeat([]byte("x"), 4096)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("k/%08d", n.Add(1))
			if _, err := s.PutObject(ctx, owner, PutObjectInput{Bucket: "bkt", Key: key, Body: bytes.NewReader(body), Size: int64(len(body))}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGetObject4KiB reads 4 KiB objects back through the service.
func BenchmarkGetObject4KiB(b *testing.B) {
	s := newBenchService(b)
	ctx := context.Background()
	body := bytes.Repeat([]byte("x"), 4096)
	const keys = 1000
	for i := range keys {
		if _, err := s.PutObject(ctx, owner, PutObjectInput{Bucket: "bkt", Key: fmt.Sprintf("k/%08d", i), Body: bytes.NewReader(body), Size: int64(len(body))}); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.ResetTimer()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 8192)
		for pb.Next() {
			out, err := s.GetObject(ctx, owner, GetObjectInput{Bucket: "bkt", Key: fmt.Sprintf("k/%08d", n.Add(1)%keys)})
			if err != nil {
				b.Error(err)
				return
			}
			io.ReadFull(out.Body, buf[:out.Version.Size])
			out.Body.Close()
		}
	})
}

func newBenchService(b *testing.B) *Service {
	store, err := pebble.Open(b.TempDir(), pebble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	blobs, err := blob.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { blobs.Close() })
	s := New(Config{Store: store, Blobs: blobs, Regions: []string{"us-east-1"}})
	if _, err := s.CreateBucket(context.Background(), owner, CreateBucketInput{Bucket: "bkt", Region: "us-east-1"}); err != nil {
		b.Fatal(err)
	}
	return s
}
