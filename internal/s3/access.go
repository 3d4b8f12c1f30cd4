package s3

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferrystore/ferry/policy"
)

// Which IAM actions, resources and condition keys each S3 operation asks
// authz about; docs/architecture.md ("Authorization") has the table.

// The IAM actions S3 operations authorize.
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
	ActionGetOwnership        = "s3:GetBucketOwnershipControls"
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
	// obj is the object version acted on when it is known before the
	// decision: its owner and ACL take part in it (aclPolicy).
	obj *Version
}

// on builds an access to action on key with condition key/value pairs.
func on(action, key string, kv ...string) access {
	return access{action: action, key: key, keys: policy.ContextOf(kv...)}
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

// putAccess is what writing a new object needs: s3:PutObject with the tag,
// storage-class and Object Lock keys, plus s3:PutObjectTagging when tags
// are sent, s3:PutObjectAcl when an ACL is, and s3:PutObjectRetention or
// s3:PutObjectLegalHold when Object Lock headers are.
func putAccess(ctx context.Context, key string, attrs ObjectAttributes, now time.Time) []access {
	tags := tagKeys(taggingHeader(attrs.Tagging))
	put := on(ActionPutObject, key, append(lockKeys(attrs.Lock, now), tags...)...)
	if attrs.StorageClass != "" {
		put.keys.Set("s3:x-amz-storage-class", attrs.StorageClass)
	}
	acc := append([]access{put}, lockAccess(key, attrs.Lock, now)...)
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
func copyAccess(ctx context.Context, in CopyObjectInput, now time.Time) []access {
	attrs := in.Attributes
	if in.TaggingDirective != "REPLACE" {
		attrs.Tagging = ""
	}
	acc := putAccess(ctx, in.Key, attrs, now)
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
