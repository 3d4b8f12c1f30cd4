package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/meta"
)

var owner = aws.Principal{Type: aws.PrincipalRoot, Account: "111111111111", ARN: aws.RootARN("111111111111")}

// newTestService returns a service with one bucket "bkt" of owner.
func newTestService(t *testing.T) (*Service, string) {
	return newServiceWithBucket(t, owner, "bkt")
}

// newServiceWithBucket returns a service over an in-memory store and a blob
// directory, with one bucket of p's account in us-east-1.
func newServiceWithBucket(t *testing.T, p aws.Principal, bucket string) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	s := New(Config{Store: meta.NewMemory(), Blobs: blobs, Regions: []string{"us-east-1"}})
	if _, err := s.CreateBucket(context.Background(), p, CreateBucketInput{Bucket: bucket, Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func put(t *testing.T, s *Service, key string, body []byte) PutObjectOutput {
	t.Helper()
	out, err := s.PutObject(context.Background(), owner, PutObjectInput{Bucket: "bkt", Key: key, Body: bytes.NewReader(body), Size: int64(len(body))})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return out
}

func readAll(s *Service, in GetObjectInput) ([]byte, error) {
	out, err := s.GetObject(context.Background(), owner, in)
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// blobFiles lists the committed blob files under dir.
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) != filepath.Base(dir) {
			files = append(files, p)
		}
		return nil
	})
	return files
}

func TestCorruptBlobNeverReturnsWrongBytes(t *testing.T) {
	for _, size := range []int{200 << 10, VerifyBufferLimit + 1<<20} {
		s, dir := newTestService(t)
		body := make([]byte, size)
		rand.New(rand.NewSource(1)).Read(body)
		put(t, s, "k", body)
		files := blobFiles(t, dir)
		if len(files) != 1 {
			t.Fatalf("%d blob files", len(files))
		}
		raw, _ := os.ReadFile(files[0])
		raw[len(raw)/2] ^= 0xff
		os.WriteFile(files[0], raw, 0o600)
		for _, in := range []GetObjectInput{{Bucket: "bkt", Key: "k"}, {Bucket: "bkt", Key: "k", Range: "bytes=0-9"}} {
			got, err := readAll(s, in)
			if size > VerifyBufferLimit && in.Range != "" {
				continue // a small range of a huge segment streams unchecked
			}
			if !aws.IsCode(err, "InternalError") {
				t.Fatalf("size %d range %q: err %v (read %d bytes)", size, in.Range, err, len(got))
			}
		}
		_, err := s.CopyObject(context.Background(), owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "k", Bucket: "bkt", Key: "copy"})
		if !aws.IsCode(err, "InternalError") {
			t.Fatalf("copy of corrupt source: %v", err)
		}
		if _, err := s.getVersion("bkt", "copy", ""); !aws.IsCode(err, "NoSuchKey") {
			t.Fatalf("a failed copy left a version: %v", err)
		}
	}
}

func TestCorruptInlineData(t *testing.T) {
	s, _ := newTestService(t)
	put(t, s, "k", []byte("small object"))
	v, _ := s.getVersion("bkt", "k", "")
	v.Data[0].Inline[0] ^= 1
	b := s.store.NewBatch()
	b.Set(versionKey("bkt", "k", v.Seq), encodeVersion(v))
	if err := commit(b); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(s, GetObjectInput{Bucket: "bkt", Key: "k"}); !aws.IsCode(err, "InternalError") {
		t.Fatalf("err %v", err)
	}
}

func TestNullVersionReplacementRemovesData(t *testing.T) {
	s, dir := newTestService(t)
	big := bytes.Repeat([]byte("a"), InlineLimit+1)
	put(t, s, "k", big)
	put(t, s, "k", append(big, 'b'))
	if n := len(blobFiles(t, dir)); n != 1 {
		t.Fatalf("%d blobs after overwrite, want 1", n)
	}
	if err := s.PutBucketVersioning(context.Background(), owner, "bkt", "Suspended"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "k", big)
	if n := countRows(t, s, "k"); n != 1 {
		t.Fatalf("%d rows, want one null version", n)
	}
	if _, err := s.DeleteObject(context.Background(), owner, DeleteObjectInput{Bucket: "bkt", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if n := len(blobFiles(t, dir)); n != 0 {
		t.Fatalf("%d blobs after null delete marker, want 0", n)
	}
}

func countRows(t *testing.T, s *Service, key string) int {
	t.Helper()
	prefix := keyVersionPrefix("bkt", key)
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

func TestParseRange(t *testing.T) {
	tests := []struct {
		h        string
		size     int64
		off, n   int64
		whole    bool
		rangeErr bool
	}{
		{"", 10, 0, 0, true, false},
		{"bytes=0-0", 10, 0, 1, false, false},
		{"bytes=3-", 10, 3, 7, false, false},
		{"bytes=-4", 10, 6, 4, false, false},
		{"bytes=-0", 10, 0, 0, false, true},
		{"bytes=0-", 0, 0, 0, false, true},
		{"bytes=-5", 0, 0, 0, false, true},
		{"bytes=9-9", 10, 9, 1, false, false},
		{"bytes=10-12", 10, 0, 0, false, true},
		{"bytes=a-b", 10, 0, 0, true, false},
		{"bytes=1-2,4-5", 10, 0, 0, true, false},
		{"bytes=5-1", 10, 0, 0, true, false},
		{"chars=1-2", 10, 0, 0, true, false},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.h, tt.size)
		switch {
		case tt.rangeErr:
			if !aws.IsCode(err, "InvalidRange") {
				t.Errorf("%q/%d: err %v", tt.h, tt.size, err)
			}
		case tt.whole:
			if r != nil || err != nil {
				t.Errorf("%q: %+v %v, want whole", tt.h, r, err)
			}
		case err != nil || r == nil || r.Offset != tt.off || r.Length != tt.n:
			t.Errorf("%q: %+v %v", tt.h, r, err)
		}
	}
}

func TestConditionPrecedence(t *testing.T) {
	mtime := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	v := &Version{ETag: "abc", LastModified: mtime.Add(300 * time.Millisecond)}
	before, after, same := mtime.Add(-time.Hour), mtime.Add(time.Hour), mtime
	tests := []struct {
		name string
		c    Conditions
		code string
	}{
		{"none", Conditions{}, ""},
		{"match", Conditions{IfMatch: `"abc"`}, ""},
		{"match list", Conditions{IfMatch: `"x", "abc"`}, ""},
		{"no match", Conditions{IfMatch: `"x"`}, "PreconditionFailed"},
		{"match beats unmodified", Conditions{IfMatch: `"abc"`, IfUnmodifiedSince: &before}, ""},
		{"unmodified false", Conditions{IfUnmodifiedSince: &before}, "PreconditionFailed"},
		{"unmodified same second", Conditions{IfUnmodifiedSince: &same}, ""},
		{"none-match false", Conditions{IfNoneMatch: `"abc"`}, "NotModified"},
		{"none-match false beats modified true", Conditions{IfNoneMatch: `"abc"`, IfModifiedSince: &before}, "NotModified"},
		{"none-match true ignores modified", Conditions{IfNoneMatch: `"x"`, IfModifiedSince: &after}, ""},
		{"modified since same second", Conditions{IfModifiedSince: &same}, "NotModified"},
		{"412 before 304", Conditions{IfMatch: `"x"`, IfNoneMatch: `"abc"`}, "PreconditionFailed"},
		{"copy prefix", Conditions{IfMatch: `"x"`, HeaderPrefix: "x-amz-copy-source-"}, "PreconditionFailed"},
	}
	for _, tt := range tests {
		err := tt.c.check(v)
		got := ""
		if e, ok := aws.As(err); ok {
			got = e.Code
		}
		if got != tt.code {
			t.Errorf("%s: %q want %q", tt.name, got, tt.code)
		}
		if tt.c.HeaderPrefix != "" {
			if e, _ := aws.As(err); e.Field("Condition") != "x-amz-copy-source-If-Match" {
				t.Errorf("condition %q", e.Field("Condition"))
			}
		}
	}
}

func TestTaggingHeader(t *testing.T) {
	tests := []struct {
		h    string
		n    int
		code string
	}{
		{"a=1&b=2", 2, ""},
		{"a=&b", 2, ""},
		{"k%20x=v%2Fw", 1, ""},
		{"a=1&a=2", 0, "InvalidArgument"},
		{"aws%3Ak=v", 0, "InvalidTag"},
		{"a=%ZZ", 0, "InvalidArgument"},
	}
	for _, tt := range tests {
		tags, err := ParseTaggingHeader(tt.h)
		got := ""
		if e, ok := aws.As(err); ok {
			got = e.Code
		}
		if got != tt.code || len(tags) != tt.n {
			t.Errorf("%q: %d tags, code %q", tt.h, len(tags), got)
		}
	}
}

func TestPutObjectSizeLimits(t *testing.T) {
	s, _ := newTestService(t)
	_, err := s.PutObject(context.Background(), owner, PutObjectInput{Bucket: "bkt", Key: "k", Body: bytes.NewReader(nil), Size: MaxObjectSize + 1})
	if !aws.IsCode(err, "EntityTooLarge") {
		t.Fatalf("err %v", err)
	}
	out, err := s.PutObject(context.Background(), owner, PutObjectInput{Bucket: "bkt", Key: "u", Body: bytes.NewReader([]byte("abc")), Size: -1})
	if err != nil || out.ETag != "900150983cd24fb0d6963f7d28e17f72" {
		t.Fatalf("unknown size: %v %+v", err, out)
	}
	_, err = s.PutObject(context.Background(), owner, PutObjectInput{Bucket: "bkt", Key: "short", Body: bytes.NewReader([]byte("ab")), Size: 3})
	if err == nil {
		t.Fatal("short body accepted")
	}
	anon := aws.Anonymous
	if _, err := s.PutObject(context.Background(), anon, PutObjectInput{Bucket: "bkt", Key: "k", Body: bytes.NewReader(nil)}); !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("anonymous: %v", err)
	}
}

func TestPutObjectTrailerChecksumAndEncoding(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	in := PutObjectInput{Bucket: "bkt", Key: "k", Body: bytes.NewReader([]byte("hello")), Size: 5,
		ChecksumAlgorithm: "CRC32C", ChecksumAtEOF: func() string { return "AAAAAA==" },
		Attributes: ObjectAttributes{ContentEncoding: "aws-chunked,gzip"}}
	if _, err := s.PutObject(ctx, owner, in); !aws.IsCode(err, "BadDigest") {
		t.Fatalf("wrong trailer: %v", err)
	}
	in.Body = bytes.NewReader([]byte("hello"))
	in.ChecksumAtEOF = func() string { return "mnG7TA==" }
	out, err := s.PutObject(ctx, owner, in)
	if err != nil || out.Checksum == nil || out.Checksum.Value != "mnG7TA==" {
		t.Fatalf("trailer: %v %+v", err, out)
	}
	v, _ := s.getVersion("bkt", "k", "")
	if v.ContentEncoding != "gzip" || v.ContentType != DefaultContentType {
		t.Fatalf("stored encoding %q type %q", v.ContentEncoding, v.ContentType)
	}
}

// putMultipartShaped commits a version laid out as a multipart upload would.
func putMultipartShaped(t *testing.T, s *Service, key string, parts ...[]byte) *Version {
	t.Helper()
	b, _ := s.Bucket("bkt")
	v := &Version{Key: key, Owner: owner.Account, LastModified: time.Now().UTC(), ETag: "0123456789abcdef0123456789abcdef-2"}
	for i, p := range parts {
		seg, err := s.storeData(bytes.NewReader(p), int64(len(p)), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		v.Data = append(v.Data, seg)
		v.Parts = append(v.Parts, PartInfo{Number: i + 1, Size: int64(len(p)), ETag: md5Hex(p)})
		v.Size += int64(len(p))
	}
	if err := s.commitVersion(b, v, nil); err != nil {
		t.Fatal(err)
	}
	return v
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func TestMultipartShapedReads(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	p1, p2 := bytes.Repeat([]byte("1"), InlineLimit+10), []byte("second part")
	putMultipartShaped(t, s, "mp", p1, p2)
	tests := []struct {
		in    GetObjectInput
		want  []byte
		count int
		code  string
	}{
		{GetObjectInput{PartNumber: 1}, p1, 2, ""},
		{GetObjectInput{PartNumber: 2}, p2, 2, ""},
		{GetObjectInput{PartNumber: 3}, nil, 0, "InvalidPartNumber"},
		{GetObjectInput{Range: "bytes=5-"}, append(append([]byte{}, p1[5:]...), p2...), 0, ""},
		{GetObjectInput{Range: "bytes=-3"}, []byte("art"), 0, ""},
	}
	for i, tt := range tests {
		tt.in.Bucket, tt.in.Key = "bkt", "mp"
		out, err := s.GetObject(ctx, owner, tt.in)
		if tt.code != "" {
			if !aws.IsCode(err, tt.code) {
				t.Fatalf("%d: %v", i, err)
			}
			continue
		}
		got, rerr := io.ReadAll(out.Body)
		if err != nil || rerr != nil || !bytes.Equal(got, tt.want) || out.PartsCount != tt.count {
			t.Fatalf("%d: %v %v %d bytes, count %d", i, err, rerr, len(got), out.PartsCount)
		}
	}
	attrs, err := s.GetObjectAttributes(ctx, owner, ObjectAttributesInput{Bucket: "bkt", Key: "mp", MaxParts: 1})
	if err != nil || len(attrs.Parts) != 1 || !attrs.Truncated {
		t.Fatalf("attributes page 1: %v %+v", err, attrs)
	}
	attrs, _ = s.GetObjectAttributes(ctx, owner, ObjectAttributesInput{Bucket: "bkt", Key: "mp", PartNumberMarker: 1})
	if len(attrs.Parts) != 1 || attrs.Parts[0].Number != 2 || attrs.Truncated {
		t.Fatalf("attributes page 2: %+v", attrs)
	}
	cp, err := s.CopyObject(ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "mp", Bucket: "bkt", Key: "single"})
	if err != nil || cp.ETag != md5Hex(append(append([]byte{}, p1...), p2...)) {
		t.Fatalf("copy of multipart: %v %+v", err, cp)
	}
}
