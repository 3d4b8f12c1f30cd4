package s3

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferrystore/ferry/internal/aws"
)

// Object limits S3 enforces on single-object writes.
const (
	// MaxKeyLength is the longest key S3 accepts, in UTF-8 bytes.
	MaxKeyLength = 1024
	// MaxMetadataSize bounds user metadata (names and values, in bytes).
	MaxMetadataSize = 2048
	// MaxObjectSize is the largest single PutObject body (5 GiB).
	MaxObjectSize int64 = 5 << 30
	// MaxObjectTags is the largest tag set of an object.
	MaxObjectTags = 10
	maxTagKey     = 128
	maxTagValue   = 256
)

// DefaultContentType is what S3 stores when a PUT carries no Content-Type.
const DefaultContentType = "binary/octet-stream"

// storageClasses are the classes a general purpose bucket accepts.
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
}

// ObjectAttributes are the request-supplied attributes of a new object
// version: content headers, user metadata, tags and storage class.
type ObjectAttributes struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// Metadata maps x-amz-meta-* names (without the prefix) to values.
	Metadata map[string]string
	// Tagging is the x-amz-tagging header as sent (URL query encoded).
	Tagging      string
	StorageClass string
	// ACL is the ACL the write sets (x-amz-acl, x-amz-grant-*).
	ACL ACLInput
	// Lock is the write's Object Lock headers.
	Lock LockInput
}

// validKey checks the key length limit.
func validKey(key string) error {
	if len(key) > MaxKeyLength {
		return aws.ErrKeyTooLong(len(key))
	}
	return nil
}

// apply validates the attributes and writes them into v.
func (a ObjectAttributes) apply(v *Version) error {
	if err := validMetadata(a.Metadata); err != nil {
		return err
	}
	class, err := validStorageClass(a.StorageClass)
	if err != nil {
		return err
	}
	tags, err := ParseTaggingHeader(a.Tagging)
	if err != nil {
		return err
	}
	a.applyContent(v)
	v.StorageClass = class
	v.Tags = tags
	return nil
}

// applyContent copies the content headers and metadata into v.
func (a ObjectAttributes) applyContent(v *Version) {
	v.ContentType = a.ContentType
	if v.ContentType == "" {
		v.ContentType = DefaultContentType
	}
	v.ContentEncoding = stripAWSChunked(a.ContentEncoding)
	v.ContentDisposition = a.ContentDisposition
	v.ContentLanguage = a.ContentLanguage
	v.CacheControl = a.CacheControl
	v.Expires = a.Expires
	v.Metadata = nil
	for k, val := range a.Metadata {
		if v.Metadata == nil {
			v.Metadata = map[string]string{}
		}
		v.Metadata[strings.ToLower(k)] = val
	}
}

// stripAWSChunked removes the aws-chunked transfer coding from a
// Content-Encoding value: it describes the upload, not the object.
func stripAWSChunked(enc string) string {
	var keep []string
	for _, e := range strings.Split(enc, ",") {
		e = strings.TrimSpace(e)
		if e != "" && !strings.EqualFold(e, "aws-chunked") {
			keep = append(keep, e)
		}
	}
	return strings.Join(keep, ",")
}

// validMetadata applies the 2 KB limit, counted as AWS does: the UTF-8 bytes
// of every name (without x-amz-meta-) and value.
func validMetadata(m map[string]string) error {
	size := 0
	for k, v := range m {
		size += len(k) + len(v)
	}
	if size > MaxMetadataSize {
		return aws.ErrMetadataTooLarge(size)
	}
	return nil
}

// validStorageClass returns the class to store ("" for STANDARD).
func validStorageClass(c string) (string, error) {
	switch {
	case c == "" || c == defaultStorage:
		return "", nil
	case storageClasses[c]:
		return c, nil
	}
	return "", aws.ErrInvalidStorageClass(c)
}

// ParseTaggingHeader parses and validates an x-amz-tagging header.
func ParseTaggingHeader(h string) ([]Tag, error) {
	if h == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(h)
	if err != nil {
		return nil, aws.ErrBadTaggingHeader(h)
	}
	var tags []Tag
	for _, pair := range strings.Split(h, "&") {
		k, _, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, aws.ErrBadTaggingHeader(h)
		}
		if len(q[key]) != 1 {
			return nil, aws.ErrBadTaggingHeader(h)
		}
		tags = append(tags, Tag{Key: key, Value: q[key][0]})
	}
	if err := ValidateObjectTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// ValidateObjectTags applies S3's object tag rules: at most 10 tags, unique
// keys of 1–128 characters without the aws: prefix, values up to 256
// characters, letters, digits, spaces and + - = . _ : / @ only.
func ValidateObjectTags(tags []Tag) error {
	if len(tags) > MaxObjectTags {
		return aws.ErrTooManyTags()
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || utf8.RuneCountInString(t.Key) > maxTagKey || !validTagText(t.Key) {
			return aws.ErrInvalidTagKey(t.Key)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return aws.ErrObjectTagAWSPrefix(t.Key)
		}
		if utf8.RuneCountInString(t.Value) > maxTagValue || !validTagText(t.Value) {
			return aws.ErrInvalidTagValue(t.Key, t.Value)
		}
		if seen[t.Key] {
			return aws.ErrDuplicateTagKey(t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

func validTagText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("+-=._:/@", r) {
			continue
		}
		return false
	}
	return true
}
