package s3api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestVersioningEnabledFlow(t *testing.T) {
	o := newObjTest(t, "venabled")
	ctx := context.Background()
	o.versioning(t, types.BucketVersioningStatusEnabled)
	v1 := o.put(t, "k", []byte("one"))
	v2 := o.put(t, "k", []byte("two"))
	if v1.VersionId == nil || v2.VersionId == nil || *v1.VersionId == *v2.VersionId {
		t.Fatalf("version ids %v %v", v1.VersionId, v2.VersionId)
	}
	_, got, err := o.get("k", func(in *s3.GetObjectInput) { in.VersionId = v1.VersionId })
	if err != nil || string(got) != "one" {
		t.Fatalf("get v1: %v %q", err, got)
	}
	del, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("delete: %v %+v", err, del)
	}
	resp := rawRequest(t, o.ts, http.MethodGet, "/venabled/k")
	if resp.StatusCode != 404 || resp.Header.Get("x-amz-delete-marker") != "true" || resp.Header.Get("x-amz-version-id") != *del.VersionId {
		t.Fatalf("get after delete: %d %v", resp.StatusCode, resp.Header)
	}
	resp = rawRequest(t, o.ts, http.MethodGet, "/venabled/k?versionId="+*del.VersionId)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 405 || resp.Header.Get("x-amz-delete-marker") != "true" || resp.Header.Get("Last-Modified") == "" ||
		!strings.Contains(string(body), "<Method>GET</Method><ResourceType>DeleteMarker</ResourceType>") {
		t.Fatalf("get marker: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	_, _, err = o.get("k", func(in *s3.GetObjectInput) { in.VersionId = aws.String("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") })
	if apiCode(err) != "NoSuchVersion" {
		t.Fatalf("unknown version: %v", err)
	}
	rm, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), VersionId: del.VersionId})
	if err != nil || !aws.ToBool(rm.DeleteMarker) || aws.ToString(rm.VersionId) != *del.VersionId {
		t.Fatalf("remove marker: %v %+v", err, rm)
	}
	out, got, err := o.get("k", nil)
	if err != nil || string(got) != "two" || aws.ToString(out.VersionId) != *v2.VersionId {
		t.Fatalf("restored: %v %q", err, got)
	}
	if _, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), VersionId: v2.VersionId}); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := o.get("k", nil); string(got) != "one" {
		t.Fatalf("after removing v2: %q", got)
	}
	_, err = o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), VersionId: aws.String("bad")})
	if apiCode(err) != "InvalidArgument" {
		t.Fatalf("bad version delete: %v", err)
	}
}

func TestVersioningSuspendedFlow(t *testing.T) {
	o := newObjTest(t, "vsusp")
	ctx := context.Background()
	o.versioning(t, types.BucketVersioningStatusEnabled)
	v1 := o.put(t, "k", []byte("one"))
	o.versioning(t, types.BucketVersioningStatusSuspended)
	n1 := o.put(t, "k", []byte("null-1"))
	n2 := o.put(t, "k", []byte("null-2"))
	if aws.ToString(n1.VersionId) != "null" || aws.ToString(n2.VersionId) != "null" {
		t.Fatalf("suspended ids %v %v", n1.VersionId, n2.VersionId)
	}
	if _, got, err := o.get("k", func(in *s3.GetObjectInput) { in.VersionId = aws.String("null") }); err != nil || string(got) != "null-2" {
		t.Fatalf("null version: %v %q", err, got)
	}
	del, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")})
	if err != nil || aws.ToString(del.VersionId) != "null" || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete: %v %+v", err, del)
	}
	if _, _, err := o.get("k", func(in *s3.GetObjectInput) { in.VersionId = aws.String("null") }); httpStatus(err) != 405 {
		t.Fatalf("null is a marker now: %v", err)
	}
	if _, got, err := o.get("k", func(in *s3.GetObjectInput) { in.VersionId = v1.VersionId }); err != nil || string(got) != "one" {
		t.Fatalf("v1: %v %q", err, got)
	}
}

func TestUnversionedDelete(t *testing.T) {
	o := newObjTest(t, "unver")
	ctx := context.Background()
	o.put(t, "k", []byte("x"))
	del, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")})
	if err != nil || del.VersionId != nil || del.DeleteMarker != nil {
		t.Fatalf("delete %v %+v", err, del)
	}
	if _, _, err := o.get("k", nil); apiCode(err) != "NoSuchKey" {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")}); err != nil {
		t.Fatalf("delete absent: %v", err)
	}
}

func TestDeleteObjects(t *testing.T) {
	o := newObjTest(t, "multi")
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		o.put(t, k, []byte(k))
	}
	objs := []types.ObjectIdentifier{{Key: aws.String("a")}, {Key: aws.String("b")}, {Key: aws.String("zz")}, {Key: aws.String("c"), VersionId: aws.String("bad")}}
	out, err := o.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(o.bucket), Delete: &types.Delete{Objects: objs}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 3 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "InvalidArgument" || aws.ToString(out.Errors[0].Key) != "c" {
		t.Fatalf("verbose result %+v", out)
	}
	o.versioning(t, types.BucketVersioningStatusEnabled)
	quiet, err := o.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(o.bucket), Delete: &types.Delete{Objects: objs[3:], Quiet: aws.Bool(true)}})
	if err != nil || len(quiet.Deleted) != 0 || len(quiet.Errors) != 1 {
		t.Fatalf("quiet %v %+v", err, quiet)
	}
	marked, err := o.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(o.bucket), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("c")}}}})
	if err != nil || len(marked.Deleted) != 1 || !aws.ToBool(marked.Deleted[0].DeleteMarker) || marked.Deleted[0].DeleteMarkerVersionId == nil {
		t.Fatalf("marker %v %+v", err, marked)
	}
	many := make([]types.ObjectIdentifier, 1001)
	for i := range many {
		many[i] = types.ObjectIdentifier{Key: aws.String("k")}
	}
	if _, err := o.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(o.bucket), Delete: &types.Delete{Objects: many}}); apiCode(err) != "MalformedXML" {
		t.Fatalf("1001 keys: %v", err)
	}
	b := o.ts.client("AKIDACCOUNTB", "us-east-1")
	denied, err := b.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(o.bucket), Delete: &types.Delete{Objects: objs[:1]}})
	if err != nil || len(denied.Errors) != 1 || aws.ToString(denied.Errors[0].Code) != "AccessDenied" {
		t.Fatalf("other account %v %+v", err, denied)
	}
}

func TestDeleteObjectsRequiresDigest(t *testing.T) {
	o := newObjTest(t, "digest")
	req, _ := http.NewRequest(http.MethodPost, o.ts.URL+"/digest?delete", strings.NewReader("<Delete><Object><Key>a</Key></Object></Delete>"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDACCOUNTA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "Missing required header for this request: Content-MD5") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}
