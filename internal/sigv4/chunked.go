package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Limits of the aws-chunked decoder.
const (
	chunkedBufferSize = 64 << 10
	maxChunkSize      = 1 << 40
	maxTrailerBytes   = 16 << 10
	maxTrailerLines   = 64
	trailerSigName    = "x-amz-trailer-signature"
)

// chunkSigner verifies the chunk and trailer signatures of a signed
// aws-chunked body, each chained to the previous signature.
type chunkSigner struct {
	auth          *authInfo
	key           []byte
	trailerSigned bool
	mac           hash.Hash
	prefix        []byte // "\ndate\nscope\n", shared by every string to sign
	prev          string
	buf           []byte
}

func (cs *chunkSigner) init() {
	cs.mac = hmac.New(sha256.New, cs.key)
	cs.prefix = []byte("\n" + cs.auth.amzDate + "\n" + cs.auth.scope() + "\n")
	cs.prev = cs.auth.signature
}

// sign computes the signature chained to the previous one over
// "kind\ndate\nscope\nprev\n[empty-hash\n]digest", and the string it signed.
func (cs *chunkSigner) sign(kind, digest string, withEmpty bool) (sig [2 * sha256.Size]byte, stringToSign []byte) {
	b := cs.buf[:0]
	b = append(b, kind...)
	b = append(b, cs.prefix...)
	b = append(b, cs.prev...)
	b = append(b, '\n')
	if withEmpty {
		b = append(b, emptySHA256...)
		b = append(b, '\n')
	}
	b = append(b, digest...)
	cs.buf = b
	cs.mac.Reset()
	cs.mac.Write(b)
	var sum [sha256.Size]byte
	hex.Encode(sig[:], cs.mac.Sum(sum[:0]))
	return sig, b
}

// verify checks one signature over "kind\ndate\nscope\nprev\n[empty-hash\n]hash".
func (cs *chunkSigner) verify(kind, digest, provided string, withEmpty bool) error {
	want, b := cs.sign(kind, digest, withEmpty)
	if !hmac.Equal(want[:], []byte(provided)) {
		return aws.ErrSignatureDoesNotMatch(cs.auth.accessKey, string(b), provided, "")
	}
	cs.prev = provided
	return nil
}

// chunkedReader decodes an aws-chunked body:
//
//	hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;chunk-signature=sig]\r\n
//	[name:value\r\n ...][x-amz-trailer-signature:sig\r\n]\r\n
type chunkedReader struct {
	src      io.ReadCloser
	br       *bufio.Reader
	cs       *chunkSigner // nil for unsigned chunks
	left     int64        // bytes left in the current chunk
	inChunk  bool
	chunkSig string
	chunkSum hash.Hash
	decoded  int64
	expected int64 // X-Amz-Decoded-Content-Length or -1
	trailer  http.Header
	err      error
}

func newChunkedReader(src io.ReadCloser, cs *chunkSigner, expected int64, trailer http.Header) *chunkedReader {
	cr := &chunkedReader{src: src, br: bufio.NewReaderSize(src, chunkedBufferSize), cs: cs, expected: expected, trailer: trailer}
	if cs != nil {
		cs.init()
		cr.chunkSum = sha256.New()
	}
	return cr
}

// Read returns decoded payload bytes. A framing, signature or length error
// is returned in place of io.EOF and is sticky.
func (cr *chunkedReader) Read(p []byte) (int, error) {
	for cr.err == nil && cr.left == 0 {
		if err := cr.nextChunk(); err != nil && err != io.EOF {
			cr.err = incomplete(err)
		} else {
			cr.err = err
		}
	}
	if len(p) == 0 && cr.err == nil {
		return 0, nil
	}
	if cr.err != nil {
		return 0, cr.err
	}
	if int64(len(p)) > cr.left {
		p = p[:cr.left]
	}
	n, err := cr.br.Read(p)
	cr.left -= int64(n)
	cr.decoded += int64(n)
	if cr.chunkSum != nil {
		cr.chunkSum.Write(p[:n])
	}
	if err == io.EOF || (err == nil && n == 0) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		cr.err = incomplete(err)
		return n, cr.err
	}
	if cr.expected >= 0 && cr.decoded > cr.expected {
		cr.err = aws.ErrIncompleteBody().WithCause(errors.New("body longer than x-amz-decoded-content-length"))
	}
	return n, nil
}

// Close closes the underlying body.
func (cr *chunkedReader) Close() error { return cr.src.Close() }

// nextChunk finishes the current chunk and reads the next chunk header;
// after the final chunk it reads the trailers and returns io.EOF.
func (cr *chunkedReader) nextChunk() error {
	if cr.inChunk {
		if err := cr.endChunk(); err != nil {
			return err
		}
	}
	size, sig, err := cr.readChunkHeader()
	if err != nil {
		return err
	}
	cr.left, cr.chunkSig, cr.inChunk = size, sig, size > 0
	if size > 0 {
		return nil
	}
	if err := cr.checkChunkSignature(); err != nil {
		return err
	}
	if err := cr.readTrailers(); err != nil {
		return err
	}
	if cr.expected >= 0 && cr.decoded != cr.expected {
		return aws.ErrIncompleteBody()
	}
	return io.EOF
}

// endChunk consumes the CRLF after a chunk's data and checks its signature.
func (cr *chunkedReader) endChunk() error {
	cr.inChunk = false
	line, err := cr.readLine()
	if err != nil {
		return err
	}
	if len(line) != 0 {
		return malformed("missing CRLF after chunk data")
	}
	return cr.checkChunkSignature()
}

func (cr *chunkedReader) checkChunkSignature() error {
	if cr.cs == nil {
		return nil
	}
	var sum [sha256.Size]byte
	var digest [2 * sha256.Size]byte
	hex.Encode(digest[:], cr.chunkSum.Sum(sum[:0]))
	cr.chunkSum.Reset()
	return cr.cs.verify("AWS4-HMAC-SHA256-PAYLOAD", string(digest[:]), cr.chunkSig, true)
}

// readChunkHeader parses "hex-size[;ext...]" and returns the size and the
// chunk-signature extension (required when chunks are signed).
func (cr *chunkedReader) readChunkHeader() (int64, string, error) {
	line, err := cr.readLine()
	if err != nil {
		return 0, "", err
	}
	sizeHex, exts, _ := bytes.Cut(line, []byte(";"))
	size, err := strconv.ParseInt(string(bytes.TrimSpace(sizeHex)), 16, 64)
	if err != nil || size < 0 || size > maxChunkSize {
		return 0, "", malformed("bad chunk size")
	}
	if cr.cs == nil {
		return size, "", nil
	}
	sig, ok := chunkSignature(exts)
	if !ok {
		return 0, "", malformed("missing chunk-signature")
	}
	return size, sig, nil
}

func chunkSignature(exts []byte) (string, bool) {
	for _, ext := range bytes.Split(exts, []byte(";")) {
		k, v, ok := bytes.Cut(ext, []byte("="))
		if ok && string(bytes.TrimSpace(k)) == "chunk-signature" {
			v = bytes.TrimSpace(v)
			return string(v), len(v) == 2*sha256.Size
		}
	}
	return "", false
}

// readTrailers reads the trailer section up to its terminating blank line
// and checks x-amz-trailer-signature when trailers are signed. The
// canonical trailer that is signed is "name:value\n" per trailer.
func (cr *chunkedReader) readTrailers() error {
	var canonical []byte
	var sig string
	total := 0
	for lines := 0; ; lines++ {
		line, err := cr.readLine()
		if err == io.ErrUnexpectedEOF {
			break // tolerate a missing final CRLF
		}
		if err != nil {
			return err
		}
		total += len(line)
		if lines > maxTrailerLines || total > maxTrailerBytes {
			return malformed("trailer section too large")
		}
		if len(line) == 0 {
			if cr.signedTrailer() && sig == "" && len(canonical) > 0 && lines < maxTrailerLines {
				continue // some clients put a blank line before the signature
			}
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return malformed("bad trailer line")
		}
		key := strings.ToLower(string(bytes.TrimSpace(name)))
		val := string(bytes.TrimSpace(value))
		if key == trailerSigName {
			sig = val
			continue
		}
		cr.trailer.Add(http.CanonicalHeaderKey(key), val)
		canonical = append(append(append(append(canonical, key...), ':'), val...), '\n')
	}
	if !cr.signedTrailer() {
		return nil
	}
	digest := sha256.Sum256(canonical)
	return cr.cs.verify("AWS4-HMAC-SHA256-TRAILER", hex.EncodeToString(digest[:]), sig, false)
}

func (cr *chunkedReader) signedTrailer() bool { return cr.cs != nil && cr.cs.trailerSigned }

// readLine returns the next line without its CR LF (or bare LF). The slice
// is only valid until the next read.
func (cr *chunkedReader) readLine() ([]byte, error) {
	line, err := cr.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, malformed("line too long")
	case err == io.EOF && len(line) == 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, incomplete(err)
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func malformed(what string) error {
	return aws.ErrIncompleteBody().WithCause(errors.New("aws-chunked: " + what))
}

func incomplete(err error) error {
	if _, ok := aws.As(err); ok {
		return err
	}
	return aws.ErrIncompleteBody().WithCause(err)
}
