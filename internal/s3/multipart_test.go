package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"io"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

var testOwner = aws.Principal{Type: aws.PrincipalRoot, Account: "111111111111", ARN: aws.RootARN("111111111111")}

// newMPUService returns a service over an in-memory store and a blob
// directory, with one bucket "mpu".
func newMPUService(t *testing.T) (*Service, string) {
	return newServiceWithBucket(t, testOwner, "mpu")
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// blobFiles counts the stored blob files (temporary files excluded).
// blobCount counts the stored blobs under dir, leaving out temporary files.
func blobCount(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "tmp" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rows counts the meta rows of a table.
func rows(t *testing.T, s *Service, table byte) int {
	t.Helper()
	prefix := meta.NewKey(table)
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n
}

func uploadTestPart(t *testing.T, s *Service, key, id string, n int, data []byte) string {
	t.Helper()
	out, err := s.UploadPart(context.Background(), testOwner, UploadPartInput{
		Bucket: "mpu", Key: key, UploadID: id, PartNumber: n, Body: bytes.NewReader(data), Size: int64(len(data)),
	})
	if err != nil {
		t.Fatalf("upload part %d: %v", n, err)
	}
	return out.ETag
}

func TestCompleteLeavesNoUploadRows(t *testing.T) {
	s, dir := newMPUService(t)
	ctx := context.Background()
	up, err := s.CreateMultipartUpload(ctx, testOwner, CreateMultipartUploadInput{Bucket: "mpu", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	p1, p2, extra := randomBytes(t, int(MinPartSize)), randomBytes(t, 300<<10), randomBytes(t, 200<<10)
	e1 := uploadTestPart(t, s, "k", up.UploadID, 1, p1)
	uploadTestPart(t, s, "k", up.UploadID, 2, randomBytes(t, 400<<10)) // replaced below
	e2 := uploadTestPart(t, s, "k", up.UploadID, 2, p2)
	uploadTestPart(t, s, "k", up.UploadID, 3, extra) // not listed: dropped
	if got := blobCount(t, dir); got != 3 {
		t.Fatalf("blob files before complete = %d, want 3 (replaced part removed)", got)
	}
	out, err := s.CompleteMultipartUpload(ctx, testOwner, CompleteMultipartUploadInput{
		Bucket: "mpu", Key: "k", UploadID: up.UploadID,
		Parts: []CompletedPart{{Number: 1, ETag: `"` + e1 + `"`}, {Number: 2, ETag: e2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := rows(t, s, tableUpload) + rows(t, s, tablePart); n != 0 {
		t.Fatalf("%d upload/part rows remain", n)
	}
	if got := blobCount(t, dir); got != 2 {
		t.Fatalf("blob files after complete = %d, want 2", got)
	}
	v, err := s.getVersion("mpu", "k", "")
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(nil), p1...), p2...)
	got, err := io.ReadAll(s.OpenData(nil, v.Data, 0, v.Size))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (err %v), want %d", len(got), err, len(want))
	}
	m1, m2 := md5.Sum(p1), md5.Sum(p2)
	sum := md5.Sum(append(m1[:], m2[:]...))
	if wantTag := hex.EncodeToString(sum[:]) + "-2"; out.ETag != wantTag || v.ETag != wantTag {
		t.Fatalf("etag %s / %s, want %s", out.ETag, v.ETag, wantTag)
	}
	if len(v.Parts) != 2 || v.Parts[1].Number != 2 || v.Parts[1].Size != int64(len(p2)) || v.Parts[0].ETag != e1 {
		t.Fatalf("parts layout %+v", v.Parts)
	}
}

func TestAbortRemovesBlobs(t *testing.T) {
	s, dir := newMPUService(t)
	ctx := context.Background()
	up, err := s.CreateMultipartUpload(ctx, testOwner, CreateMultipartUploadInput{Bucket: "mpu", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		uploadTestPart(t, s, "k", up.UploadID, n, randomBytes(t, 200<<10))
	}
	uploadTestPart(t, s, "k", up.UploadID, 4, []byte("inline"))
	if got := blobCount(t, dir); got != 3 {
		t.Fatalf("blob files = %d, want 3", got)
	}
	if err := s.AbortMultipartUpload(ctx, testOwner, "mpu", "k", up.UploadID); err != nil {
		t.Fatal(err)
	}
	if got := blobCount(t, dir); got != 0 {
		t.Fatalf("blob files after abort = %d", got)
	}
	if n := rows(t, s, tableUpload) + rows(t, s, tablePart); n != 0 {
		t.Fatalf("%d upload/part rows remain", n)
	}
	err = s.AbortMultipartUpload(ctx, testOwner, "mpu", "k", up.UploadID)
	if !aws.IsCode(err, "NoSuchUpload") {
		t.Fatalf("abort again: %v", err)
	}
}

func TestPartAfterAbortIsCleanedUp(t *testing.T) {
	s, dir := newMPUService(t)
	ctx := context.Background()
	up, err := s.CreateMultipartUpload(ctx, testOwner, CreateMultipartUploadInput{Bucket: "mpu", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	// The part's body is streamed before the abort, its record written after.
	body := &abortingReader{r: bytes.NewReader(randomBytes(t, 300<<10)), abort: func() {
		if err := s.AbortMultipartUpload(ctx, testOwner, "mpu", "k", up.UploadID); err != nil {
			t.Error(err)
		}
	}}
	_, err = s.UploadPart(ctx, testOwner, UploadPartInput{Bucket: "mpu", Key: "k", UploadID: up.UploadID, PartNumber: 1, Body: body, Size: 300 << 10})
	if !aws.IsCode(err, "NoSuchUpload") {
		t.Fatalf("part after abort: %v", err)
	}
	if got := blobCount(t, dir); got != 0 {
		t.Fatalf("blob files = %d", got)
	}
	if n := rows(t, s, tablePart); n != 0 {
		t.Fatalf("%d part rows remain", n)
	}
}

// abortingReader calls abort once, when the body reaches its end.
type abortingReader struct {
	r     io.Reader
	abort func()
}

func (a *abortingReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err == io.EOF && a.abort != nil {
		a.abort()
		a.abort = nil
	}
	return n, err
}

func TestUploadChecksumModes(t *testing.T) {
	tests := []struct {
		alg, typ, wantAlg, wantType, wantErr string
	}{
		{"", "", "", "", ""},
		{"crc32", "", "CRC32", "COMPOSITE", ""},
		{"CRC64NVME", "", "CRC64NVME", "FULL_OBJECT", ""},
		{"CRC32C", "FULL_OBJECT", "CRC32C", "FULL_OBJECT", ""},
		{"SHA256", "FULL_OBJECT", "", "", "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm."},
		{"CRC64NVME", "COMPOSITE", "", "", "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."},
		{"", "COMPOSITE", "", "", "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."},
		{"MD4", "", "", "", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"},
	}
	for _, tt := range tests {
		alg, typ, err := uploadChecksumMode(tt.alg, tt.typ)
		msg := ""
		if e, ok := aws.As(err); ok {
			msg = e.Message
		}
		if string(alg) != tt.wantAlg || typ != tt.wantType || msg != tt.wantErr {
			t.Errorf("%s/%s: got %s/%s %q", tt.alg, tt.typ, alg, typ, msg)
		}
	}
}

func TestCopySourceRange(t *testing.T) {
	tests := []struct {
		h           string
		off, n      int64
		code, field string
	}{
		{"", 0, 10, "", ""},
		{"bytes=0-9", 0, 10, "", ""},
		{"bytes=2-4", 2, 3, "", ""},
		{"0-8", 0, 0, "InvalidArgument", "0-8"},
		{"bytes=4-2", 0, 0, "InvalidArgument", "bytes=4-2"},
		{"bytes=-3", 0, 0, "InvalidArgument", "bytes=-3"},
		{"bytes=0-100", 0, 0, "InvalidArgument", "bytes=0-100"},
		{"bytes=10-12", 0, 0, "InvalidRequest", ""},
	}
	for _, tt := range tests {
		off, n, err := copySourceRange(tt.h, 10)
		e, _ := aws.As(err)
		switch {
		case tt.code == "" && (err != nil || off != tt.off || n != tt.n):
			t.Errorf("%q: %d,%d %v", tt.h, off, n, err)
		case tt.code != "" && (e == nil || e.Code != tt.code || e.Field("ArgumentValue") != tt.field):
			t.Errorf("%q: %v", tt.h, err)
		}
	}
}

// TestCompleteIfNoneMatchConflict: with If-None-Match, an object written
// meanwhile fails the precondition (412), and a delete while the upload was
// in progress is a conflicting operation (409) — shown by a newer delete
// marker in a versioned bucket and by the upload's mark in a bucket never
// versioned; a delete older than the upload is no conflict, nor is a
// delete of another key.
func TestCompleteIfNoneMatchConflict(t *testing.T) {
	for _, versioning := range []string{"Enabled", ""} {
		t.Run("versioning="+versioning, func(t *testing.T) {
			s, _ := newMPUService(t)
			ctx := context.Background()
			if versioning != "" {
				if err := s.PutBucketVersioning(ctx, testOwner, "mpu", versioning); err != nil {
					t.Fatal(err)
				}
			}
			complete := func(key string, write func()) error {
				t.Helper()
				up, err := s.CreateMultipartUpload(ctx, testOwner, CreateMultipartUploadInput{Bucket: "mpu", Key: key})
				if err != nil {
					t.Fatal(err)
				}
				e1 := uploadTestPart(t, s, key, up.UploadID, 1, []byte("part"))
				write()
				_, err = s.CompleteMultipartUpload(ctx, testOwner, CompleteMultipartUploadInput{Bucket: "mpu", Key: key,
					UploadID: up.UploadID, IfNoneMatch: "*", Parts: []CompletedPart{{Number: 1, ETag: e1}}})
				return err
			}
			putKey := func(key string) {
				if _, err := s.PutObject(ctx, testOwner, PutObjectInput{Bucket: "mpu", Key: key, Body: bytes.NewReader([]byte("x")), Size: 1}); err != nil {
					t.Fatal(err)
				}
			}
			deleteKey := func(key string) {
				if _, err := s.DeleteObject(ctx, testOwner, DeleteObjectInput{Bucket: "mpu", Key: key}); err != nil {
					t.Fatal(err)
				}
			}
			if err := complete("written", func() { putKey("written") }); !aws.IsCode(err, "PreconditionFailed") {
				t.Fatalf("object written meanwhile: %v", err)
			}
			if err := complete("deleted", func() { putKey("deleted"); deleteKey("deleted") }); !aws.IsCode(err, "ConditionalRequestConflict") {
				t.Fatalf("object deleted meanwhile: %v", err)
			}
			if err := complete("deleted2", func() { putKey("deleted2x"); deleteKey("deleted2x") }); err != nil {
				t.Fatalf("another key deleted meanwhile: %v", err)
			}
			putKey("old")
			deleteKey("old")
			if err := complete("old", func() {}); err != nil {
				t.Fatalf("delete older than the upload: %v", err)
			}
		})
	}
}
