package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

const mib = 1 << 20

func randomData(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// multipartETag computes S3's ETag of an object made of parts.
func multipartETag(parts ...[]byte) string {
	var cat []byte
	for _, p := range parts {
		s := md5.Sum(p)
		cat = append(cat, s[:]...)
	}
	return md5Hex(cat) + "-" + strconv.Itoa(len(parts))
}

// mpuFixture is a bucket and a client for multipart tests.
type mpuFixture struct {
	t      *testing.T
	ts     *testServer
	c      *s3.Client
	bucket string
}

func newMPUFixture(t *testing.T) *mpuFixture {
	ts := newTestServer(t)
	c := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, c, "mpu-bucket", "us-east-1")
	return &mpuFixture{t: t, ts: ts, c: c, bucket: "mpu-bucket"}
}

func (f *mpuFixture) create(key string) string {
	f.t.Helper()
	out, err := f.c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		f.t.Fatalf("create upload %s: %v", key, err)
	}
	return *out.UploadId
}

func (f *mpuFixture) part(key, id string, n int32, data []byte) string {
	f.t.Helper()
	out, err := f.uploadPart(key, id, n, data)
	if err != nil {
		f.t.Fatalf("upload part %d: %v", n, err)
	}
	return *out.ETag
}

func (f *mpuFixture) uploadPart(key, id string, n int32, data []byte) (*s3.UploadPartOutput, error) {
	return f.c.UploadPart(context.Background(), &s3.UploadPartInput{
		Bucket: aws.String(f.bucket), Key: aws.String(key), UploadId: aws.String(id), PartNumber: aws.Int32(n),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
	})
}

func (f *mpuFixture) complete(key, id string, parts ...types.CompletedPart) (*s3.CompleteMultipartUploadOutput, error) {
	return f.c.CompleteMultipartUpload(context.Background(), &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(f.bucket), Key: aws.String(key), UploadId: aws.String(id),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
}

func completed(n int32, etag string) types.CompletedPart {
	return types.CompletedPart{PartNumber: aws.Int32(n), ETag: aws.String(etag)}
}

// getObject reads an object (or one part of it).
func (f *mpuFixture) getObject(key string, part int32) ([]byte, *s3.GetObjectOutput) {
	f.t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)}
	if part > 0 {
		in.PartNumber = aws.Int32(part)
	}
	out, err := f.c.GetObject(context.Background(), in)
	if err != nil {
		f.t.Fatalf("get %s part %d: %v", key, part, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return data, out
}

func TestMultipartRoundTrip(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	parts := [][]byte{randomData(t, 5*mib), randomData(t, 5*mib), randomData(t, mib)}
	created, err := f.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(f.bucket), Key: aws.String("dir/big object"), ContentType: aws.String("text/plain"),
		Metadata: map[string]string{"color": "blue"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *created.Bucket != f.bucket || *created.Key != "dir/big object" {
		t.Fatalf("created %+v", created)
	}
	id := *created.UploadId
	var list []types.CompletedPart
	for i, p := range parts {
		etag := f.part("dir/big object", id, int32(i+1), p)
		if etag != `"`+md5Hex(p)+`"` {
			t.Fatalf("part %d etag %s", i+1, etag)
		}
		list = append(list, completed(int32(i+1), etag))
	}
	out, err := f.complete("dir/big object", id, list...)
	if err != nil {
		t.Fatal(err)
	}
	want := `"` + multipartETag(parts...) + `"`
	if *out.ETag != want || !strings.HasSuffix(*out.ETag, `-3"`) || *out.Key != "dir/big object" || *out.Bucket != f.bucket {
		t.Fatalf("complete %+v, want etag %s", out, want)
	}
	if out.Location == nil || !strings.HasSuffix(*out.Location, "/mpu-bucket/dir/big%20object") {
		t.Fatalf("location %v", aws.ToString(out.Location))
	}
	if out.VersionId != nil {
		t.Fatalf("version id %q on a bucket without versioning", *out.VersionId)
	}
	data, got := f.getObject("dir/big object", 0)
	if !bytes.Equal(data, bytes.Join(parts, nil)) || aws.ToString(got.ETag) != want ||
		aws.ToString(got.ContentType) != "text/plain" || got.Metadata["color"] != "blue" {
		t.Fatalf("read back %d bytes, etag %s, %+v", len(data), aws.ToString(got.ETag), got)
	}
	data, got = f.getObject("dir/big object", 2)
	if !bytes.Equal(data, parts[1]) || aws.ToInt32(got.PartsCount) != 3 {
		t.Fatalf("part 2: %d bytes, parts count %d", len(data), aws.ToInt32(got.PartsCount))
	}
	if _, err := f.complete("dir/big object", id, list...); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("complete again: %v", err)
	}
	ups, err := f.c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket)})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("uploads left: %+v %v", ups, err)
	}
}

func TestMultipartVersionID(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	_, err := f.c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(f.bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	if err != nil {
		t.Fatal(err)
	}
	id := f.create("k")
	etag := f.part("k", id, 1, []byte("small"))
	out, err := f.complete("k", id, completed(1, etag))
	if err != nil || len(aws.ToString(out.VersionId)) != 32 {
		t.Fatalf("complete %+v %v", out, err)
	}
}

func TestMultipartErrors(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	id := f.create("k")
	small := []byte("0123456789")
	e1 := f.part("k", id, 1, small)
	e2 := f.part("k", id, 2, randomData(t, 5*mib))
	badMD5 := base64.StdEncoding.EncodeToString(make([]byte, 16))
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"part number 0", func() error { _, err := f.uploadPart("k", id, 0, small); return err }, "InvalidArgument"},
		{"part number 10001", func() error { _, err := f.uploadPart("k", id, 10001, small); return err }, "InvalidArgument"},
		{"unknown upload", func() error { _, err := f.uploadPart("k", "nope", 1, small); return err }, "NoSuchUpload"},
		{"other key", func() error { _, err := f.uploadPart("other", id, 1, small); return err }, "NoSuchUpload"},
		{"bad content-md5", func() error {
			_, err := f.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id),
				PartNumber: aws.Int32(3), Body: bytes.NewReader(small), ContentMD5: aws.String(badMD5)})
			return err
		}, "BadDigest"},
		{"malformed content-md5", func() error {
			_, err := f.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id),
				PartNumber: aws.Int32(3), Body: bytes.NewReader(small), ContentMD5: aws.String("abc")})
			return err
		}, "InvalidDigest"},
		{"no parts", func() error { _, err := f.complete("k", id); return err }, "InvalidRequest"},
		{"out of order", func() error { _, err := f.complete("k", id, completed(2, e2), completed(1, e1)); return err }, "InvalidPartOrder"},
		{"wrong etag", func() error { _, err := f.complete("k", id, completed(1, `"`+md5Hex(nil)+`"`)); return err }, "InvalidPart"},
		{"missing part", func() error { _, err := f.complete("k", id, completed(1, e1), completed(7, e1)); return err }, "InvalidPart"},
		{"small non-last part", func() error { _, err := f.complete("k", id, completed(1, e1), completed(2, e2)); return err }, "EntityTooSmall"},
		{"object size", func() error {
			_, err := f.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"),
				UploadId: aws.String(id), MpuObjectSize: aws.Int64(4), MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{completed(1, e1)}}})
			return err
		}, "InvalidRequest"},
		{"abort unknown", func() error {
			_, err := f.c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String("nope")})
			return err
		}, "NoSuchUpload"},
		{"list parts unknown", func() error {
			_, err := f.c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String("nope")})
			return err
		}, "NoSuchUpload"},
		{"checksum type without algorithm", func() error {
			_, err := f.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), ChecksumType: types.ChecksumTypeComposite})
			return err
		}, "InvalidRequest"},
		{"full object sha256", func() error {
			_, err := f.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"),
				ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumType: types.ChecksumTypeFullObject})
			return err
		}, "InvalidRequest"},
		{"bad storage class", func() error {
			_, err := f.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), StorageClass: "OUTPOSTS"})
			return err
		}, "InvalidStorageClass"},
		{"key too long", func() error {
			_, err := f.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String(strings.Repeat("k", 1025))})
			return err
		}, "KeyTooLongError"},
		{"other account", func() error {
			_, err := f.ts.client("AKIDACCOUNTB", "us-east-1").CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k")})
			return err
		}, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apiCode(tt.call()); got != tt.code {
				t.Fatalf("code %q, want %q", got, tt.code)
			}
		})
	}
	// Nothing above changed the upload: it still completes.
	if _, err := f.complete("k", id, completed(2, e2), completed(3, f.part("k", id, 3, small))); err != nil {
		t.Fatal(err)
	}
}

func TestPartReuploadReplaces(t *testing.T) {
	f := newMPUFixture(t)
	id := f.create("k")
	f.part("k", id, 1, []byte("first version"))
	second := []byte("second")
	etag := f.part("k", id, 1, second)
	parts, err := f.c.ListParts(context.Background(), &s3.ListPartsInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts.Parts) != 1 || *parts.Parts[0].ETag != etag || *parts.Parts[0].Size != int64(len(second)) {
		t.Fatalf("parts %+v", parts.Parts)
	}
	out, err := f.complete("k", id, completed(1, etag))
	if err != nil || *out.ETag != `"`+multipartETag(second)+`"` {
		t.Fatalf("complete %v %v", out, err)
	}
	if data, _ := f.getObject("k", 0); !bytes.Equal(data, second) {
		t.Fatalf("read %q", data)
	}
}

func TestAbortMultipartUpload(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	id := f.create("k")
	f.part("k", id, 1, randomData(t, 200<<10))
	if _, err := f.c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uploadPart("k", id, 2, []byte("x")); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("part after abort: %v", err)
	}
	_, err := f.c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id)})
	if apiCode(err) != "NoSuchUpload" {
		t.Fatalf("list parts after abort: %v", err)
	}
}

func TestListPartsPaging(t *testing.T) {
	f := newMPUFixture(t)
	id := f.create("k")
	for n := int32(1); n <= 5; n++ {
		f.part("k", id, n, []byte{byte(n)})
	}
	var got []int32
	marker := ""
	for page := 0; page < 5; page++ {
		in := &s3.ListPartsInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id), MaxParts: aws.Int32(2)}
		if marker != "" {
			in.PartNumberMarker = aws.String(marker)
		}
		out, err := f.c.ListParts(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Parts {
			got = append(got, *p.PartNumber)
			if *p.Size != 1 || p.LastModified == nil {
				t.Fatalf("part %+v", p)
			}
		}
		if out.Initiator == nil || out.Owner == nil || out.StorageClass != types.StorageClassStandard || aws.ToInt32(out.MaxParts) != 2 {
			t.Fatalf("page %+v", out)
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		marker = aws.ToString(out.NextPartNumberMarker)
	}
	if len(got) != 5 || got[0] != 1 || got[4] != 5 {
		t.Fatalf("parts %v", got)
	}
}

func TestListMultipartUploads(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	ids := map[string]string{}
	for _, k := range []string{"c", "a/1", "b", "a/2"} {
		ids[k] = f.create(k)
	}
	second := f.create("b")
	// Paging one upload at a time walks keys in order, b's uploads oldest first.
	var seen []string
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket), MaxUploads: aws.Int32(1)}
	for i := 0; i < 10; i++ {
		out, err := f.c.ListMultipartUploads(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range out.Uploads {
			seen = append(seen, *u.Key+"="+*u.UploadId)
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	want := []string{"a/1=" + ids["a/1"], "a/2=" + ids["a/2"], "b=" + ids["b"], "b=" + second, "c=" + ids["c"]}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("paged\n%v\nwant\n%v", seen, want)
	}
	out, err := f.c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CommonPrefixes) != 1 || *out.CommonPrefixes[0].Prefix != "a/" || len(out.Uploads) != 3 {
		t.Fatalf("delimited %+v", out)
	}
	out, err = f.c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket), Prefix: aws.String("a/"), KeyMarker: aws.String("a/1")})
	if err != nil || len(out.Uploads) != 1 || *out.Uploads[0].Key != "a/2" {
		t.Fatalf("prefix and marker %+v %v", out, err)
	}
	_, err = f.c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket), KeyMarker: aws.String("c"), UploadIdMarker: aws.String(ids["b"])})
	if apiCode(err) != "InvalidArgument" {
		t.Fatalf("mismatched upload id marker: %v", err)
	}
}

func TestUploadPartCopy(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	src := randomData(t, 1000)
	srcID := f.create("src")
	if _, err := f.complete("src", srcID, completed(1, f.part("src", srcID, 1, src))); err != nil {
		t.Fatal(err)
	}
	id := f.create("dst")
	copyPart := func(n int32, rng, ifMatch string) (*s3.UploadPartCopyOutput, error) {
		in := &s3.UploadPartCopyInput{Bucket: aws.String(f.bucket), Key: aws.String("dst"), UploadId: aws.String(id),
			PartNumber: aws.Int32(n), CopySource: aws.String(f.bucket + "/src")}
		if rng != "" {
			in.CopySourceRange = aws.String(rng)
		}
		if ifMatch != "" {
			in.CopySourceIfMatch = aws.String(ifMatch)
		}
		return f.c.UploadPartCopy(ctx, in)
	}
	for _, tt := range []struct{ rng, ifMatch, code string }{
		{"0-8", "", "InvalidArgument"},
		{"bytes=0-1000", "", "InvalidArgument"},
		{"bytes=1000-1001", "", "InvalidRequest"},
		{"", `"nope"`, "PreconditionFailed"},
	} {
		if _, err := copyPart(1, tt.rng, tt.ifMatch); apiCode(err) != tt.code {
			t.Errorf("range %q if-match %q: %v, want %s", tt.rng, tt.ifMatch, err, tt.code)
		}
	}
	out, err := copyPart(1, "bytes=100-199", "")
	if err != nil {
		t.Fatal(err)
	}
	if *out.CopyPartResult.ETag != `"`+md5Hex(src[100:200])+`"` || out.CopyPartResult.LastModified == nil {
		t.Fatalf("copy result %+v", out.CopyPartResult)
	}
	done, err := f.complete("dst", id, completed(1, *out.CopyPartResult.ETag))
	if err != nil || *done.ETag != `"`+multipartETag(src[100:200])+`"` {
		t.Fatalf("complete %v %v", done, err)
	}
	if data, _ := f.getObject("dst", 0); !bytes.Equal(data, src[100:200]) {
		t.Fatalf("copied %d bytes", len(data))
	}
	id2 := f.create("dst2")
	_, err = f.c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(f.bucket), Key: aws.String("dst2"), UploadId: aws.String(id2),
		PartNumber: aws.Int32(1), CopySource: aws.String(f.bucket + "/missing")})
	if apiCode(err) != "NoSuchKey" {
		t.Fatalf("missing source: %v", err)
	}
}

func TestConcurrentUploadPart(t *testing.T) {
	f := newMPUFixture(t)
	id := f.create("k")
	parts := [][]byte{randomData(t, 5*mib), randomData(t, 5*mib), randomData(t, 5*mib), randomData(t, mib)}
	etags := make([]string, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := f.uploadPart("k", id, int32(i+1), parts[i])
			if err == nil {
				etags[i] = *out.ETag
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	var list []types.CompletedPart
	for i, err := range errs {
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		list = append(list, completed(int32(i+1), etags[i]))
	}
	out, err := f.complete("k", id, list...)
	if err != nil || *out.ETag != `"`+multipartETag(parts...)+`"` {
		t.Fatalf("complete %v %v", out, err)
	}
}

func TestMultipartChecksums(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	created, err := f.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil || created.ChecksumType != types.ChecksumTypeComposite {
		t.Fatalf("create %+v %v", created, err)
	}
	id := *created.UploadId
	data := []byte("checksummed part")
	sum := sha256.Sum256(data)
	value := base64.StdEncoding.EncodeToString(sum[:])
	upload := func(in *s3.UploadPartInput) (*s3.UploadPartOutput, error) {
		in.Bucket, in.Key, in.UploadId, in.PartNumber = aws.String(f.bucket), aws.String("k"), aws.String(id), aws.Int32(1)
		in.Body = bytes.NewReader(data)
		return f.c.UploadPart(ctx, in)
	}
	wrong := sha256.Sum256([]byte("other"))
	if _, err := upload(&s3.UploadPartInput{ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(wrong[:]))}); apiCode(err) != "BadDigest" {
		t.Fatalf("wrong checksum: %v", err)
	}
	if _, err := upload(&s3.UploadPartInput{ChecksumCRC32: aws.String("AAAAAA==")}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("other algorithm: %v", err)
	}
	out, err := upload(&s3.UploadPartInput{ChecksumSHA256: aws.String(value)})
	if err != nil || aws.ToString(out.ChecksumSHA256) != value {
		t.Fatalf("upload %+v %v", out, err)
	}
	if _, err := f.complete("k", id, completed(1, *out.ETag)); apiCode(err) != "InvalidRequest" {
		t.Fatalf("complete without part checksum: %v", err)
	}
	bad := completed(1, *out.ETag)
	bad.ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(wrong[:]))
	if _, err := f.complete("k", id, bad); apiCode(err) != "BadDigest" {
		t.Fatalf("complete with wrong part checksum: %v", err)
	}
	good := completed(1, *out.ETag)
	good.ChecksumSHA256 = aws.String(value)
	done, err := f.complete("k", id, good)
	if err != nil {
		t.Fatal(err)
	}
	composite := sha256.Sum256(sum[:])
	if aws.ToString(done.ChecksumSHA256) != base64.StdEncoding.EncodeToString(composite[:])+"-1" || done.ChecksumType != types.ChecksumTypeComposite {
		t.Fatalf("composite %v %v", aws.ToString(done.ChecksumSHA256), done.ChecksumType)
	}
}

func TestMultipartFullObjectCRC(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	created, err := f.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c, ChecksumType: types.ChecksumTypeFullObject})
	if err != nil || created.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("create %+v %v", created, err)
	}
	id := *created.UploadId
	parts := [][]byte{randomData(t, 5*mib), randomData(t, 1234)}
	var list []types.CompletedPart
	for i, p := range parts {
		out, err := f.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id),
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumCRC32C: aws.String(crc32cB64(p))})
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, completed(int32(i+1), *out.ETag))
	}
	whole := crc32cB64(bytes.Join(parts, nil))
	_, err = f.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id),
		ChecksumCRC32C: aws.String(crc32cB64([]byte("wrong"))), MultipartUpload: &types.CompletedMultipartUpload{Parts: list}})
	if apiCode(err) != "BadDigest" {
		t.Fatalf("wrong whole-object checksum: %v", err)
	}
	_, err = f.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id),
		ChecksumType: types.ChecksumTypeComposite, MultipartUpload: &types.CompletedMultipartUpload{Parts: list}})
	if apiCode(err) != "InvalidRequest" {
		t.Fatalf("other checksum mode: %v", err)
	}
	done, err := f.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"), UploadId: aws.String(id),
		ChecksumCRC32C: aws.String(whole), MultipartUpload: &types.CompletedMultipartUpload{Parts: list}})
	if err != nil || aws.ToString(done.ChecksumCRC32C) != whole || done.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("complete %+v %v", done, err)
	}
}

func crc32cB64(b []byte) string {
	var raw [4]byte
	binary.BigEndian.PutUint32(raw[:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(raw[:])
}

func TestCompleteConditional(t *testing.T) {
	f := newMPUFixture(t)
	ctx := context.Background()
	complete := func(ifNoneMatch string) error {
		id := f.create("k")
		etag := f.part("k", id, 1, []byte("data"))
		_, err := f.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(f.bucket), Key: aws.String("k"),
			UploadId: aws.String(id), IfNoneMatch: aws.String(ifNoneMatch), MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{completed(1, etag)}}})
		return err
	}
	if err := complete("*"); err != nil {
		t.Fatal(err)
	}
	if err := complete("*"); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("second create-only complete: %v", err)
	}
}
