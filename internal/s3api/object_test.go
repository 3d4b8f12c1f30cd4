package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// objTest is a test server with a bucket of account A in us-east-1.
type objTest struct {
	ts     *testServer
	c      *s3.Client
	bucket string
}

func newObjTest(t *testing.T, bucket string) *objTest {
	t.Helper()
	ts := newTestServer(t)
	c := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, c, bucket, "us-east-1")
	return &objTest{ts: ts, c: c, bucket: bucket}
}

func (o *objTest) put(t *testing.T, key string, body []byte) *s3.PutObjectOutput {
	t.Helper()
	out, err := o.c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return out
}

func (o *objTest) get(key string, mod func(*s3.GetObjectInput)) (*s3.GetObjectOutput, []byte, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)}
	if mod != nil {
		mod(in)
	}
	out, err := o.c.GetObject(context.Background(), in)
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return out, b, err
}

func (o *objTest) versioning(t *testing.T, status types.BucketVersioningStatus) {
	t.Helper()
	_, err := o.c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String(o.bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status}})
	if err != nil {
		t.Fatal(err)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return `"` + hex.EncodeToString(s[:]) + `"`
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestPutGetRoundTrip(t *testing.T) {
	o := newObjTest(t, "round")
	for _, size := range []int{0, 1, 200 << 10, 3 << 20, 9 << 20} {
		body := randomBytes(size)
		key := "obj-" + strings.Repeat("x", size%7)
		put := o.put(t, key, body)
		if aws.ToString(put.ETag) != md5hex(body) || put.VersionId != nil {
			t.Fatalf("size %d: etag %s version %v", size, aws.ToString(put.ETag), put.VersionId)
		}
		out, got, err := o.get(key, nil)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("size %d: get %v, %d bytes", size, err, len(got))
		}
		if aws.ToInt64(out.ContentLength) != int64(size) ||
			aws.ToString(out.AcceptRanges) != "bytes" || out.VersionId != nil || aws.ToString(out.ETag) != md5hex(body) {
			t.Fatalf("size %d: headers len=%d type=%q ranges=%q etag=%q", size, aws.ToInt64(out.ContentLength), aws.ToString(out.ContentType), aws.ToString(out.AcceptRanges), aws.ToString(out.ETag))
		}
	}
}

func TestMetadataAndContentHeaders(t *testing.T) {
	o := newObjTest(t, "meta")
	ctx := context.Background()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := o.c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(o.bucket), Key: aws.String("k"), Body: strings.NewReader("hello"),
		ContentType: aws.String("text/plain"), ContentEncoding: aws.String("identity"), ContentDisposition: aws.String("attachment"),
		ContentLanguage: aws.String("en"), CacheControl: aws.String("no-cache"), Expires: &exp,
		Metadata: map[string]string{"Color": "blue", "size": "xl"}, StorageClass: types.StorageClassStandardIa,
		Tagging: aws.String("a=1&b=two"),
	})
	if err != nil {
		t.Fatal(err)
	}
	head, err := o.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ContentType) != "text/plain" || aws.ToString(head.ContentEncoding) != "identity" ||
		aws.ToString(head.ContentDisposition) != "attachment" || aws.ToString(head.ContentLanguage) != "en" ||
		aws.ToString(head.CacheControl) != "no-cache" || head.StorageClass != types.StorageClassStandardIa ||
		head.Metadata["color"] != "blue" || head.Metadata["size"] != "xl" || aws.ToInt32(head.TagCount) != 2 {
		t.Fatalf("head %+v", head)
	}
	if head.ExpiresString == nil || *head.ExpiresString != exp.Format(http.TimeFormat) {
		t.Fatalf("expires %v", aws.ToString(head.ExpiresString))
	}
	out, _, err := o.get("k", func(in *s3.GetObjectInput) {
		in.ResponseContentType = aws.String("application/json")
		in.ResponseCacheControl = aws.String("max-age=1")
	})
	if err != nil || aws.ToString(out.ContentType) != "application/json" || aws.ToString(out.CacheControl) != "max-age=1" {
		t.Fatalf("overrides %v %+v", err, out)
	}
	o.put(t, "plain", []byte("x"))
	h2, _ := o.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("plain")})
	if h2.StorageClass != "" {
		t.Fatalf("standard class echoed: %q", h2.StorageClass)
	}
}

func TestPutObjectValidation(t *testing.T) {
	o := newObjTest(t, "valid")
	ctx := context.Background()
	bigMeta := map[string]string{"a": strings.Repeat("v", 2048)}
	tests := []struct {
		name string
		in   s3.PutObjectInput
		code string
	}{
		{"key too long", s3.PutObjectInput{Key: aws.String(strings.Repeat("k", 1025))}, "KeyTooLongError"},
		{"key at limit", s3.PutObjectInput{Key: aws.String(strings.Repeat("k", 1024))}, ""},
		{"metadata too large", s3.PutObjectInput{Key: aws.String("m"), Metadata: bigMeta}, "MetadataTooLarge"},
		{"metadata at limit", s3.PutObjectInput{Key: aws.String("m"), Metadata: map[string]string{"a": strings.Repeat("v", 2047)}}, ""},
		{"outposts", s3.PutObjectInput{Key: aws.String("s"), StorageClass: types.StorageClassOutposts}, "InvalidStorageClass"},
		{"duplicate tag", s3.PutObjectInput{Key: aws.String("t"), Tagging: aws.String("a=1&a=2")}, "InvalidArgument"},
		{"too many tags", s3.PutObjectInput{Key: aws.String("t"), Tagging: aws.String("a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1")}, "BadRequest"},
		{"aws prefix", s3.PutObjectInput{Key: aws.String("t"), Tagging: aws.String("aws%3Ax=1")}, "InvalidTag"},
		{"long tag value", s3.PutObjectInput{Key: aws.String("t"), Tagging: aws.String("a=" + strings.Repeat("v", 257))}, "InvalidTag"},
		{"bad md5", s3.PutObjectInput{Key: aws.String("d"), ContentMD5: aws.String("AAAAAAAAAAAAAAAAAAAAAA==")}, "BadDigest"},
		{"invalid md5", s3.PutObjectInput{Key: aws.String("d"), ContentMD5: aws.String("nope")}, "InvalidDigest"},
		{"bad crc32", s3.PutObjectInput{Key: aws.String("c"), ChecksumCRC32: aws.String("AAAAAA==")}, "BadDigest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Bucket = aws.String(o.bucket)
			in.Body = strings.NewReader("body")
			_, err := o.c.PutObject(ctx, &in)
			if got := apiCode(err); got != tt.code {
				t.Fatalf("code %q, want %q (%v)", got, tt.code, err)
			}
		})
	}
	if _, err := o.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("d")}); httpStatus(err) != 404 {
		t.Fatalf("a rejected put left an object: %v", err)
	}
}

func TestPutObjectChecksum(t *testing.T) {
	o := newObjTest(t, "sums")
	ctx := context.Background()
	out, err := o.c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k"),
		Body: strings.NewReader("hello"), ChecksumCRC32: aws.String("NhCmhg==")})
	if err != nil || aws.ToString(out.ChecksumCRC32) != "NhCmhg==" {
		t.Fatalf("put %v %+v", err, out)
	}
	head, err := o.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(head.ChecksumCRC32) != "NhCmhg==" {
		t.Fatalf("head %v %+v", err, head)
	}
	plain, _ := o.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")})
	if plain.ChecksumCRC32 != nil {
		t.Fatal("checksum sent without checksum mode")
	}
}

func TestConditionalPut(t *testing.T) {
	o := newObjTest(t, "condput")
	ctx := context.Background()
	put := func(ifMatch, ifNoneMatch string) error {
		in := &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), Body: strings.NewReader("v")}
		if ifMatch != "" {
			in.IfMatch = aws.String(ifMatch)
		}
		if ifNoneMatch != "" {
			in.IfNoneMatch = aws.String(ifNoneMatch)
		}
		_, err := o.c.PutObject(ctx, in)
		return err
	}
	if err := put("", "*"); err != nil {
		t.Fatal(err)
	}
	if err := put("", "*"); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("second create: %v", err)
	}
	if err := put(md5hex([]byte("v")), ""); err != nil {
		t.Fatalf("if-match: %v", err)
	}
	if err := put(`"0123"`, ""); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("if-match mismatch: %v", err)
	}
	if err := put("", `"abc"`); apiCode(err) != "NotImplemented" {
		t.Fatalf("if-none-match etag: %v", err)
	}
}

func TestGetRange(t *testing.T) {
	o := newObjTest(t, "ranges")
	body := []byte("0123456789")
	o.put(t, "k", body)
	tests := []struct {
		rng, want, contentRange string
		code                    string
	}{
		{"bytes=0-3", "0123", "bytes 0-3/10", ""},
		{"bytes=5-", "56789", "bytes 5-9/10", ""},
		{"bytes=-3", "789", "bytes 7-9/10", ""},
		{"bytes=8-100", "89", "bytes 8-9/10", ""},
		{"bytes=-100", "0123456789", "bytes 0-9/10", ""},
		{"bytes=10-", "", "", "InvalidRange"},
		{"bytes=20-30", "", "", "InvalidRange"},
		{"bytes=0-1,3-4", "0123456789", "", ""},
		{"bytes=5-2", "0123456789", "", ""},
		{"items=0-1", "0123456789", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			out, got, err := o.get("k", func(in *s3.GetObjectInput) { in.Range = aws.String(tt.rng) })
			if apiCode(err) != tt.code {
				t.Fatalf("code %q want %q (%v)", apiCode(err), tt.code, err)
			}
			if err != nil {
				if httpStatus(err) != 416 {
					t.Fatalf("status %d", httpStatus(err))
				}
				return
			}
			if string(got) != tt.want || aws.ToString(out.ContentRange) != tt.contentRange {
				t.Fatalf("got %q range %q", got, aws.ToString(out.ContentRange))
			}
		})
	}
	_, _, err := o.get("k", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=0-1"); in.PartNumber = aws.Int32(1) })
	if apiCode(err) != "InvalidRequest" {
		t.Fatalf("range+part: %v", err)
	}
	out, got, err := o.get("k", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(1) })
	if err != nil || string(got) != string(body) {
		t.Fatalf("part 1: %v %q %+v", err, got, out)
	}
	if _, _, err := o.get("k", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(2) }); apiCode(err) != "InvalidPartNumber" {
		t.Fatalf("part 2: %v", err)
	}
}

func TestGetConditionals(t *testing.T) {
	o := newObjTest(t, "conds")
	body := []byte("data")
	o.put(t, "k", body)
	etag := md5hex(body)
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name                 string
		ifMatch, ifNoneMatch string
		ims, ius             *time.Time
		status               int
	}{
		{"if-match true", etag, "", nil, nil, 200},
		{"if-match false", `"nope"`, "", nil, nil, 412},
		{"if-match star", "*", "", nil, nil, 200},
		{"if-none-match true", "", `"nope"`, nil, nil, 200},
		{"if-none-match false", "", etag, nil, nil, 304},
		{"modified since past", "", "", &past, nil, 200},
		{"modified since future", "", "", &future, nil, 304},
		{"unmodified since past", "", "", nil, &past, 412},
		{"unmodified since future", "", "", nil, &future, 200},
		{"if-match true + unmodified false", etag, "", nil, &past, 200},
		{"if-none-match false + modified true", "", etag, &past, nil, 304},
		{"if-none-match true + modified false", "", `"nope"`, &future, nil, 200},
		{"if-match false + if-none-match false", `"nope"`, etag, nil, nil, 412},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := o.get("k", func(in *s3.GetObjectInput) {
				if tt.ifMatch != "" {
					in.IfMatch = aws.String(tt.ifMatch)
				}
				if tt.ifNoneMatch != "" {
					in.IfNoneMatch = aws.String(tt.ifNoneMatch)
				}
				in.IfModifiedSince, in.IfUnmodifiedSince = tt.ims, tt.ius
			})
			status := 200
			if err != nil {
				status = httpStatus(err)
			}
			if status != tt.status {
				t.Fatalf("status %d want %d (%v)", status, tt.status, err)
			}
			if status == 412 && apiCode(err) != "PreconditionFailed" {
				t.Fatalf("code %q", apiCode(err))
			}
		})
	}
}

// rawRequest sends an unverified request signed-looking for account A.
func rawRequest(t *testing.T, ts *testServer, method, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, nil)
	if method == http.MethodPut {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDACCOUNTA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHeadMissingKeyHasNoBody(t *testing.T) {
	o := newObjTest(t, "heads")
	resp := rawRequest(t, o.ts, http.MethodHead, "/heads/missing")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || len(b) != 0 {
		t.Fatalf("status %d body %q", resp.StatusCode, b)
	}
	resp = rawRequest(t, o.ts, http.MethodPut, "/heads/untyped")
	if resp.StatusCode != 200 {
		t.Fatalf("raw put: %d", resp.StatusCode)
	}
	if h, err := o.c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("heads"), Key: aws.String("untyped")}); err != nil || aws.ToString(h.ContentType) != "binary/octet-stream" {
		t.Fatalf("default content type: %v %v", err, h)
	}
	resp = rawRequest(t, o.ts, http.MethodGet, "/heads/missing")
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || !strings.Contains(string(b), "<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>missing</Key>") {
		t.Fatalf("status %d body %q", resp.StatusCode, b)
	}
	o.put(t, "k", []byte("x"))
	resp = rawRequest(t, o.ts, http.MethodGet, "/heads/k?versionId=bad")
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "Invalid version id specified") {
		t.Fatalf("bad version: %d %q", resp.StatusCode, b)
	}
}

func TestGetCorruptObjectIsInternalError(t *testing.T) {
	o := newObjTest(t, "corrupt")
	body := randomBytes(200 << 10)
	o.put(t, "k", body)
	// The harness keeps blobs in an earlier t.TempDir of this test.
	root := filepath.Dir(t.TempDir())
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(filepath.Base(filepath.Dir(p))) == 2 {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 {
		t.Fatalf("blob files %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	raw[12345] ^= 0x01
	if err := os.WriteFile(files[0], raw, 0o600); err != nil {
		t.Fatal(err)
	}
	resp := rawRequest(t, o.ts, http.MethodGet, "/corrupt/k")
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || !strings.Contains(string(got), "<Code>InternalError</Code>") {
		t.Fatalf("status %d body %.200q", resp.StatusCode, got)
	}
	_, err := o.c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")},
		func(opt *s3.Options) { opt.RetryMaxAttempts = 1 })
	if apiCode(err) != "InternalError" {
		t.Fatalf("SDK read of a corrupt object: %v", err)
	}
}

func TestArchivedObjectAndAnonymousOverrides(t *testing.T) {
	o := newObjTest(t, "archive")
	ctx := context.Background()
	_, err := o.c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("cold"), Body: strings.NewReader("x"), StorageClass: types.StorageClassGlacier})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.get("cold", nil); apiCode(err) != "InvalidObjectState" || httpStatus(err) != 403 {
		t.Fatalf("get archived: %v", err)
	}
	head, err := o.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("cold")})
	if err != nil || head.StorageClass != types.StorageClassGlacier {
		t.Fatalf("head archived: %v %+v", err, head)
	}
	resp, err := http.Get(o.ts.URL + "/archive/cold?response-content-type=text/plain")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "Request specific response headers cannot be used for anonymous GET requests.") {
		t.Fatalf("anonymous overrides: %d %s", resp.StatusCode, body)
	}
}
