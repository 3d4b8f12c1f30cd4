package s3

import (
	"strconv"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// Conditions are the HTTP preconditions of a read (GET/HEAD) or of a copy
// source. Nil times and empty strings are absent conditions.
type Conditions struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
	// HeaderPrefix is prepended to the condition name reported in a
	// PreconditionFailed error ("x-amz-copy-source-" for copies).
	HeaderPrefix string
}

// errNotModified is returned by Conditions.check when the answer is 304.
var errNotModified = aws.New("NotModified", 304, "Not Modified")

// etagMatches reports whether an If-Match / If-None-Match list names etag.
func etagMatches(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		e = strings.TrimPrefix(e, "W/")
		if e == "*" || strings.Trim(e, `"`) == etag {
			return true
		}
	}
	return false
}

// check evaluates the conditions against a version with S3's precedence:
// a true If-Match overrides a false If-Unmodified-Since, and a present
// If-None-Match decides alone whether the answer is 304. Failures give 412
// (PreconditionFailed) before 304 (errNotModified).
func (c Conditions) check(v *Version) error {
	mtime := v.LastModified.Truncate(time.Second)
	switch {
	case c.IfMatch != "":
		if !etagMatches(c.IfMatch, v.ETag) {
			return aws.ErrPreconditionFailed(c.name("If-Match"))
		}
	case c.IfUnmodifiedSince != nil && mtime.After(*c.IfUnmodifiedSince):
		return aws.ErrPreconditionFailed(c.name("If-Unmodified-Since"))
	}
	switch {
	case c.IfNoneMatch != "":
		if etagMatches(c.IfNoneMatch, v.ETag) {
			return errNotModified
		}
	case c.IfModifiedSince != nil && !mtime.After(*c.IfModifiedSince):
		return errNotModified
	}
	return nil
}

func (c Conditions) name(n string) string {
	if c.HeaderPrefix == "" {
		return n
	}
	return c.HeaderPrefix + n
}

// ByteRange is a resolved, satisfiable range of an object.
type ByteRange struct {
	Offset, Length int64
}

// ParseRange resolves a Range header against an object of size bytes. It
// returns nil when the whole object is to be sent: no header, a header S3
// ignores (another unit, several ranges, or a malformed spec). A range that
// cannot be satisfied is InvalidRange.
func ParseRange(h string, size int64) (*ByteRange, error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, aws.ErrInvalidRange(size, h)
		}
		n = min(n, size)
		return &ByteRange{Offset: size - n, Length: n}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return nil, nil
		}
		end = min(end, size-1)
	}
	if start >= size {
		return nil, aws.ErrInvalidRange(size, h)
	}
	return &ByteRange{Offset: start, Length: end - start + 1}, nil
}
