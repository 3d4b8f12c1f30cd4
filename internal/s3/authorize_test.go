package s3

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// asked runs op and returns the authorization requests it made, in order.
func asked(s *Service, op func() error) ([]policy.Request, error) {
	before := len(s.authz.Recent(false))
	err := op()
	after := s.authz.Recent(false)
	var out []policy.Request
	for i := len(after) - before - 1; i >= 0; i-- {
		out = append(out, after[i].Decision.Request)
	}
	return out, err
}

// want is one expected authorization request: action, resource and
// condition keys (key=value, or key=v1|v2 for several values).
type want struct {
	action, resource string
	keys             []string
}

func TestOperationActions(t *testing.T) {
	ctx := context.Background()
	body := func() *bytes.Reader { return bytes.NewReader([]byte("data")) }
	const obj, bkt = "arn:aws:s3:::bkt/k", "arn:aws:s3:::bkt"
	tests := []struct {
		name string
		op   func(s *Service) error
		want []want
	}{
		{"PutObject with tags and storage class", func(s *Service) error {
			_, err := s.PutObject(ctx, owner, PutObjectInput{Bucket: "bkt", Key: "k", Body: body(), Size: 4,
				Attributes: ObjectAttributes{Tagging: "a=1&b=2", StorageClass: "STANDARD_IA"}})
			return err
		}, []want{
			{"s3:PutObject", obj, []string{"s3:RequestObjectTag/a=1", "s3:RequestObjectTagKeys=a|b", "s3:x-amz-storage-class=STANDARD_IA", "s3:ResourceAccount=111111111111"}},
			{"s3:PutObjectTagging", obj, []string{"s3:RequestObjectTag/b=2"}},
		}},
		{"PutObject with an ACL header", func(s *Service) error {
			keys := policy.ContextOf("s3:x-amz-acl", "public-read", "s3:x-amz-server-side-encryption", "AES256")
			_, err := s.PutObject(WithHeaderKeys(ctx, keys), owner, PutObjectInput{Bucket: "bkt", Key: "k", Body: body(), Size: 4})
			return err
		}, []want{{"s3:PutObject", obj, []string{"s3:x-amz-acl=public-read", "s3:x-amz-server-side-encryption=AES256"}}, {"s3:PutObjectAcl", obj, nil}}},
		{"GetObject", func(s *Service) error {
			_, err := s.GetObject(ctx, owner, GetObjectInput{Bucket: "bkt", Key: "k"})
			return err
		}, []want{{"s3:GetObject", obj, []string{"s3:ExistingObjectTag/t=v"}}}},
		{"GetObject of a version", func(s *Service) error {
			_, err := s.GetObject(ctx, owner, GetObjectInput{Bucket: "bkt", Key: "k", VersionID: "null", Head: true})
			return err
		}, []want{{"s3:GetObjectVersion", obj, []string{"s3:versionid=null"}}}},
		{"GetObject of a missing key asks about listing", func(s *Service) error {
			_, err := s.GetObject(ctx, owner, GetObjectInput{Bucket: "bkt", Key: "nope"})
			if err == nil || !strings.Contains(err.Error(), "NoSuchKey") {
				t.Errorf("missing key: %v", err)
			}
			return nil
		}, []want{{"s3:GetObject", "arn:aws:s3:::bkt/nope", nil}, {"s3:ListBucket", bkt, nil}}},
		{"ListObjectsV2", func(s *Service) error {
			_, err := s.ListObjectsV2(ctx, owner, ListObjectsV2Input{Bucket: "bkt", Prefix: "a/", Delimiter: "/", MaxKeys: 10})
			return err
		}, []want{{"s3:ListBucket", bkt, []string{"s3:prefix=a/", "s3:delimiter=/", "s3:max-keys=10"}}}},
		{"ListObjects without a prefix", func(s *Service) error {
			_, err := s.ListObjects(ctx, owner, ListObjectsInput{Bucket: "bkt", MaxKeys: 1000})
			return err
		}, []want{{"s3:ListBucket", bkt, []string{"s3:prefix=", "s3:max-keys=1000"}}}},
		{"ListObjectVersions", func(s *Service) error {
			_, err := s.ListObjectVersions(ctx, owner, ListObjectVersionsInput{Bucket: "bkt", MaxKeys: 5})
			return err
		}, []want{{"s3:ListBucketVersions", bkt, []string{"s3:max-keys=5"}}}},
		{"HeadBucket", func(s *Service) error { _, err := s.HeadBucket(ctx, owner, "bkt"); return err },
			[]want{{"s3:ListBucket", bkt, nil}}},
		{"ListBuckets", func(s *Service) error { _, err := s.ListBuckets(ctx, owner, ListBucketsInput{}); return err },
			[]want{{"s3:ListAllMyBuckets", "", nil}}},
		{"CreateBucket with Object Ownership", func(s *Service) error {
			_, err := s.CreateBucket(ctx, owner, CreateBucketInput{Bucket: "other", Region: "us-east-1", ObjectOwnership: "ObjectWriter"})
			return err
		}, []want{{"s3:CreateBucket", "arn:aws:s3:::other", nil}, {"s3:PutBucketOwnershipControls", "arn:aws:s3:::other", []string{"s3:x-amz-object-ownership=ObjectWriter"}}}},
		{"CopyObject", func(s *Service) error {
			_, err := s.CopyObject(ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "k", Bucket: "bkt", Key: "copy", MetadataDirective: "REPLACE"})
			return err
		}, []want{{"s3:GetObject", obj, nil}, {"s3:PutObject", "arn:aws:s3:::bkt/copy", []string{"s3:x-amz-copy-source=bkt/k", "s3:x-amz-metadata-directive=REPLACE"}},
			{"s3:GetObjectTagging", obj, []string{"s3:ExistingObjectTag/t=v"}}}},
		{"CopyObject replacing the tags", func(s *Service) error {
			_, err := s.CopyObject(ctx, owner, CopyObjectInput{SourceBucket: "bkt", SourceKey: "k", Bucket: "bkt", Key: "copy", TaggingDirective: "REPLACE"})
			return err
		}, []want{{"s3:GetObject", obj, nil}, {"s3:PutObject", "arn:aws:s3:::bkt/copy", []string{"s3:x-amz-copy-source=bkt/k"}}}},
		{"DeleteObjects", func(s *Service) error {
			_, err := s.DeleteObjects(ctx, owner, "bkt", []ObjectIdentifier{{Key: "k"}, {Key: "j", VersionID: "null"}}, false)
			return err
		}, []want{{"s3:DeleteObject", obj, nil}, {"s3:DeleteObjectVersion", "arn:aws:s3:::bkt/j", []string{"s3:versionid=null"}}}},
		{"PutObjectTagging", func(s *Service) error {
			_, err := s.PutObjectTagging(ctx, owner, "bkt", "k", "", []Tag{{Key: "n", Value: "1"}})
			return err
		}, []want{{"s3:PutObjectTagging", obj, []string{"s3:RequestObjectTag/n=1", "s3:ExistingObjectTag/t=v"}}}},
		{"GetObjectTagging of a version", func(s *Service) error {
			_, _, err := s.GetObjectTagging(ctx, owner, "bkt", "k", "null")
			return err
		}, []want{{"s3:GetObjectVersionTagging", obj, []string{"s3:ExistingObjectTag/t=v", "s3:versionid=null"}}}},
		{"GetObjectAttributes", func(s *Service) error {
			_, err := s.GetObjectAttributes(ctx, owner, ObjectAttributesInput{Bucket: "bkt", Key: "k"})
			return err
		}, []want{{"s3:GetObject", obj, nil}, {"s3:GetObjectAttributes", obj, nil}}},
		{"multipart upload", func(s *Service) error {
			up, err := s.CreateMultipartUpload(ctx, owner, CreateMultipartUploadInput{Bucket: "bkt", Key: "k"})
			if err != nil {
				return err
			}
			if _, err := s.ListParts(ctx, owner, ListPartsInput{Bucket: "bkt", Key: "k", UploadID: up.UploadID}); err != nil {
				return err
			}
			return s.AbortMultipartUpload(ctx, owner, "bkt", "k", up.UploadID)
		}, []want{{"s3:PutObject", obj, nil}, {"s3:ListMultipartUploadParts", obj, nil}, {"s3:AbortMultipartUpload", obj, nil}}},
		{"bucket policy", func(s *Service) error {
			return s.DeleteBucketPolicy(ctx, owner, "bkt") // the owner's root is not asked
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestService(t)
			if _, err := s.PutObject(ctx, owner, PutObjectInput{Bucket: "bkt", Key: "k", Body: body(), Size: 4, Attributes: ObjectAttributes{Tagging: "t=v"}}); err != nil {
				t.Fatal(err)
			}
			got, err := asked(s, func() error { return tc.op(s) })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("asked %d questions, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Action != w.action || g.Resource != w.resource || g.ResourceAccount != "111111111111" {
					t.Errorf("#%d: %s on %q (account %s), want %s on %q", i, g.Action, g.Resource, g.ResourceAccount, w.action, w.resource)
				}
				for _, kv := range w.keys {
					k, v, _ := strings.Cut(kv, "=")
					vals, ok := g.Context.Get(k)
					slices.Sort(vals)
					if !ok || strings.Join(vals, "|") != v {
						t.Errorf("#%d %s: %s = %v (present %v), want %q", i, g.Action, k, vals, ok, v)
					}
				}
			}
		})
	}
}

// A bucket policy that denies everyone binds the owner's root too, except
// for managing the bucket policy itself.
func TestBucketPolicyBindsRootButNotForThePolicy(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"]}]}`
	if err := s.PutBucketPolicy(ctx, owner, "bkt", deny); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListObjects(ctx, owner, ListObjectsInput{Bucket: "bkt"}); err == nil || !strings.Contains(err.Error(), "explicit deny in a resource-based policy") {
		t.Fatalf("list under a deny-all policy: %v", err)
	}
	if doc, err := s.GetBucketPolicy(ctx, owner, "bkt"); err != nil || doc != deny {
		t.Fatalf("get policy: %v", err)
	}
	if err := s.DeleteBucketPolicy(ctx, owner, "bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListObjects(ctx, owner, ListObjectsInput{Bucket: "bkt"}); err != nil {
		t.Fatalf("list after removing the policy (the record cache must forget): %v", err)
	}
	if _, err := s.GetBucketPolicy(ctx, owner, "bkt"); err == nil || !strings.Contains(err.Error(), "NoSuchBucketPolicy") {
		t.Fatalf("get removed policy: %v", err)
	}
	// Decisions come from authz: the denial is in its recent list.
	if d := s.authz.Recent(true); len(d) == 0 || d[0].Decision.Reason != policy.ExplicitDeny {
		t.Fatal("denial not recorded")
	}
}

// Decide gives callers inside Ferry the decision a request would get.
func TestDecide(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:ReplicateObject","Resource":"arn:aws:s3:::bkt/*",
		"Condition":{"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"aws:kms"}}}]}`
	if err := s.PutBucketPolicy(ctx, owner, "bkt", grant); err != nil {
		t.Fatal(err)
	}
	other := aws.Principal{Type: aws.PrincipalRoot, Account: "222222222222", ARN: aws.RootARN("222222222222")}
	d, err := s.Decide(ctx, other, "s3:ReplicateObject", "arn:aws:s3:::bkt/k", nil)
	if err != nil || !d.Allowed || d.Request.ResourceAccount != "111111111111" {
		t.Fatalf("replicate into a granting bucket: %v\n%s", err, d.Explain())
	}
	d, err = s.Decide(ctx, other, "s3:ReplicateObject", "arn:aws:s3:::bkt/k", map[string][]string{"s3:x-amz-server-side-encryption": {"AES256"}})
	if d.Allowed || !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("condition not applied: %v", err)
	}
	if _, err := s.Decide(ctx, other, "s3:ReplicateObject", "arn:aws:s3:::nope/k", nil); !aws.IsCode(err, "NoSuchBucket") {
		t.Fatalf("missing bucket: %v", err)
	}
}

func TestPolicyStatus(t *testing.T) {
	ctx := context.Background()
	stmt := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"` + cond + `}]}`
	}
	for _, tc := range []struct {
		doc    string
		public bool
	}{
		{stmt(""), true},
		{stmt(`,"Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}`), false},
		{stmt(`,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`), true},
		{stmt(`,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`), false},
		{stmt(`,"Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{stmt(`,"Condition":{"StringEquals":{"s3:prefix":"public/"}}`), true},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, false},
	} {
		s, _ := newTestService(t)
		if err := s.DeletePublicAccessBlock(ctx, owner, "bkt"); err != nil {
			t.Fatal(err)
		}
		if err := s.PutBucketPolicy(ctx, owner, "bkt", tc.doc); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetBucketPolicyStatus(ctx, owner, "bkt"); err != nil || got != tc.public {
			t.Errorf("%s: public=%v (%v), want %v", tc.doc, got, err, tc.public)
		}
	}
}
