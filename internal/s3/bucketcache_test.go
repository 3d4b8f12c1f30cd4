package s3

import (
	"context"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func TestBucketCacheFollowsChanges(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	if _, err := s.Bucket("bkt"); err != nil { // warm the cache
		t.Fatal(err)
	}
	b, _ := s.Bucket("bkt")
	b.Versioning = "Enabled" // a caller's copy: must not leak into the cache
	if got, _ := s.Bucket("bkt"); got.Versioning != "" {
		t.Fatalf("changing a returned record changed the cache: %q", got.Versioning)
	}
	if err := s.PutBucketVersioning(ctx, owner, "bkt", "Enabled"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Bucket("bkt"); got.Versioning != "Enabled" {
		t.Fatalf("versioning after change %q", got.Versioning)
	}
	if err := s.DeleteBucket(ctx, owner, "bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bucket("bkt"); !aws.IsCode(err, "NoSuchBucket") {
		t.Fatalf("deleted bucket still found: %v", err)
	}
}
