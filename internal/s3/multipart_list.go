package s3

import (
	"context"
	"sort"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// DefaultMaxList is the page size of ListParts and ListMultipartUploads.
const DefaultMaxList = 1000

// ListPartsInput is ListParts' request.
type ListPartsInput struct {
	Bucket, Key, UploadID string
	// MaxParts is the page size (0 means none); values over 1000 are capped.
	MaxParts         int
	PartNumberMarker int
}

// ListPartsOutput is one page of an upload's parts.
type ListPartsOutput struct {
	Upload               *Upload
	Parts                []*Part
	NextPartNumberMarker int
	IsTruncated          bool
}

// ListParts lists an upload's parts after PartNumberMarker.
func (s *Service) ListParts(ctx context.Context, p aws.Principal, in ListPartsInput) (ListPartsOutput, error) {
	b, err := s.bucketFor(ctx, p, in.Bucket, on(ActionListParts, in.Key))
	if err != nil {
		return ListPartsOutput{}, err
	}
	up, err := s.loadUpload(b.Name, in.Key, in.UploadID)
	if err != nil {
		return ListPartsOutput{}, err
	}
	limit := min(in.MaxParts, DefaultMaxList)
	out := ListPartsOutput{Upload: up}
	first := max(in.PartNumberMarker, 0) + 1
	err = s.scanParts(up.UploadID, first, func(pt *Part) bool {
		if len(out.Parts) == limit {
			out.IsTruncated = true
			return false
		}
		out.Parts = append(out.Parts, pt)
		out.NextPartNumberMarker = pt.Number
		return true
	})
	return out, err
}

// ListUploadsInput is ListMultipartUploads' request.
type ListUploadsInput struct {
	Bucket         string
	Prefix         string
	Delimiter      string
	KeyMarker      string
	UploadIDMarker string
	// MaxUploads is the page size (0 means none); values over 1000 are capped.
	MaxUploads int
}

// ListUploadsOutput is one page of a bucket's uploads.
type ListUploadsOutput struct {
	Uploads            []*Upload
	CommonPrefixes     []string
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIDMarker string
}

// ListMultipartUploads lists in-progress uploads ordered by key, then by
// initiation time.
func (s *Service) ListMultipartUploads(ctx context.Context, p aws.Principal, in ListUploadsInput) (ListUploadsOutput, error) {
	b, err := s.bucketFor(ctx, p, in.Bucket, listAccess(ActionListUploads, in.Prefix, in.Delimiter, in.MaxUploads))
	if err != nil {
		return ListUploadsOutput{}, err
	}
	if in.KeyMarker == "" {
		in.UploadIDMarker = "" // ignored without a key marker
	}
	if in.UploadIDMarker != "" {
		if _, err := s.loadUpload(b.Name, in.KeyMarker, in.UploadIDMarker); err != nil {
			return ListUploadsOutput{}, aws.ErrInvalidUploadIDMarker(in.UploadIDMarker)
		}
	}
	l := uploadLister{in: in, limit: min(in.MaxUploads, DefaultMaxList)}
	if err := s.scanUploads(b.Name, in, l.add); err != nil {
		return ListUploadsOutput{}, err
	}
	return l.out, nil
}

// scanUploads calls fn with the uploads of each key at or after the key
// marker (and under the prefix), one key at a time, oldest upload first,
// until fn returns false.
func (s *Service) scanUploads(bucket string, in ListUploadsInput, fn func(key string, ups []*Upload) bool) error {
	prefix := uploadPrefix(bucket).Raw(in.Prefix)
	lower := []byte(prefix)
	if in.KeyMarker > in.Prefix {
		lower = uploadPrefix(bucket).String(in.KeyMarker)
	}
	it, err := s.store.NewIterator(lower, meta.PrefixEnd(prefix))
	if err != nil {
		return aws.Internal(err)
	}
	defer it.Close()
	var key string
	var group []*Upload
	flush := func() bool {
		if len(group) == 0 {
			return true
		}
		sort.Slice(group, func(i, j int) bool { return uploadBefore(group[i], group[j]) })
		ok := fn(key, group)
		group = nil
		return ok
	}
	for ok := it.First(); ok; ok = it.Next() {
		var up Upload
		if err := decode(it.Value(), &up); err != nil {
			return aws.Internal(err)
		}
		if up.Key != key && !flush() {
			return nil
		}
		key = up.Key
		group = append(group, &up)
	}
	if err := it.Close(); err != nil {
		return aws.Internal(err)
	}
	flush()
	return nil
}

// uploadBefore orders two uploads of a key by initiation (the sequence
// number inside the id breaks ties).
func uploadBefore(a, b *Upload) bool {
	if !a.Initiated.Equal(b.Initiated) {
		return a.Initiated.Before(b.Initiated)
	}
	sa, _ := ParseVersionID(a.UploadID[:min(32, len(a.UploadID))])
	sb, _ := ParseVersionID(b.UploadID[:min(32, len(b.UploadID))])
	return sa < sb
}

// uploadLister builds a page of ListMultipartUploads.
type uploadLister struct {
	in         ListUploadsInput
	limit      int
	out        ListUploadsOutput
	lastPrefix string
}

// count is the number of entries (uploads and common prefixes) on the page.
func (l *uploadLister) count() int { return len(l.out.Uploads) + len(l.out.CommonPrefixes) }

// add takes one key's uploads; it returns false once the page is full.
func (l *uploadLister) add(key string, ups []*Upload) bool {
	if l.limit == 0 {
		return false // an empty page is the last
	}
	if key < l.in.KeyMarker || (key == l.in.KeyMarker && l.in.UploadIDMarker == "") {
		return true
	}
	if cp, ok := l.commonPrefix(key); ok {
		if cp == l.lastPrefix || (l.in.KeyMarker != "" && strings.HasPrefix(l.in.KeyMarker, cp)) {
			return true
		}
		if l.count() == l.limit {
			l.out.IsTruncated = true
			return false
		}
		l.lastPrefix = cp
		l.out.CommonPrefixes = append(l.out.CommonPrefixes, cp)
		l.out.NextKeyMarker, l.out.NextUploadIDMarker = cp, ""
		return true
	}
	skip := key == l.in.KeyMarker
	for _, up := range ups {
		if skip {
			skip = up.UploadID != l.in.UploadIDMarker
			continue
		}
		if l.count() == l.limit {
			l.out.IsTruncated = true
			return false
		}
		l.out.Uploads = append(l.out.Uploads, up)
		l.out.NextKeyMarker, l.out.NextUploadIDMarker = up.Key, up.UploadID
	}
	return true
}

// commonPrefix returns the key's common prefix under the delimiter, if any.
func (l *uploadLister) commonPrefix(key string) (string, bool) {
	if l.in.Delimiter == "" {
		return "", false
	}
	rest := key[len(l.in.Prefix):]
	i := strings.Index(rest, l.in.Delimiter)
	if i < 0 {
		return "", false
	}
	return l.in.Prefix + rest[:i+len(l.in.Delimiter)], true
}
