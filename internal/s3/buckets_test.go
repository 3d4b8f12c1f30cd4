package s3

import (
	"context"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func TestDeleteBucketRemovesIncompleteUploads(t *testing.T) {
	s, dir := newMPUService(t)
	ctx := context.Background()
	up, err := s.CreateMultipartUpload(ctx, testOwner, CreateMultipartUploadInput{Bucket: "mpu", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	uploadTestPart(t, s, "k", up.UploadID, 1, randomBytes(t, 200<<10))
	if got := blobCount(t, dir); got != 1 {
		t.Fatalf("blob files = %d, want 1", got)
	}
	if err := s.DeleteBucket(ctx, testOwner, "mpu"); err != nil {
		t.Fatal(err)
	}
	if got := blobCount(t, dir); got != 0 {
		t.Fatalf("blob files after DeleteBucket = %d", got)
	}
	if n := rows(t, s, tableUpload) + rows(t, s, tablePart); n != 0 {
		t.Fatalf("%d upload/part rows remain", n)
	}
}

func TestVersionIDsSortBySequence(t *testing.T) {
	prev := ""
	for _, seq := range []uint64{1, 2, 255, 256, 1 << 40, 1<<63 + 5} {
		id := NewVersionID(seq)
		if got, ok := ParseVersionID(id); !ok || got != seq {
			t.Fatalf("round trip of %d: %d %v", seq, got, ok)
		}
		if id <= prev {
			t.Fatalf("id of %d (%s) does not sort after %s", seq, id, prev)
		}
		prev = id
	}
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "my-bucket.logs": true, "ab": false, "Abc": false, "a..b": false,
		"-abc": false, "abc-": false, "192.168.1.1": false, "xn--abc": false, "abc-s3alias": false,
		"a_b": false,
	} {
		if got := ValidBucketName(name); got != want {
			t.Errorf("%q: got %v", name, got)
		}
	}
}

func TestCreateBucketACLErrors(t *testing.T) {
	s, _ := newMPUService(t)
	ctx := context.Background()
	tests := []struct {
		acl, ownership, code, msg string
	}{
		{"bogus", "", "InvalidArgument", ""},
		{"public-read", "", "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"},
		{"", "RandomValue", "InvalidArgument", "Invalid x-amz-object-ownership header: RandomValue"},
	}
	for _, tt := range tests {
		_, err := s.CreateBucket(ctx, testOwner, CreateBucketInput{Bucket: "acl-errors", Region: "us-east-1", ACL: tt.acl, ObjectOwnership: tt.ownership})
		e, ok := aws.As(err)
		if !ok || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("acl %q ownership %q: got %v, want %s %q", tt.acl, tt.ownership, err, tt.code, tt.msg)
		}
	}
}
