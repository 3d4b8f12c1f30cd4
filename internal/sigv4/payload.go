package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// payloadHash is the payload hash of the canonical request. For a service
// other than S3 without x-amz-content-sha256 it reads and buffers the body
// to hash it, replacing r.Body with the buffered copy.
func payloadHash(r *http.Request, a *authInfo) (string, error) {
	if a.presigned {
		if v := r.URL.Query().Get("X-Amz-Content-Sha256"); v != "" {
			return v, nil
		}
		if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" {
			return v, nil
		}
		if a.service != "s3" {
			// Other services sign the body's hash even in presigned URLs.
			return bufferAndHash(r)
		}
		return unsignedPayload, nil
	}
	v := r.Header.Get("X-Amz-Content-Sha256")
	isS3 := a.service == "s3"
	switch {
	case v == "" && isS3:
		return "", aws.ErrMissingContentSHA256()
	case v == "":
		return bufferAndHash(r)
	case isS3 && !validPayloadHash(v):
		return "", aws.ErrInvalidContentSHA256(v)
	}
	return v, nil
}

func validPayloadHash(v string) bool {
	switch v {
	case unsignedPayload, streamingSigned, streamingSignedTrailer, streamingUnsignedTrailer:
		return true
	}
	return isHexSHA256(v)
}

func isHexSHA256(v string) bool {
	if len(v) != 64 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// bufferAndHash reads at most maxBufferedBody bytes of the body, hashes them
// and lets the body be read again.
func bufferAndHash(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody+1))
	r.Body.Close()
	if err != nil {
		return "", aws.ErrIncompleteBody().WithCause(err)
	}
	if len(data) > maxBufferedBody {
		return "", aws.ErrEntityTooLarge(int64(len(data)), maxBufferedBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// attachBody sets res.Body, DecodedLength and Trailer according to the
// payload hash. cs signs chunks; it is nil for anonymous requests.
func attachBody(res *Result, r *http.Request, payload string, cs *chunkSigner) error {
	res.Trailer = http.Header{}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	res.Body, res.DecodedLength = body, r.ContentLength
	switch {
	case payload == streamingSigned || payload == streamingSignedTrailer:
		if cs == nil {
			return aws.ErrMissingContentSHA256()
		}
		cs.trailerSigned = payload == streamingSignedTrailer
		return attachChunked(res, r, body, cs)
	case payload == streamingUnsignedTrailer || isAWSChunked(r):
		return attachChunked(res, r, body, nil)
	case isHexSHA256(payload) && (hasBody(r) || r.Method == http.MethodPut || r.Method == http.MethodPost):
		res.Body = &hashingBody{rc: body, want: payload, h: sha256.New()}
	}
	return nil
}

func attachChunked(res *Result, r *http.Request, body io.ReadCloser, cs *chunkSigner) error {
	res.DecodedLength = -1
	if s := r.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return aws.ErrInvalidDecodedContentLength(s)
		}
		res.DecodedLength = n
	}
	res.Body = newChunkedReader(body, cs, res.DecodedLength, res.Trailer)
	return nil
}

func isAWSChunked(r *http.Request) bool {
	for _, v := range r.Header.Values("Content-Encoding") {
		for _, e := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(e), "aws-chunked") {
				return true
			}
		}
	}
	return false
}

// hasBody reports whether the request may carry a payload worth checking.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// hashingBody checks the payload against x-amz-content-sha256 at EOF.
type hashingBody struct {
	rc   io.ReadCloser
	want string
	h    hash.Hash
	err  error
}

// Read reads and hashes the body; at EOF a mismatch replaces io.EOF.
func (b *hashingBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	b.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(b.h.Sum(nil)); got != b.want {
			err = aws.ErrXAmzContentSHA256Mismatch(b.want, got)
		}
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// Close closes the underlying body.
func (b *hashingBody) Close() error { return b.rc.Close() }
