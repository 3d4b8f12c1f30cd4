package sse

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// CustomerKey is an SSE-C key sent by a client. It lives only for the
// request; sse stores a salted HMAC of it, never the key.
type CustomerKey struct {
	key [32]byte
	// MD5 is the base64 MD5 of the key, as sent and echoed back.
	MD5 string
}

// SSE-C header names; the copy-source variants carry the prefix
// "x-amz-copy-source-".
const (
	hdrSSE           = "x-amz-server-side-encryption"
	hdrKMSKeyID      = "x-amz-server-side-encryption-aws-kms-key-id"
	hdrContext       = "x-amz-server-side-encryption-context"
	hdrBucketKey     = "x-amz-server-side-encryption-bucket-key-enabled"
	hdrCAlgorithm    = "x-amz-server-side-encryption-customer-algorithm"
	hdrCKey          = "x-amz-server-side-encryption-customer-key"
	hdrCKeyMD5       = "x-amz-server-side-encryption-customer-key-MD5"
	copySourcePrefix = "x-amz-copy-source-"
)

// ParseCustomerKey validates SSE-C headers as S3 does: AES256 only, a
// base64 256-bit key, and the base64 MD5 of that key. All three empty means
// no SSE-C and returns nil, nil.
func ParseCustomerKey(algorithm, keyB64, keyMD5B64 string) (*CustomerKey, error) {
	switch {
	case algorithm == "" && keyB64 == "" && keyMD5B64 == "":
		return nil, nil
	case algorithm == "":
		return nil, aws.ErrSSECMissingAlgorithm()
	case algorithm != "AES256":
		return nil, aws.ErrSSECAlgorithm(algorithm)
	case keyB64 == "":
		return nil, aws.ErrSSECMissingKey()
	}
	raw, err := base64.StdEncoding.DecodeString(keyB64)
	if err != nil || len(raw) != 32 || keyMD5B64 == "" {
		return nil, aws.ErrSSECInvalidKey()
	}
	sum := md5.Sum(raw)
	sent, err := base64.StdEncoding.DecodeString(keyMD5B64)
	if err != nil || subtle.ConstantTimeCompare(sent, sum[:]) != 1 {
		return nil, aws.ErrSSECKeyMD5Mismatch()
	}
	ck := &CustomerKey{MD5: base64.StdEncoding.EncodeToString(sum[:])}
	copy(ck.key[:], raw)
	clear(raw)
	return ck, nil
}

// CustomerKeyFromHeaders reads the SSE-C headers of a request (GET, HEAD,
// UploadPart, or the destination of a copy).
func CustomerKeyFromHeaders(h http.Header) (*CustomerKey, error) {
	return ParseCustomerKey(h.Get(hdrCAlgorithm), h.Get(hdrCKey), h.Get(hdrCKeyMD5))
}

// CopySourceCustomerKeyFromHeaders reads the x-amz-copy-source-… SSE-C
// headers that unlock the source of CopyObject and UploadPartCopy.
func CopySourceCustomerKeyFromHeaders(h http.Header) (*CustomerKey, error) {
	return ParseCustomerKey(h.Get(copySourcePrefix+hdrCAlgorithm), h.Get(copySourcePrefix+hdrCKey), h.Get(copySourcePrefix+hdrCKeyMD5))
}

// RequestFromHeaders reads the encryption a write asks for. No header gives
// ModeNone; the caller then applies the bucket's default encryption.
func RequestFromHeaders(h http.Header) (Request, error) {
	ck, err := CustomerKeyFromHeaders(h)
	if err != nil {
		return Request{}, err
	}
	sse := h.Get(hdrSSE)
	if ck != nil {
		if sse != "" {
			return Request{}, aws.ErrSSECWithSSE(sse)
		}
		return Request{Mode: ModeC, Customer: ck}, nil
	}
	switch Mode(sse) {
	case ModeNone:
		return Request{}, nil
	case ModeS3:
		return Request{Mode: ModeS3}, nil
	case ModeKMS:
	default:
		return Request{}, aws.ErrSSEInvalidValue(sse)
	}
	req := Request{Mode: ModeKMS, KMSKeyID: h.Get(hdrKMSKeyID), BucketKey: strings.EqualFold(h.Get(hdrBucketKey), "true")}
	if c := h.Get(hdrContext); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		if err == nil {
			err = json.Unmarshal(raw, &req.Context)
		}
		if err != nil {
			return Request{}, aws.InvalidArgument("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map", hdrContext, c)
		}
	}
	return req, nil
}
