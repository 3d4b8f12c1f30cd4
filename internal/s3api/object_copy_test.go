package s3api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestCopyObjectDirectives(t *testing.T) {
	o := newObjTest(t, "copysrc")
	ctx := context.Background()
	_, err := o.c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("src"), Body: strings.NewReader("payload"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"m": "1"}, Tagging: aws.String("t=1")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		in                s3.CopyObjectInput
		ctype, meta, tags string
	}{
		{"copy all", s3.CopyObjectInput{}, "text/plain", "1", "t=1"},
		{"replace metadata", s3.CopyObjectInput{MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("image/png"),
			Metadata: map[string]string{"m": "2"}}, "image/png", "2", "t=1"},
		{"replace tags", s3.CopyObjectInput{TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("u=2")}, "text/plain", "1", "u=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Bucket, in.Key, in.CopySource = aws.String(o.bucket), aws.String("dst"), aws.String("copysrc/src")
			out, err := o.c.CopyObject(ctx, &in)
			if err != nil || aws.ToString(out.CopyObjectResult.ETag) != md5hex([]byte("payload")) {
				t.Fatalf("copy: %v %+v", err, out)
			}
			head, err := o.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("dst")})
			if err != nil || aws.ToString(head.ContentType) != tt.ctype || head.Metadata["m"] != tt.meta {
				t.Fatalf("head: %v %+v", err, head)
			}
			tg, err := o.c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(o.bucket), Key: aws.String("dst")})
			if err != nil || len(tg.TagSet) != 1 || aws.ToString(tg.TagSet[0].Key)+"="+aws.ToString(tg.TagSet[0].Value) != tt.tags {
				t.Fatalf("tags: %v %+v", err, tg)
			}
		})
	}
}

func TestCopyObjectRules(t *testing.T) {
	o := newObjTest(t, "copyrules")
	ctx := context.Background()
	o.put(t, "src", []byte("payload"))
	copyTo := func(mod func(*s3.CopyObjectInput)) error {
		in := &s3.CopyObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("dst"), CopySource: aws.String("/copyrules/src")}
		mod(in)
		_, err := o.c.CopyObject(ctx, in)
		return err
	}
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name string
		mod  func(*s3.CopyObjectInput)
		code string
	}{
		{"onto itself", func(in *s3.CopyObjectInput) { in.Key = aws.String("src") }, "InvalidRequest"},
		{"onto itself replacing", func(in *s3.CopyObjectInput) {
			in.Key, in.MetadataDirective = aws.String("src"), types.MetadataDirectiveReplace
		}, ""},
		{"missing source", func(in *s3.CopyObjectInput) { in.CopySource = aws.String("copyrules/nope") }, "NoSuchKey"},
		{"no key", func(in *s3.CopyObjectInput) { in.CopySource = aws.String("copyrules") }, "InvalidArgument"},
		{"missing bucket", func(in *s3.CopyObjectInput) { in.CopySource = aws.String("nobucket/src") }, "NoSuchBucket"},
		{"if-match false", func(in *s3.CopyObjectInput) { in.CopySourceIfMatch = aws.String(`"x"`) }, "PreconditionFailed"},
		{"if-none-match false", func(in *s3.CopyObjectInput) { in.CopySourceIfNoneMatch = aws.String(md5hex([]byte("payload"))) }, "PreconditionFailed"},
		{"unmodified since past", func(in *s3.CopyObjectInput) { in.CopySourceIfUnmodifiedSince = &past }, "PreconditionFailed"},
		{"if-match true", func(in *s3.CopyObjectInput) { in.CopySourceIfMatch = aws.String(md5hex([]byte("payload"))) }, ""},
		{"encoded key", func(in *s3.CopyObjectInput) { in.CopySource = aws.String("copyrules/%73rc") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apiCode(copyTo(tt.mod)); got != tt.code {
				t.Fatalf("code %q want %q", got, tt.code)
			}
		})
	}
}

func TestCopyObjectVersionsAndAccounts(t *testing.T) {
	o := newObjTest(t, "copyver")
	ctx := context.Background()
	o.versioning(t, types.BucketVersioningStatusEnabled)
	v1 := o.put(t, "src", []byte("first"))
	o.put(t, "src", []byte("second"))
	out, err := o.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("old"),
		CopySource: aws.String("copyver/src?versionId=" + *v1.VersionId)})
	if err != nil || aws.ToString(out.CopySourceVersionId) != *v1.VersionId || out.VersionId == nil {
		t.Fatalf("copy v1: %v %+v", err, out)
	}
	if _, got, _ := o.get("old", nil); string(got) != "first" {
		t.Fatalf("copied %q", got)
	}
	// Deleting the source must not break the copy (no shared storage).
	if _, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("src"), VersionId: v1.VersionId}); err != nil {
		t.Fatal(err)
	}
	if _, got, err := o.get("old", nil); err != nil || string(got) != "first" {
		t.Fatalf("after source delete: %v %q", err, got)
	}
	del, _ := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("src")})
	_, err = o.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("x"), CopySource: aws.String("copyver/src?versionId=" + *del.VersionId)})
	if apiCode(err) != "InvalidRequest" {
		t.Fatalf("copy marker by id: %v", err)
	}
	_, err = o.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("x"), CopySource: aws.String("copyver/src")})
	if apiCode(err) != "NoSuchKey" {
		t.Fatalf("copy current marker: %v", err)
	}

	b := o.ts.client("AKIDACCOUNTB", "eu-west-1")
	o.ts.mustCreateBucket(t, b, "bdest", "eu-west-1")
	_, err = b.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bdest"), Key: aws.String("stolen"), CopySource: aws.String("copyver/old")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("account B copy: %v", err)
	}
	_, err = o.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bdest"), Key: aws.String("pushed"), CopySource: aws.String("copyver/old")})
	if apiCode(err) == "" {
		t.Fatal("account A wrote into account B's bucket")
	}
	o.ts.mustCreateBucket(t, o.c, "adest-eu", "eu-west-1")
	eu := o.ts.client("AKIDACCOUNTA", "eu-west-1")
	if _, err := eu.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("adest-eu"), Key: aws.String("moved"), CopySource: aws.String("copyver/old")}); err != nil {
		t.Fatalf("cross-region copy: %v", err)
	}
}

func TestObjectTagging(t *testing.T) {
	o := newObjTest(t, "tags")
	ctx := context.Background()
	o.versioning(t, types.BucketVersioningStatusEnabled)
	put := o.put(t, "k", []byte("x"))
	tag := func(kv ...string) []types.Tag {
		var ts []types.Tag
		for i := 0; i < len(kv); i += 2 {
			ts = append(ts, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return ts
	}
	eleven := []string{}
	for i := 0; i < 11; i++ {
		eleven = append(eleven, "k"+string(rune('a'+i)), "v")
	}
	tests := []struct {
		name string
		tags []types.Tag
		code string
	}{
		{"ok", tag("a", "1", "b", "2"), ""},
		{"empty set", nil, ""},
		{"eleven", tag(eleven...), "BadRequest"},
		{"duplicate", tag("a", "1", "a", "2"), "InvalidTag"},
		{"aws prefix", tag("aws:x", "1"), "InvalidTag"},
		{"long key", tag(strings.Repeat("k", 129), "1"), "InvalidTag"},
		{"long value", tag("a", strings.Repeat("v", 257)), "InvalidTag"},
		{"bad char", tag("a*b", "1"), "InvalidTag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := o.c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(o.bucket), Key: aws.String("k"),
				Tagging: &types.Tagging{TagSet: tt.tags}})
			if apiCode(err) != tt.code {
				t.Fatalf("code %q want %q (%v)", apiCode(err), tt.code, err)
			}
		})
	}
	if _, err := o.c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), VersionId: put.VersionId,
		Tagging: &types.Tagging{TagSet: tag("x", "y")}}); err != nil {
		t.Fatal(err)
	}
	got, err := o.c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(o.bucket), Key: aws.String("k")})
	if err != nil || len(got.TagSet) != 1 || aws.ToString(got.VersionId) != *put.VersionId {
		t.Fatalf("get tags %v %+v", err, got)
	}
	if _, got, err := o.get("k", nil); err != nil || string(got) != "x" {
		t.Fatalf("object after retag: %v %q", err, got)
	}
	if _, err := o.c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String(o.bucket), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(o.bucket), Key: aws.String("k")}); len(got.TagSet) != 0 {
		t.Fatalf("tags left %+v", got.TagSet)
	}
	del, _ := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k")})
	_, err = o.c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), VersionId: del.VersionId})
	if apiCode(err) != "MethodNotAllowed" {
		t.Fatalf("tagging a marker: %v", err)
	}
}

func TestGetObjectAttributes(t *testing.T) {
	o := newObjTest(t, "attrs")
	ctx := context.Background()
	_, err := o.c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k"), Body: strings.NewReader("hello"),
		ChecksumSHA256: aws.String("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := o.c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(o.bucket), Key: aws.String("k"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesChecksum, types.ObjectAttributesObjectSize, types.ObjectAttributesStorageClass}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ETag) != strings.Trim(md5hex([]byte("hello")), `"`) || aws.ToInt64(out.ObjectSize) != 5 ||
		out.StorageClass != types.StorageClassStandard || out.Checksum == nil || aws.ToString(out.Checksum.ChecksumSHA256) == "" || out.LastModified == nil {
		t.Fatalf("attributes %+v", out)
	}
	only, err := o.c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(o.bucket), Key: aws.String("k"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectSize}})
	if err != nil || only.ETag != nil || aws.ToInt64(only.ObjectSize) != 5 {
		t.Fatalf("only size %v %+v", err, only)
	}
}
