package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// ListObjectVersionsInput is ListObjectVersions' request.
type ListObjectVersionsInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	KeyMarker string
	// VersionIDMarker is nil when the request has no version-id-marker.
	VersionIDMarker *string
	MaxKeys         int
}

// VersionEntry is one listed version or delete marker.
type VersionEntry struct {
	*Version
	IsLatest bool
}

// ListObjectVersionsOutput is one page of versions and delete markers, in
// key order and newest first within a key, plus common prefixes; together
// they hold at most MaxKeys entries.
type ListObjectVersionsOutput struct {
	Versions            []VersionEntry
	CommonPrefixes      []string
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIDMarker string
}

// ListObjectVersions lists every version and delete marker of a bucket.
func (s *Service) ListObjectVersions(ctx context.Context, p aws.Principal, in ListObjectVersionsInput) (ListObjectVersionsOutput, error) {
	if err := validVersionMarkers(in); err != nil {
		return ListObjectVersionsOutput{}, err
	}
	if _, err := s.bucketFor(ctx, p, in.Bucket, listAccess(ActionListVersions, in.Prefix, in.Delimiter, in.MaxKeys)); err != nil {
		return ListObjectVersionsOutput{}, err
	}
	var out ListObjectVersionsOutput
	if in.MaxKeys <= 0 {
		return out, nil
	}
	sc, err := s.newScan(in.Bucket, in.Prefix, in.Delimiter)
	if err != nil {
		return out, err
	}
	pg := page{max: in.MaxKeys}
	if err := s.walkVersions(sc, in, &pg, &out); err != nil {
		sc.close()
		return ListObjectVersionsOutput{}, err
	}
	if err := sc.close(); err != nil {
		return ListObjectVersionsOutput{}, err
	}
	out.IsTruncated = pg.truncated
	if !pg.truncated {
		out.NextKeyMarker, out.NextVersionIDMarker = "", ""
	}
	return out, nil
}

// validVersionMarkers applies AWS's rules on key-marker and version-id-marker.
func validVersionMarkers(in ListObjectVersionsInput) error {
	if in.VersionIDMarker == nil {
		return nil
	}
	v := *in.VersionIDMarker
	switch {
	case in.KeyMarker == "":
		return aws.ErrVersionIDMarkerWithoutKey(v)
	case v == "":
		return aws.ErrVersionIDMarkerEmpty()
	case v == nullVersionID:
		return nil
	}
	if _, ok := ParseVersionID(v); !ok {
		return aws.ErrInvalidVersionIDMarker(v)
	}
	return nil
}

// seekVersionMarker positions the scan after the marked version of the key
// marker. It returns the key whose remaining rows are not its latest ("" when
// the scan starts at a key boundary).
func (s *Service) seekVersionMarker(sc *scan, in ListObjectVersionsInput) (bool, string, error) {
	if in.VersionIDMarker == nil {
		return sc.seekAfterKey(in.KeyMarker), "", nil
	}
	seq, found, err := s.markerSeq(in.Bucket, in.KeyMarker, *in.VersionIDMarker)
	if err != nil {
		return false, "", err
	}
	if !found {
		return sc.seekAfterKey(in.KeyMarker), "", nil
	}
	start := append(versionKey(in.Bucket, in.KeyMarker, seq), 0)
	if lower := sc.base.Raw(sc.prefix); bytes.Compare(start, lower) < 0 {
		start = lower
	}
	return sc.it.SeekGE(start), in.KeyMarker, nil
}

// markerSeq finds the position a version-id-marker names.
func (s *Service) markerSeq(bucket, key, versionID string) (uint64, bool, error) {
	if versionID != nullVersionID {
		seq, _ := ParseVersionID(versionID)
		return seq, true, nil
	}
	raw, err := s.store.Get(nullKey(bucket, key))
	if errors.Is(err, meta.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, aws.Internal(fmt.Errorf("null index of %s/%s: %w", bucket, key, err))
	}
	seq, _, ok := meta.ReadUint64(raw)
	if !ok {
		return 0, false, aws.Internal(fmt.Errorf("bad null index for %s/%s", bucket, key))
	}
	return seq, true, nil
}

// walkVersions takes every row in order; a key's first row is its latest.
func (s *Service) walkVersions(sc *scan, in ListObjectVersionsInput, pg *page, out *ListObjectVersionsOutput) error {
	ok, prevKey, err := s.seekVersionMarker(sc, in)
	if err != nil {
		return err
	}
	for ok && !pg.truncated {
		key, err := sc.key()
		if err != nil {
			return err
		}
		if cp, rolled := sc.rollUp(key); rolled {
			if cp != in.KeyMarker && pg.admit(cp) {
				out.CommonPrefixes = append(out.CommonPrefixes, cp)
				out.NextKeyMarker, out.NextVersionIDMarker = cp, ""
			}
			ok = sc.skipPrefix(cp)
			continue
		}
		v, err := sc.version()
		if err != nil {
			return err
		}
		if pg.admit(key) {
			out.Versions = append(out.Versions, VersionEntry{Version: v, IsLatest: key != prevKey})
			out.NextKeyMarker, out.NextVersionIDMarker = key, v.VersionID
		}
		prevKey = key
		ok = sc.it.Next()
	}
	return nil
}
