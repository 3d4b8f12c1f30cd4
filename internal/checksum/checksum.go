// Package checksum computes and checks the digests S3 attaches to object
// data: Content-MD5, the x-amz-checksum-* family and the multipart forms.
package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/minio/crc64nvme"
)

// Algorithm is an S3 checksum algorithm, spelled as S3 writes it.
type Algorithm string

// The checksum algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Algorithms lists every supported algorithm.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ParseAlgorithm maps a name such as "crc32c" or "SHA256" (any case) to its
// Algorithm.
func ParseAlgorithm(s string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// New returns a fresh hash for the algorithm. It panics on an unknown
// algorithm, which only a programming error can produce.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return crc64nvme.New()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("checksum: unknown algorithm " + string(a))
}

// Size is the length in bytes of the algorithm's raw digest, or 0 when the
// algorithm is unknown.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// Lower is the algorithm's name in lower case, as used in header names and
// in some error messages.
func (a Algorithm) Lower() string { return strings.ToLower(string(a)) }

// HeaderName is the header carrying the algorithm's value, for example
// "x-amz-checksum-crc32".
func (a Algorithm) HeaderName() string { return headerPrefix + a.Lower() }

// Valid reports whether a base64 value decodes to a digest of the right length.
func (a Algorithm) Valid(value string) bool {
	raw, err := base64.StdEncoding.DecodeString(value)
	return err == nil && len(raw) == a.Size() && a.Size() > 0
}

const headerPrefix = "x-amz-checksum-"

// Header names that share the x-amz-checksum- prefix but carry no value.
var nonValueHeaders = map[string]bool{
	"x-amz-checksum-algorithm": true,
	"x-amz-checksum-type":      true,
	"x-amz-checksum-mode":      true,
}

// FromHeaders finds the single x-amz-checksum-<algo> value header of a
// request and validates it. Without a value header it returns the algorithm
// named by x-amz-sdk-checksum-algorithm or x-amz-checksum-algorithm (the
// value then usually arrives in a trailer) and an empty value. A request with
// no checksum at all yields ("", "", nil).
func FromHeaders(h http.Header) (alg Algorithm, value string, err error) {
	alg, value, err = valueHeader(h)
	if err != nil {
		return "", "", err
	}
	declared, err := declaredAlgorithm(h)
	if err != nil {
		return "", "", err
	}
	if alg == "" {
		return declared, "", nil
	}
	if declared != "" && declared != alg {
		return "", "", aws.ErrInvalidChecksumHeader(alg.Lower())
	}
	return alg, value, nil
}

func valueHeader(h http.Header) (Algorithm, string, error) {
	var alg Algorithm
	var value string
	for name, values := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, headerPrefix) || nonValueHeaders[lower] {
			continue
		}
		a, ok := ParseAlgorithm(lower[len(headerPrefix):])
		if !ok {
			return "", "", aws.ErrUnsupportedChecksumAlgorithm()
		}
		if alg != "" || len(values) != 1 {
			return "", "", aws.ErrMultipleChecksums()
		}
		if !a.Valid(values[0]) {
			return "", "", aws.ErrInvalidChecksumHeader(a.Lower())
		}
		alg, value = a, values[0]
	}
	return alg, value, nil
}

func declaredAlgorithm(h http.Header) (Algorithm, error) {
	var alg Algorithm
	for _, name := range []string{"X-Amz-Sdk-Checksum-Algorithm", "X-Amz-Checksum-Algorithm"} {
		v := h.Get(name)
		if v == "" {
			continue
		}
		a, ok := ParseAlgorithm(v)
		if !ok {
			return "", aws.ErrUnsupportedChecksumAlgorithm()
		}
		if alg != "" && alg != a {
			return "", aws.ErrInvalidChecksumHeader(a.Lower())
		}
		alg = a
	}
	return alg, nil
}

// FromTrailerDeclaration returns the algorithm of the checksum announced by
// an X-Amz-Trailer header (for example "x-amz-checksum-crc32"), if any.
func FromTrailerDeclaration(h http.Header) (Algorithm, bool) {
	for _, v := range h.Values("X-Amz-Trailer") {
		for _, name := range strings.Split(v, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if strings.HasPrefix(name, headerPrefix) && !nonValueHeaders[name] {
				return ParseAlgorithm(name[len(headerPrefix):])
			}
		}
	}
	return "", false
}
