package s3

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// The IAM actions S3 operations authorize (see access.go for which
// operation needs which).
const (
	ActionListAllMyBuckets    = "s3:ListAllMyBuckets"
	ActionCreateBucket        = "s3:CreateBucket"
	ActionDeleteBucket        = "s3:DeleteBucket"
	ActionListBucket          = "s3:ListBucket"
	ActionListVersions        = "s3:ListBucketVersions"
	ActionListUploads         = "s3:ListBucketMultipartUploads"
	ActionGetBucketLocation   = "s3:GetBucketLocation"
	ActionGetVersioning       = "s3:GetBucketVersioning"
	ActionPutVersioning       = "s3:PutBucketVersioning"
	ActionGetBucketPolicy     = "s3:GetBucketPolicy"
	ActionPutBucketPolicy     = "s3:PutBucketPolicy"
	ActionDeleteBucketPolicy  = "s3:DeleteBucketPolicy"
	ActionGetPolicyStatus     = "s3:GetBucketPolicyStatus"
	ActionPutBucketAcl        = "s3:PutBucketAcl"
	ActionPutOwnership        = "s3:PutBucketOwnershipControls"
	ActionGetObject           = "s3:GetObject"
	ActionGetObjectVersion    = "s3:GetObjectVersion"
	ActionPutObject           = "s3:PutObject"
	ActionPutObjectAcl        = "s3:PutObjectAcl"
	ActionDeleteObject        = "s3:DeleteObject"
	ActionDeleteObjectVersion = "s3:DeleteObjectVersion"
	ActionAbortUpload         = "s3:AbortMultipartUpload"
	ActionListParts           = "s3:ListMultipartUploadParts"
	ActionGetAttributes       = "s3:GetObjectAttributes"
	ActionGetVersionAttrs     = "s3:GetObjectVersionAttributes"
)

// access is one authorization question about a bucket (key "") or an
// object in it.
type access struct {
	action string
	key    string
	// keys are the operation's condition keys (s3:prefix, s3:versionid,
	// s3:RequestObjectTag/…).
	keys policy.Context
}

// on builds an access to action on key with condition key/value pairs.
func on(action, key string, kv ...string) access {
	return access{action: action, key: key, keys: policy.ContextOf(kv...)}
}

// bucketFor loads a bucket and authorizes each access on it, in order.
func (s *Service) bucketFor(ctx context.Context, p aws.Principal, name string, acc ...access) (*Bucket, error) {
	b, err := s.Bucket(name)
	if err != nil {
		return nil, err
	}
	for _, a := range acc {
		if err := s.authorize(ctx, p, b, a); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// authorize is the one place S3 decides whether p may perform an access on
// bucket b: the caller's identity policies (through authz) against the
// bucket policy, with the request's condition keys. The bucket's account
// owns the bucket and its objects.
func (s *Service) authorize(ctx context.Context, p aws.Principal, b *Bucket, a access) error {
	req, err := s.request(ctx, p, b, a)
	if err != nil {
		return err
	}
	_, err = s.authz.Authorize(ctx, req)
	return err
}

// allowed answers an access question without failing the request.
func (s *Service) allowed(ctx context.Context, p aws.Principal, b *Bucket, a access) bool {
	req, err := s.request(ctx, p, b, a)
	return err == nil && s.authz.Allowed(ctx, req)
}

// request builds authz's request for an access on bucket b.
func (s *Service) request(ctx context.Context, p aws.Principal, b *Bucket, a access) (authz.Request, error) {
	resource := b.ARN()
	if a.key != "" {
		resource += "/" + a.key
	}
	req := authz.Request{Principal: p, Action: a.action, Resource: resource, ResourceAccount: b.Account,
		Keys: s.conditionKeys(ctx, a, b.Account)}
	if b.Policy != "" {
		named, err := s.authz.Parsed(b.Policy, policy.BucketPolicy, "bucket policy of "+b.Name)
		if err != nil {
			return req, aws.Internal(fmt.Errorf("bucket policy of %s: %w", b.Name, err))
		}
		req.ResourcePolicy = named
	}
	return req, nil
}

// conditionKeys merges the operation's keys, the S3 keys of every request
// and, for writes, the keys taken from the request's headers.
func (s *Service) conditionKeys(ctx context.Context, a access, account aws.AccountID) policy.Context {
	var c policy.Context
	for _, k := range a.keys.Keys() {
		v, _ := a.keys.Get(k)
		c.Set(k, v...)
	}
	if account != "" {
		c.Set("s3:ResourceAccount", string(account))
	}
	info := authz.InfoFrom(ctx)
	if info.Signed {
		c.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
		if info.Presigned {
			c.Set("s3:authType", "REST-QUERY-STRING")
		} else {
			c.Set("s3:authType", "REST-HEADER")
		}
	}
	if info.TLSVersion != "" {
		c.Set("s3:TlsVersion", info.TLSVersion)
	}
	h := headerKeysFrom(ctx)
	if v, ok := h.Get("s3:x-amz-content-sha256"); ok {
		c.Set("s3:x-amz-content-sha256", v...)
	}
	if writeKeys[a.action] {
		for _, k := range h.Keys() {
			if _, set := c.Get(k); !set {
				v, _ := h.Get(k)
				c.Set(k, v...)
			}
		}
	}
	return c
}

// writeKeys are the actions whose request headers (ACL, encryption,
// storage class, copy source, metadata directive) are condition keys.
var writeKeys = map[string]bool{ActionPutObject: true, ActionCreateBucket: true, ActionPutObjectAcl: true, ActionPutBucketAcl: true}

type headerKeysKey struct{}

// WithHeaderKeys attaches the condition keys a request's headers carry
// (s3:x-amz-acl, s3:x-amz-server-side-encryption, s3:x-amz-copy-source, …),
// which s3api reads off the wire, to its context.
func WithHeaderKeys(ctx context.Context, keys policy.Context) context.Context {
	return context.WithValue(ctx, headerKeysKey{}, keys)
}

func headerKeysFrom(ctx context.Context) policy.Context {
	c, _ := ctx.Value(headerKeysKey{}).(policy.Context)
	return c
}

// tagKeys are the s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys
// keys of a tag set being written.
func tagKeys(tags []Tag) []string {
	if len(tags) == 0 {
		return nil
	}
	kv := make([]string, 0, 4*len(tags))
	for _, t := range tags {
		kv = append(kv, "s3:RequestObjectTag/"+t.Key, t.Value, "s3:RequestObjectTagKeys", t.Key)
	}
	return kv
}

// existingTagKeys are the s3:ExistingObjectTag/<key> keys of a version.
func existingTagKeys(v *Version) []string {
	if v == nil {
		return nil
	}
	kv := make([]string, 0, 2*len(v.Tags))
	for _, t := range v.Tags {
		kv = append(kv, "s3:ExistingObjectTag/"+t.Key, t.Value)
	}
	return kv
}

// taggingHeader parses an x-amz-tagging header for its condition keys; a
// malformed header has none here (the write reports it).
func taggingHeader(h string) []Tag {
	if h == "" {
		return nil
	}
	q, err := url.ParseQuery(h)
	if err != nil {
		return nil
	}
	var tags []Tag
	for k, vs := range q {
		for _, v := range vs {
			tags = append(tags, Tag{Key: k, Value: v})
		}
	}
	return tags
}

// versioned picks the "…Version…" variant of an object action when a
// version id is given, and sets s3:versionid.
func versioned(action, key, versionID string, kv ...string) access {
	if versionID == "" {
		return on(action, key, kv...)
	}
	if v, ok := strings.CutPrefix(action, "s3:GetObject"); ok {
		action = "s3:GetObjectVersion" + v
	} else if v, ok := strings.CutPrefix(action, "s3:PutObject"); ok {
		action = "s3:PutObjectVersion" + v
	} else if v, ok := strings.CutPrefix(action, "s3:DeleteObject"); ok {
		action = "s3:DeleteObjectVersion" + v
	}
	return on(action, key, append(kv, "s3:versionid", versionID)...)
}

// listAccess is a listing's access with s3:prefix (present, possibly
// empty, on every listing), s3:delimiter and s3:max-keys.
func listAccess(action, prefix, delimiter string, maxKeys int) access {
	a := on(action, "", "s3:prefix", prefix, "s3:max-keys", strconv.Itoa(maxKeys))
	if delimiter != "" {
		a.keys.Set("s3:delimiter", delimiter)
	}
	return a
}

// putAccess is what writing a new object needs: s3:PutObject with the tag
// and storage-class keys, plus s3:PutObjectTagging when tags are sent and
// s3:PutObjectAcl when an ACL is.
func putAccess(ctx context.Context, key string, attrs ObjectAttributes) []access {
	tags := tagKeys(taggingHeader(attrs.Tagging))
	put := on(ActionPutObject, key, tags...)
	if attrs.StorageClass != "" {
		put.keys.Set("s3:x-amz-storage-class", attrs.StorageClass)
	}
	acc := []access{put}
	if len(tags) > 0 {
		acc = append(acc, on("s3:PutObjectTagging", key, tags...))
	}
	h := headerKeysFrom(ctx)
	for _, k := range h.Keys() {
		if k == "s3:x-amz-acl" || strings.HasPrefix(k, "s3:x-amz-grant-") {
			acc = append(acc, on(ActionPutObjectAcl, key))
			break
		}
	}
	return acc
}

// copyAccess is what CopyObject needs on its destination: s3:PutObject
// with s3:x-amz-copy-source ("bucket/key", with "?versionId=" when one is
// named) and s3:x-amz-metadata-directive, plus what putAccess adds for the
// tags and ACL the copy writes. Reading the source is authorized apart.
func copyAccess(ctx context.Context, in CopyObjectInput) []access {
	attrs := in.Attributes
	if in.TaggingDirective != "REPLACE" {
		attrs.Tagging = ""
	}
	acc := putAccess(ctx, in.Key, attrs)
	source := in.SourceBucket + "/" + in.SourceKey
	if in.SourceVersionID != "" {
		source += "?versionId=" + in.SourceVersionID
	}
	acc[0].keys.Set("s3:x-amz-copy-source", source)
	if in.MetadataDirective != "" {
		acc[0].keys.Set("s3:x-amz-metadata-directive", in.MetadataDirective)
	}
	return acc
}

// authorizeRead decides a GetObject or HeadObject once the version is
// looked up (v, or the lookup's error), so that s3:ExistingObjectTag keys
// are known. As AWS documents, a missing key is NoSuchKey only for callers
// who may list the bucket; others get AccessDenied.
func (s *Service) authorizeRead(ctx context.Context, p aws.Principal, b *Bucket, key, versionID string, v *Version, lookup error) error {
	if err := s.authorize(ctx, p, b, versioned(ActionGetObject, key, versionID, existingTagKeys(v)...)); err != nil {
		return err
	}
	if aws.IsCode(lookup, "NoSuchKey") && !s.allowed(ctx, p, b, listAccess(ActionListBucket, "", "", 0)) {
		return aws.ErrAccessDenied()
	}
	return nil
}
