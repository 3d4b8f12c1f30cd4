package sse

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/minio/sio"
)

// Object bytes are encrypted in DARE 2.0 (github.com/minio/sio): packages of
// up to 64 KiB of plaintext, each sealed with AES-256-GCM under a sequence
// number, so reordered, truncated or altered packages fail to decrypt and a
// range read decrypts only the packages it touches.
const (
	// PackageSize is the plaintext bytes per encrypted package.
	PackageSize = 64 << 10
	// packageOverhead is each package's header and tag.
	packageOverhead = 32
	encPackageSize  = PackageSize + packageOverhead
)

// ErrCorrupt is returned (wrapped) by decrypting readers when stored bytes
// are not authentic: altered, truncated, reordered or under another key.
var ErrCorrupt = errors.New("sse: encrypted data failed authentication")

// EncryptedSize is the stored size of size plaintext bytes.
func EncryptedSize(size int64) int64 {
	if size <= 0 {
		return 0
	}
	n := size / PackageSize * encPackageSize
	if r := size % PackageSize; r > 0 {
		n += r + packageOverhead
	}
	return n
}

// DecryptedSize is the plaintext size of size stored bytes; it fails for a
// size no encryption can produce.
func DecryptedSize(size int64) (int64, error) {
	if size < 0 {
		return 0, fmt.Errorf("sse: negative encrypted size %d", size)
	}
	n := size / encPackageSize * PackageSize
	if r := size % encPackageSize; r > 0 {
		if r <= packageOverhead {
			return 0, fmt.Errorf("sse: %d is not a valid encrypted size", size)
		}
		n += r - packageOverhead
	}
	return n, nil
}

// Stream is the key of one encrypted byte stream: a whole object, or one
// part of a multipart object.
type Stream struct {
	key [32]byte
}

func (s *Stream) config(seq uint32) sio.Config {
	return sio.Config{
		MinVersion: sio.Version20, MaxVersion: sio.Version20,
		CipherSuites: []byte{sio.AES_256_GCM}, Key: s.key[:], SequenceNumber: seq,
	}
}

// EncryptReader returns a reader of the encryption of r; it yields exactly
// EncryptedSize(n) bytes for n bytes of r.
func (s *Stream) EncryptReader(r io.Reader) (io.Reader, error) {
	er, err := sio.EncryptReader(r, s.config(0))
	if err != nil {
		return nil, fmt.Errorf("sse: encrypt: %w", err)
	}
	return er, nil
}

// EncryptWriter returns a writer that encrypts into w; Close flushes the
// final package and must succeed for the stream to be complete.
func (s *Stream) EncryptWriter(w io.Writer) (io.WriteCloser, error) {
	ew, err := sio.EncryptWriter(w, s.config(0))
	if err != nil {
		return nil, fmt.Errorf("sse: encrypt: %w", err)
	}
	return ew, nil
}

// DecryptReader returns a reader of the plaintext of a whole encrypted
// stream; it fails with ErrCorrupt unless every package, the last one
// included, is authentic.
func (s *Stream) DecryptReader(r io.Reader) (io.Reader, error) {
	dr, err := sio.DecryptReader(r, s.config(0))
	if err != nil {
		return nil, fmt.Errorf("sse: decrypt: %w", err)
	}
	return corruptReader{dr}, nil
}

// DecryptRange returns a reader of n plaintext bytes from offset off of a
// stream of size plaintext bytes stored in src. It reads and decrypts only
// the packages that hold the range.
func (s *Stream) DecryptRange(src io.ReaderAt, size, off, n int64) (io.Reader, error) {
	if off < 0 || n < 0 || off+n > size {
		return nil, fmt.Errorf("sse: range %d+%d outside a stream of %d bytes", off, n, size)
	}
	if n == 0 {
		return eofReader{}, nil
	}
	first := off / PackageSize
	if first > math.MaxUint32 {
		return nil, fmt.Errorf("sse: offset %d beyond the format's limit", off)
	}
	start := first * encPackageSize
	section := io.NewSectionReader(src, start, EncryptedSize(size)-start)
	dr, err := sio.DecryptReader(section, s.config(uint32(first)))
	if err != nil {
		return nil, fmt.Errorf("sse: decrypt: %w", err)
	}
	r := corruptReader{dr}
	if skip := off - first*PackageSize; skip > 0 {
		if _, err := io.CopyN(io.Discard, r, skip); err != nil {
			return nil, unexpected(err)
		}
	}
	return &exactReader{r: r, left: n, toEnd: off+n == size}, nil
}

// corruptReader maps sio's authentication failures to ErrCorrupt.
type corruptReader struct{ r io.Reader }

func (c corruptReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	var se sio.Error
	if errors.As(err, &se) {
		err = fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return n, err
}

// exactReader yields exactly left bytes; running dry earlier is corruption
// (the stored stream was truncated). When the range runs to the end of the
// stream it also reads the stream's end, which checks that nothing follows
// and lets sio recycle its 64 KiB package buffer (it does so only at EOF).
type exactReader struct {
	r     io.Reader
	left  int64
	toEnd bool
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF {
		if e.left > 0 {
			return n, unexpected(io.ErrUnexpectedEOF)
		}
		return n, nil
	}
	if err == nil && e.left == 0 && e.toEnd {
		err = e.end()
	}
	return n, err
}

// end reads past the last byte: the stream must end there.
func (e *exactReader) end() error {
	var one [1]byte
	for {
		n, err := e.r.Read(one[:])
		switch {
		case n > 0:
			return fmt.Errorf("%w: stream is longer than recorded", ErrCorrupt)
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

func unexpected(err error) error {
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: stream is shorter than recorded", ErrCorrupt)
	}
	return err
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
