package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// streamChunkSize is the payload of each chunk SignStreaming writes.
const streamChunkSize = 64 << 10

// SignStreaming makes req carry the decodedLen bytes of body as a signed
// aws-chunked body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), the way the AWS
// SDKs sign uploads they cannot hash ahead: every chunk's signature is
// chained to the request's, so the receiver verifies each byte as it
// arrives without buffering the body. It sets the headers the scheme needs,
// calls sign to sign the request's headers (sign must set X-Amz-Date and an
// Authorization header with the payload hash the request already carries in
// X-Amz-Content-Sha256, as aws-sdk-go-v2's v4.Signer does), and replaces
// req.Body with the encoder. secret is the signing credentials' secret key.
// A body shorter or longer than decodedLen fails the request.
func SignStreaming(req *http.Request, body io.Reader, decodedLen int64, secret string, sign func(*http.Request) error) error {
	req.Header.Set("X-Amz-Content-Sha256", streamingSigned)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.FormatInt(decodedLen, 10))
	req.ContentLength = encodedLength(decodedLen)
	if err := sign(req); err != nil {
		return fmt.Errorf("sigv4: sign streaming request: %w", err)
	}
	a, err := parseHeaderAuth(req, req.Header.Get("Authorization"))
	if err != nil {
		return fmt.Errorf("sigv4: the streaming request is not signed: %w", err)
	}
	cs := &chunkSigner{auth: a, key: deriveKey(secret, a.date, a.region, a.service)}
	cs.init()
	enc := &chunkEncoder{src: body, left: decodedLen, cs: cs}
	req.Body = io.NopCloser(enc)
	req.GetBody = nil
	return nil
}

// encodedLength is the aws-chunked length of n payload bytes.
func encodedLength(n int64) int64 {
	chunk := func(size int64) int64 {
		return int64(len(strconv.FormatInt(size, 16))+len(";chunk-signature=")+64+2) + size + 2
	}
	full := n / streamChunkSize
	total := full*chunk(streamChunkSize) + chunk(0)
	if r := n % streamChunkSize; r > 0 {
		total += chunk(r)
	}
	return total
}

// chunkEncoder reads src and produces its signed aws-chunked encoding.
type chunkEncoder struct {
	src  io.Reader
	left int64        // payload bytes still to read
	cs   *chunkSigner // chains each chunk's signature to the previous one
	out  []byte       // encoded bytes not yet returned
	buf  []byte       // out's storage
	data []byte
	done bool
}

func (e *chunkEncoder) Read(p []byte) (int, error) {
	for len(e.out) == 0 {
		if e.done {
			return 0, io.EOF
		}
		if err := e.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, e.out)
	e.out = e.out[n:]
	return n, nil
}

// next encodes the next chunk, the empty final one after the payload.
func (e *chunkEncoder) next() error {
	size := min(e.left, streamChunkSize)
	if cap(e.data) < int(size) {
		e.data = make([]byte, streamChunkSize)
	}
	data := e.data[:size]
	if _, err := io.ReadFull(e.src, data); err != nil {
		return fmt.Errorf("sigv4: streaming body: %w", err)
	}
	e.left -= size
	if size == 0 {
		var extra [1]byte
		if n, _ := e.src.Read(extra[:]); n > 0 {
			return errors.New("sigv4: streaming body longer than its declared length")
		}
		e.done = true
	}
	sum := sha256.Sum256(data)
	sig, _ := e.cs.sign("AWS4-HMAC-SHA256-PAYLOAD", hex.EncodeToString(sum[:]), true)
	e.cs.prev = string(sig[:])
	out := append(e.buf[:0], strconv.FormatInt(size, 16)+";chunk-signature="+e.cs.prev+"\r\n"...)
	out = append(out, data...)
	e.buf = append(out, "\r\n"...)
	e.out = e.buf
	return nil
}
