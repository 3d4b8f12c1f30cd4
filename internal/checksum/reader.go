package checksum

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"sync"

	"github.com/ferrystore/ferry/internal/aws"
)

// Options configures a Reader.
type Options struct {
	// MD5 asks for the MD5 of the data (for the ETag). It is computed anyway
	// when ContentMD5 is set.
	MD5 bool
	// ContentMD5 is the Content-MD5 header as sent (base64), or "".
	ContentMD5 string
	// Algorithm is the x-amz-checksum-* algorithm to compute, or "".
	Algorithm Algorithm
	// Expected is the checksum the client sent in a header (base64), or "".
	Expected string
	// ExpectedAtEOF, when set and Expected is empty, yields the expected
	// checksum once the data has been read, for values sent in a trailer.
	// An empty result means the client sent none.
	ExpectedAtEOF func() string
}

// Reader passes data through while hashing it, and checks the digests the
// client announced once the data ends. A mismatch is returned by the Read
// that reaches the end, in place of io.EOF.
type Reader struct {
	r      io.Reader
	opts   Options
	md5    hash.Hash
	sum    hash.Hash
	hashes []hash.Hash
	size   int64
	err    error // sticky error once the end was reached or a check failed
	md5Exp []byte
	async  *asyncHash // MD5 on its own goroutine, once the body is large
}

// NewReader wraps r. It validates ContentMD5 (aws.ErrInvalidDigest) and
// Expected (aws.ErrInvalidChecksumHeader) up front.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	cr := &Reader{r: r, opts: opts}
	if opts.ContentMD5 != "" {
		raw, err := base64.StdEncoding.DecodeString(opts.ContentMD5)
		if err != nil || len(raw) != md5.Size {
			return nil, aws.ErrInvalidDigest(opts.ContentMD5)
		}
		cr.md5Exp = raw
	}
	if opts.MD5 || opts.ContentMD5 != "" {
		cr.md5 = md5.New()
		cr.hashes = append(cr.hashes, cr.md5)
	}
	if opts.Algorithm != "" {
		if opts.Algorithm.Size() == 0 {
			return nil, aws.ErrUnsupportedChecksumAlgorithm()
		}
		if opts.Expected != "" && !opts.Algorithm.Valid(opts.Expected) {
			return nil, aws.ErrInvalidChecksumHeader(opts.Algorithm.Lower())
		}
		cr.sum = opts.Algorithm.New()
		cr.hashes = append(cr.hashes, cr.sum)
	}
	return cr, nil
}

// Read reads and hashes data; at the end it checks the digests.
func (cr *Reader) Read(p []byte) (int, error) {
	if cr.err != nil {
		return 0, cr.err
	}
	n, err := cr.r.Read(p)
	cr.update(p[:n])
	if err == io.EOF {
		err = cr.finish()
	}
	if err != nil {
		cr.err = err
	}
	return n, err
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// WriteTo copies the data to w through a large buffer, hashing on the way.
func (cr *Reader) WriteTo(w io.Writer) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var total int64
	for {
		n, err := cr.Read(*bp)
		if n > 0 {
			m, werr := w.Write((*bp)[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func (cr *Reader) update(p []byte) {
	if len(p) == 0 {
		return
	}
	if cr.async == nil && cr.md5 != nil && cr.size >= asyncAfter {
		cr.async = startAsync(cr.md5)
		stopWhenUnreachable(cr, cr.async)
	}
	for _, h := range cr.hashes {
		if cr.async != nil && h == cr.md5 {
			cr.async.write(p)
			continue
		}
		h.Write(p)
	}
	cr.size += int64(len(p))
}

// md5Sum waits for a background MD5 to catch up and returns the digest.
func (cr *Reader) md5Sum() []byte {
	if cr.async != nil {
		cr.async.wait()
		cr.async = nil // in step again; a later large read starts a new one
	}
	return cr.md5.Sum(nil)
}

func (cr *Reader) finish() error {
	if cr.md5Exp != nil {
		if got := cr.md5Sum(); !bytes.Equal(got, cr.md5Exp) {
			return aws.ErrBadDigestMD5(hex.EncodeToString(cr.md5Exp), base64.StdEncoding.EncodeToString(got))
		}
	}
	if cr.sum == nil {
		return io.EOF
	}
	want := cr.opts.Expected
	if want == "" && cr.opts.ExpectedAtEOF != nil {
		want = cr.opts.ExpectedAtEOF()
		if want != "" && !cr.opts.Algorithm.Valid(want) {
			return aws.ErrInvalidChecksumHeader(cr.opts.Algorithm.Lower())
		}
	}
	if want != "" && want != cr.Sum(cr.opts.Algorithm) {
		return aws.ErrBadChecksum(string(cr.opts.Algorithm))
	}
	return io.EOF
}

// Size is the number of bytes read so far.
func (cr *Reader) Size() int64 { return cr.size }

// MD5 is the raw MD5 of the data read so far, or nil when not computed.
func (cr *Reader) MD5() []byte {
	if cr.md5 == nil {
		return nil
	}
	return cr.md5Sum()
}

// Sum is the base64 checksum of the data read so far for alg, or "" when
// alg is not the algorithm being computed.
func (cr *Reader) Sum(alg Algorithm) string {
	if cr.sum == nil || alg != cr.opts.Algorithm {
		return ""
	}
	return base64.StdEncoding.EncodeToString(cr.sum.Sum(nil))
}

// Raw is the raw checksum of the data read so far, or nil when none is computed.
func (cr *Reader) Raw() []byte {
	if cr.sum == nil {
		return nil
	}
	return cr.sum.Sum(nil)
}
