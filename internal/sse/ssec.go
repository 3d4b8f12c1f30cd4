package sse

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/ferrystore/ferry/internal/aws"
)

// SSE-C: the client sends its own 256-bit key with every request. The key
// is never stored. The object key is wrapped under a key derived from it
// (HKDF with a per-object salt), and a salted HMAC of it lets a later
// request with another key be told apart (AccessDenied) from corruption.

// CustomerKey is an SSE-C key sent by a client. It lives only for the
// request; sse stores a salted HMAC of it, never the key.
type CustomerKey struct {
	key [32]byte
	// MD5 is the base64 MD5 of the key, as sent and echoed back.
	MD5 string
}

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

// customerKEKForWrite derives the key-encryption key from an SSE-C key and
// records the salted HMAC that verifies it later.
func customerKEKForWrite(ck *CustomerKey, env *Envelope) ([]byte, error) {
	if ck == nil {
		return nil, aws.ErrSSECMissingKey()
	}
	env.Salt = make([]byte, 16)
	if _, err := rand.Read(env.Salt); err != nil {
		return nil, aws.Internal(err)
	}
	env.CustomerKeyMD5 = ck.MD5
	env.HMAC = customerHMAC(ck, env.Salt)
	return customerKEK(ck, env.Salt)
}

// customerKEKForRead checks the SSE-C key against the stored HMAC.
func customerKEKForRead(ck *CustomerKey, env *Envelope) ([]byte, error) {
	if ck == nil {
		return nil, aws.ErrSSECRequired()
	}
	if !hmac.Equal(customerHMAC(ck, env.Salt), env.HMAC) {
		return nil, aws.ErrSSECWrongKey()
	}
	return customerKEK(ck, env.Salt)
}

func customerHMAC(ck *CustomerKey, salt []byte) []byte {
	m := hmac.New(sha256.New, ck.key[:])
	m.Write([]byte("ferry/sse-c/verify\x00"))
	m.Write(salt)
	return m.Sum(nil)
}

func customerKEK(ck *CustomerKey, salt []byte) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, ck.key[:], salt, "ferry/sse-c/kek", 32)
	if err != nil {
		return nil, aws.Internal(err)
	}
	return k, nil
}
