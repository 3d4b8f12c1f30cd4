package sse

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strconv"
)

// ObjectKey is the random 256-bit key of one object (or multipart upload).
// It never touches disk in plaintext: the Envelope stores it wrapped under a
// key-encryption key that depends on the mode (the SSE-S3 key, a KMS data
// key, a Bucket Key or the customer's key).
type ObjectKey struct {
	key [32]byte
}

func newObjectKey() (*ObjectKey, error) {
	var k ObjectKey
	if _, err := rand.Read(k.key[:]); err != nil {
		return nil, fmt.Errorf("sse: object key: %w", err)
	}
	return &k, nil
}

// Part returns the stream key of part n of a multipart object (1 to 10000),
// or of the whole object for n = 0. Each part is its own DARE stream under
// its own derived key, so parts can be written in any order and in parallel.
func (k *ObjectKey) Part(n int) *Stream {
	derived, err := hkdf.Key(sha256.New, k.key[:], nil, "ferry/sse/stream/"+strconv.Itoa(n), 32)
	if err != nil {
		panic("sse: hkdf: " + err.Error()) // cannot fail for a 32-byte output
	}
	var s Stream
	copy(s.key[:], derived)
	return &s
}

// Object returns the stream key of a single-part object: Part(0).
func (k *ObjectKey) Object() *Stream { return k.Part(0) }

// wrapAD binds a wrapped object key to its mode and object, so that a
// wrapped key copied into another object's record does not unwrap there.
func wrapAD(mode Mode, obj Object) []byte {
	return []byte("ferry/sse/wrap/v1\x00" + string(mode) + "\x00" + obj.Bucket + "\x00" + obj.Key)
}

// wrap seals the object key under kek (32 bytes) with AES-256-GCM.
func (k *ObjectKey) wrap(kek []byte, ad []byte) ([]byte, error) {
	aead, err := gcm(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(k.key)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("sse: nonce: %w", err)
	}
	return aead.Seal(out, out, k.key[:], ad), nil
}

// unwrap opens a key made by wrap; errUnwrap means the wrong key-encryption
// key, another object's record, or tampering.
func unwrap(kek, wrapped, ad []byte) (*ObjectKey, error) {
	aead, err := gcm(kek)
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	if len(wrapped) != ns+32+aead.Overhead() {
		return nil, errUnwrap
	}
	raw, err := aead.Open(nil, wrapped[:ns], wrapped[ns:], ad)
	if err != nil {
		return nil, errUnwrap
	}
	var k ObjectKey
	copy(k.key[:], raw)
	clear(raw)
	return &k, nil
}

var errUnwrap = fmt.Errorf("%w: object key does not unwrap", ErrCorrupt)

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sse: %w", err)
	}
	return cipher.NewGCM(block)
}
