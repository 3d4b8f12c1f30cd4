package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// MaxListKeys is the largest page a listing returns, and the default.
const MaxListKeys = 1000

// ListObjectsInput is ListObjects' (v1) request. Marker is exclusive: the
// listing starts after it.
type ListObjectsInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	Marker    string
	// MaxKeys is the page size, 0..MaxListKeys (callers clamp).
	MaxKeys int
}

// ListObjectsOutput is one page of current objects. Objects and
// CommonPrefixes are each in key order; together they hold at most MaxKeys
// entries, taken in key order.
type ListObjectsOutput struct {
	Objects        []*Version
	CommonPrefixes []string
	IsTruncated    bool
	// Last is the last key or common prefix of the page ("" if empty).
	Last string
}

// ListObjectsV2Input is ListObjectsV2's request.
type ListObjectsV2Input struct {
	Bucket    string
	Prefix    string
	Delimiter string
	// ContinuationToken, when not nil, resumes a listing; StartAfter is then ignored.
	ContinuationToken *string
	StartAfter        string
	MaxKeys           int
}

// ListObjectsV2Output is one page of ListObjectsV2.
type ListObjectsV2Output struct {
	ListObjectsOutput
	// NextContinuationToken is set when the page is truncated.
	NextContinuationToken string
}

// ListObjects lists a bucket's current objects (ListObjects v1).
func (s *Service) ListObjects(ctx context.Context, p aws.Principal, in ListObjectsInput) (ListObjectsOutput, error) {
	if _, err := s.bucketFor(ctx, p, in.Bucket, listAccess(ActionListBucket, in.Prefix, in.Delimiter, in.MaxKeys)); err != nil {
		return ListObjectsOutput{}, err
	}
	return s.listCurrent(in)
}

// ListObjectsV2 lists a bucket's current objects with opaque continuation tokens.
func (s *Service) ListObjectsV2(ctx context.Context, p aws.Principal, in ListObjectsV2Input) (ListObjectsV2Output, error) {
	if _, err := s.bucketFor(ctx, p, in.Bucket, listAccess(ActionListBucket, in.Prefix, in.Delimiter, in.MaxKeys)); err != nil {
		return ListObjectsV2Output{}, err
	}
	marker := in.StartAfter
	if in.ContinuationToken != nil {
		var ok bool
		if marker, ok = decodeToken(*in.ContinuationToken); !ok {
			return ListObjectsV2Output{}, aws.ErrInvalidContinuationToken()
		}
	}
	page, err := s.listCurrent(ListObjectsInput{Bucket: in.Bucket, Prefix: in.Prefix, Delimiter: in.Delimiter, Marker: marker, MaxKeys: in.MaxKeys})
	if err != nil {
		return ListObjectsV2Output{}, err
	}
	out := ListObjectsV2Output{ListObjectsOutput: page}
	if page.IsTruncated {
		out.NextContinuationToken = encodeToken(page.Last)
	}
	return out, nil
}

// tokenTag starts every continuation token Ferry issues, so a foreign or
// mangled token is recognised.
const tokenTag = "\x01ferry:"

// encodeToken makes the opaque continuation token that resumes after last.
func encodeToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenTag + last))
}

// decodeToken returns the entry a token resumes after, if Ferry issued it.
func decodeToken(tok string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !bytes.HasPrefix(raw, []byte(tokenTag)) || !utf8.Valid(raw) {
		return "", false
	}
	return string(raw[len(tokenTag):]), true
}

// scan is one listing's walk over a bucket's 'V' rows within a prefix.
type scan struct {
	it        meta.Iterator
	base      meta.Key // bucketVersionPrefix(bucket)
	bucket    string
	prefix    string
	delimiter string
}

func (s *Service) newScan(bucket, prefix, delimiter string) (*scan, error) {
	base := bucketVersionPrefix(bucket)
	lower := base.Raw(prefix)
	it, err := s.store.NewIterator(lower, meta.PrefixEnd(lower))
	if err != nil {
		return nil, aws.Internal(fmt.Errorf("list %s: %w", bucket, err))
	}
	return &scan{it: it, base: base, bucket: bucket, prefix: prefix, delimiter: delimiter}, nil
}

// close releases the iterator, reporting an iteration failure.
func (sc *scan) close() error {
	if err := sc.it.Close(); err != nil {
		return aws.Internal(fmt.Errorf("list %s: %w", sc.bucket, err))
	}
	return nil
}

// seekAfterKey positions the scan on the first row of the first key after
// marker (or at the start of the prefix when that comes later).
func (sc *scan) seekAfterKey(marker string) bool {
	start := sc.base.Raw(sc.prefix)
	if marker != "" {
		if after := meta.PrefixEnd(keyVersionPrefix(sc.bucket, marker)); bytes.Compare(after, start) > 0 {
			start = after
		}
	}
	return sc.it.SeekGE(start)
}

// key decodes the object key of the current row.
func (sc *scan) key() (string, error) {
	k, _, ok := meta.ReadString(sc.it.Key()[len(sc.base):])
	if !ok {
		return "", aws.Internal(fmt.Errorf("list %s: malformed version row %q", sc.bucket, sc.it.Key()))
	}
	return k, nil
}

// version decodes the current row.
func (sc *scan) version() (*Version, error) {
	var v Version
	if err := decodeVersion(sc.it.Value(), &v, false); err != nil {
		return nil, aws.Internal(err)
	}
	return &v, nil
}

// rollUp returns the common prefix key belongs to under the delimiter.
func (sc *scan) rollUp(key string) (string, bool) {
	if sc.delimiter == "" {
		return "", false
	}
	rest := key[len(sc.prefix):]
	i := strings.Index(rest, sc.delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(sc.prefix)+i+len(sc.delimiter)], true
}

// nextBeforeSeek is how many rows skipKey steps over before it seeks: most
// keys have one or a few versions, and a step is much cheaper than a seek.
const nextBeforeSeek = 4

// skipKey moves past every remaining row of key.
func (sc *scan) skipKey(key string) bool {
	kp := keyVersionPrefix(sc.bucket, key)
	for range nextBeforeSeek {
		if !sc.it.Next() {
			return false
		}
		if !bytes.HasPrefix(sc.it.Key(), kp) {
			return true
		}
	}
	return sc.it.SeekGE(meta.PrefixEnd(kp))
}

// skipPrefix moves past every key starting with p, in one seek.
func (sc *scan) skipPrefix(p string) bool {
	return sc.it.SeekGE(meta.PrefixEnd(sc.base.Raw(p)))
}

// page collects entries up to a limit and notices when there are more.
type page struct {
	max       int
	count     int
	truncated bool
	last      string
}

// admit reports whether one more entry fits; when it does not, the page is
// marked truncated (an entry exists beyond it).
func (pg *page) admit(name string) bool {
	if pg.count >= pg.max {
		pg.truncated = true
		return false
	}
	pg.count++
	pg.last = name
	return true
}

// listCurrent walks current objects: the first row of each key, skipping
// keys whose current version is a delete marker, rolling keys up into
// common prefixes. Each key costs one seek; each common prefix one seek
// past its whole subtree after its first live key.
func (s *Service) listCurrent(in ListObjectsInput) (ListObjectsOutput, error) {
	var out ListObjectsOutput
	if in.MaxKeys <= 0 {
		return out, nil
	}
	sc, err := s.newScan(in.Bucket, in.Prefix, in.Delimiter)
	if err != nil {
		return out, err
	}
	pg := page{max: in.MaxKeys}
	if err := sc.walkCurrent(in.Marker, &pg, &out); err != nil {
		sc.close()
		return ListObjectsOutput{}, err
	}
	if err := sc.close(); err != nil {
		return ListObjectsOutput{}, err
	}
	out.IsTruncated, out.Last = pg.truncated, pg.last
	return out, nil
}

func (sc *scan) walkCurrent(marker string, pg *page, out *ListObjectsOutput) error {
	for ok := sc.seekAfterKey(marker); ok && !pg.truncated; {
		key, err := sc.key()
		if err != nil {
			return err
		}
		v, err := sc.version()
		if err != nil {
			return err
		}
		if v.DeleteMarker {
			ok = sc.skipKey(key)
			continue
		}
		if cp, rolled := sc.rollUp(key); rolled {
			if cp != marker && pg.admit(cp) {
				out.CommonPrefixes = append(out.CommonPrefixes, cp)
			}
			ok = sc.skipPrefix(cp)
			continue
		}
		if pg.admit(key) {
			out.Objects = append(out.Objects, v)
		}
		ok = sc.skipKey(key)
	}
	return nil
}
