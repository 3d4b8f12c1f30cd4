// Package keyring holds Ferry's root key: 32 random bytes kept outside the
// metadata store that seal every other piece of key material (KMS key
// versions, SSE-S3 keys) before it is written to disk.
//
// The key comes from, in order of preference, FERRY_ROOT_KEY (base64), an
// explicit file, or <data-dir>/root.key, which is created with mode 0600 on
// first start. A sealed check value kept in the metadata store proves at
// start that the key is the one the data directory was sealed with: a wrong
// key, or a lost key file next to existing key data, is refused with a
// clear error instead of serving data that cannot be decrypted.
package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// Size is the length of the root key in bytes.
const Size = 32

// EnvVar names the environment variable that may hold the root key in base64.
const EnvVar = "FERRY_ROOT_KEY"

// FileName is the root key file's name inside the data directory.
const FileName = "root.key"

// sealVersion is the first byte of every sealed blob, so the format can change.
const sealVersion = 1

// ErrMismatch is returned (wrapped) when the root key does not open the
// data directory's check value.
var ErrMismatch = errors.New("root key does not match the data directory")

// ErrMissing is returned (wrapped) when the default root key file is gone
// but the metadata store holds key material sealed by a root key.
var ErrMissing = errors.New("root key is missing for a data directory that holds sealed keys")

// ErrOpen is returned (wrapped) when a sealed blob does not open: it was
// tampered with, sealed for another purpose, or sealed under another key.
var ErrOpen = errors.New("keyring: sealed data does not open")

// Key is a root key. It is safe for concurrent use.
type Key struct {
	aead cipher.AEAD
	// Source says where the key came from (for messages), e.g. a file path.
	Source string
}

// New returns a Key for 32 raw bytes; source names where they came from.
func New(raw []byte, source string) (*Key, error) {
	if len(raw) != Size {
		return nil, fmt.Errorf("keyring: root key from %s is %d bytes, want %d", source, len(raw), Size)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return &Key{aead: aead, Source: source}, nil
}

// Generate returns a fresh random root key and its base64 form.
func Generate() (*Key, string, error) {
	raw := make([]byte, Size)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", fmt.Errorf("keyring: generate: %w", err)
	}
	k, err := New(raw, "generated")
	return k, base64.StdEncoding.EncodeToString(raw), err
}

// Decode parses a base64 root key (standard or URL alphabet, padding and
// surrounding white space allowed).
func Decode(text, source string) (*Key, error) {
	s := string(bytes.TrimSpace([]byte(text)))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			return New(raw, source)
		}
	}
	return nil, fmt.Errorf("keyring: root key from %s is not valid base64", source)
}

// associated builds the AEAD associated data for a purpose, so that a blob
// sealed for one purpose (say, one KMS key version) never opens as another.
func associated(purpose string) []byte {
	return append([]byte("ferry/root/v1\x00"), purpose...)
}

// Seal encrypts plaintext under the root key, bound to purpose (a string
// naming what is sealed, such as "kms/material/<key-arn>/3"). The result is
// version byte, nonce and ciphertext with its tag.
func (k *Key) Seal(purpose string, plaintext []byte) []byte {
	out := make([]byte, 1+k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic("keyring: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	return k.aead.Seal(out, out[1:], plaintext, associated(purpose))
}

// Open decrypts a blob made by Seal for the same purpose. It fails with
// ErrOpen when the blob was altered, sealed for another purpose or sealed
// under another root key.
func (k *Key) Open(purpose string, sealed []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(sealed) < 1+ns+k.aead.Overhead() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: %s: malformed", ErrOpen, purpose)
	}
	pt, err := k.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], associated(purpose))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrOpen, purpose)
	}
	return pt, nil
}
