package sse

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Encryption request headers. The SSE-C ones also exist with the prefix
// "x-amz-copy-source-", for the source of a copy.
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

// CustomerKeyFromHeaders reads the SSE-C headers of a request (GET, HEAD,
// UploadPart, or the destination of a copy).
func CustomerKeyFromHeaders(h http.Header) (*CustomerKey, error) {
	return ParseCustomerKey(h.Get(hdrCAlgorithm), h.Get(hdrCKey), h.Get(hdrCKeyMD5))
}

// CopySourceCustomerKeyFromHeaders reads the x-amz-copy-source-… SSE-C
// headers that unlock the source of CopyObject and UploadPartCopy.
func CopySourceCustomerKeyFromHeaders(h http.Header) (*CustomerKey, error) {
	src := func(name string) string { return h.Get(copySourcePrefix + strings.TrimPrefix(name, "x-amz-")) }
	return ParseCustomerKey(src(hdrCAlgorithm), src(hdrCKey), src(hdrCKeyMD5))
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
	req := Request{Mode: ModeKMS, KMSKeyID: h.Get(hdrKMSKeyID), BucketKey: strings.EqualFold(h.Get(hdrBucketKey), "true"),
		BucketKeySet: h.Get(hdrBucketKey) != ""}
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

// Headers are the response headers that describe an object's encryption.
func (e *Envelope) Headers() http.Header {
	h := http.Header{}
	if e == nil {
		return h
	}
	switch e.Mode {
	case ModeS3:
		h.Set("x-amz-server-side-encryption", string(ModeS3))
	case ModeKMS:
		h.Set("x-amz-server-side-encryption", string(ModeKMS))
		h.Set("x-amz-server-side-encryption-aws-kms-key-id", e.KMSKeyARN)
		if e.BucketKey {
			h.Set("x-amz-server-side-encryption-bucket-key-enabled", "true")
		}
		if len(e.Context) > 1 {
			b, _ := json.Marshal(e.Context)
			h.Set("x-amz-server-side-encryption-context", base64.StdEncoding.EncodeToString(b))
		}
	case ModeC:
		h.Set("x-amz-server-side-encryption-customer-algorithm", "AES256")
		h.Set("x-amz-server-side-encryption-customer-key-MD5", e.CustomerKeyMD5)
	}
	return h
}
