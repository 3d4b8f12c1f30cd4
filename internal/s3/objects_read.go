package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/sse"
)

// VerifyBufferLimit is the largest read that is checked in full before the
// first byte is returned: a GET up to this size either answers the right
// bytes or fails with InternalError before any header is sent.
const VerifyBufferLimit = 8 << 20

// segmentMD5 returns the hex MD5 a segment's bytes must have, or "" when
// the record does not say (then only the segment's own checks apply).
func segmentMD5(v *Version, i int) string {
	switch {
	case !md5Verified(v):
		return ""
	case len(v.Parts) > 0 && len(v.Parts) == len(v.Data):
		return v.Parts[i].ETag
	case len(v.Data) == 1 && len(v.Parts) == 0 && !strings.Contains(v.ETag, "-"):
		return v.ETag
	}
	return ""
}

// openVerified returns n bytes of v's data from off. Every segment read in
// full is checked against its MD5 as it streams, and a partly read segment
// no larger than VerifyBufferLimit is read whole and checked first; a
// mismatch is an InternalError from Read, never wrong bytes at EOF.
// key is the object's key, nil for data stored in the clear.
func (s *Service) openVerified(v *Version, key *sse.ObjectKey, off, n int64) io.ReadCloser {
	return &verifiedReader{s: s, v: v, key: key, off: off, left: n}
}

type verifiedReader struct {
	s    *Service
	v    *Version
	key  *sse.ObjectKey
	idx  int   // next segment
	base int64 // offset of segment idx within the object
	off  int64 // next object offset to return
	left int64
	cur  io.ReadCloser
	err  error
}

func (r *verifiedReader) Read(p []byte) (int, error) {
	for r.err == nil {
		if r.left == 0 {
			r.err = io.EOF
			break
		}
		if r.cur == nil {
			if r.err = r.openNext(); r.err != nil {
				break
			}
		}
		if int64(len(p)) > r.left {
			p = p[:r.left]
		}
		n, err := r.cur.Read(p)
		r.left -= int64(n)
		r.off += int64(n)
		if err == io.EOF {
			r.cur.Close()
			r.cur = nil
			err = nil
		}
		if err != nil {
			r.err = err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, r.err
}

// openNext positions on the segment holding r.off.
func (r *verifiedReader) openNext() error {
	segs := r.v.Data
	for r.idx < len(segs) && r.off >= r.base+segs[r.idx].Size {
		r.base += segs[r.idx].Size
		r.idx++
	}
	if r.idx >= len(segs) {
		return aws.Internal(fmt.Errorf("read past the end of %s", r.v.Key))
	}
	seg := segs[r.idx]
	within := r.off - r.base
	want := min(seg.Size-within, r.left)
	sum := segmentMD5(r.v, r.idx)
	whole := within == 0 && want == seg.Size
	switch {
	case sum == "" || (!whole && seg.Size > VerifyBufferLimit):
		r.cur = r.s.OpenData(r.key, segs[r.idx:r.idx+1], within, want)
	case whole:
		r.cur = newMD5Check(r.s, r.v, r.key, r.idx, sum)
	default:
		buf, err := io.ReadAll(newMD5Check(r.s, r.v, r.key, r.idx, sum))
		if err != nil {
			return err
		}
		r.cur = io.NopCloser(bytes.NewReader(buf[within : within+want]))
	}
	return nil
}

func (r *verifiedReader) Close() error {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
	return nil
}

// md5Check hashes a whole segment as it is read. The read that completes
// the segment is withheld and replaced by an InternalError when the digest
// differs from the recorded one.
type md5Check struct {
	r    io.ReadCloser
	h    hash.Hash
	want string
	key  string
	left int64
}

func newMD5Check(s *Service, v *Version, key *sse.ObjectKey, i int, want string) *md5Check {
	seg := v.Data[i]
	return &md5Check{r: s.OpenData(key, v.Data[i:i+1], 0, seg.Size), h: md5.New(), want: want, key: v.Key, left: seg.Size}
}

func (m *md5Check) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.h.Write(p[:n])
	m.left -= int64(n)
	if n > 0 && m.left == 0 && hex.EncodeToString(m.h.Sum(nil)) != m.want {
		return 0, aws.Internal(fmt.Errorf("%w: object %q", errCorrupt, m.key))
	}
	return n, err
}

func (m *md5Check) Close() error { return m.r.Close() }
