package s3

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/meta/pebble"
)

// BenchmarkListObjectsV2Page lists one full page (1,000 keys) of a bucket of
// 4 KiB objects held in Pebble: the listing hot path without HTTP.
func BenchmarkListObjectsV2Page(b *testing.B) {
	store, err := pebble.Open(b.TempDir(), pebble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	blobs, err := blob.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer blobs.Close()
	s := New(Config{Store: store, Blobs: blobs, Regions: []string{"us-east-1"}})
	ctx := context.Background()
	if _, err := s.CreateBucket(ctx, owner, CreateBucketInput{Bucket: "bkt", Region: "us-east-1"}); err != nil {
		b.Fatal(err)
	}
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
