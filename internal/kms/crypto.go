package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// EncryptionContext is a set of non-secret pairs bound to a ciphertext as
// associated data: Decrypt must be given exactly the same pairs (order does
// not matter, case does).
type EncryptionContext map[string]string

// SymmetricDefault is the encryption algorithm of symmetric keys.
const SymmetricDefault = "SYMMETRIC_DEFAULT"

// MaxPlaintext is the largest plaintext Encrypt accepts.
const MaxPlaintext = 4096

// Ciphertext blob layout (all of it but the nonce and sealed part is
// associated data, together with the canonical encryption context):
//
//	'F' 0x01 | account (12 ASCII digits) | len(keyID) | keyID |
//	material version (uint32 BE) | nonce (12) | AES-256-GCM ciphertext+tag
//
// The blob names its key and material version, so Decrypt needs no KeyId and
// old ciphertexts keep decrypting with their own version after rotation.
const (
	blobMagic   = 'F'
	blobVersion = 1
	nonceSize   = 12
	tagSize     = 16
)

// header is the parsed prefix of a ciphertext blob.
type header struct {
	account aws.AccountID
	keyID   string
	version uint32
}

func (h header) append(b []byte) []byte {
	b = append(b, blobMagic, blobVersion)
	b = append(b, h.account...)
	b = append(b, byte(len(h.keyID)))
	b = append(b, h.keyID...)
	return binary.BigEndian.AppendUint32(b, h.version)
}

// parseBlob splits a ciphertext blob into header, header bytes, nonce and
// sealed part; any malformation is InvalidCiphertextException.
func parseBlob(blob []byte) (h header, hdr, nonce, sealed []byte, err error) {
	bad := aws.ErrKMSInvalidCiphertext()
	if len(blob) < 2+12+1 || blob[0] != blobMagic || blob[1] != blobVersion {
		return h, nil, nil, nil, bad
	}
	h.account = aws.AccountID(blob[2:14])
	n := int(blob[14])
	end := 15 + n + 4
	if !h.account.Valid() || len(blob) < end+nonceSize+tagSize {
		return h, nil, nil, nil, bad
	}
	h.keyID = string(blob[15 : 15+n])
	if !ValidKeyID(h.keyID) {
		return h, nil, nil, nil, bad
	}
	h.version = binary.BigEndian.Uint32(blob[15+n:])
	return h, blob[:end], blob[end : end+nonceSize], blob[end+nonceSize:], nil
}

// associatedData is the header followed by the canonical encryption context:
// pairs sorted by key, each key and value prefixed with its length, so that
// no two different contexts share an encoding.
func associatedData(hdr []byte, ec EncryptionContext) []byte {
	keys := make([]string, 0, len(ec))
	n := len(hdr) + 4
	for k, v := range ec {
		keys = append(keys, k)
		n += 8 + len(k) + len(v)
	}
	sort.Strings(keys)
	ad := make([]byte, 0, n)
	ad = append(ad, hdr...)
	ad = binary.BigEndian.AppendUint32(ad, uint32(len(keys)))
	for _, k := range keys {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(k)))
		ad = append(ad, k...)
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(ec[k])))
		ad = append(ad, ec[k]...)
	}
	return ad
}

// EncryptOutput is Encrypt's answer.
type EncryptOutput struct {
	CiphertextBlob []byte
	KeyID          string // the key ARN
	Algorithm      string
}

// Encrypt encrypts up to 4 KiB under the newest material version of a key.
func (s *Service) Encrypt(ctx context.Context, p aws.Principal, region, keyRef string, plaintext []byte, ec EncryptionContext) (EncryptOutput, error) {
	if len(plaintext) == 0 {
		return EncryptOutput{}, aws.ErrKMSValidation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(plaintext) > MaxPlaintext {
		return EncryptOutput{}, aws.ErrKMSPlaintextTooLong()
	}
	k, err := s.usableKey(withContext(ctx, ec), p, region, keyRef, ActionEncrypt)
	if err != nil {
		return EncryptOutput{}, err
	}
	blob, err := s.seal(k, plaintext, ec)
	if err != nil {
		return EncryptOutput{}, err
	}
	return EncryptOutput{CiphertextBlob: blob, KeyID: k.ARN, Algorithm: SymmetricDefault}, nil
}

// DecryptOutput is Decrypt's answer.
type DecryptOutput struct {
	Plaintext []byte
	KeyID     string // the ARN of the key that encrypted the blob
	Algorithm string
}

// Decrypt decrypts a ciphertext blob made by Encrypt, GenerateDataKey or
// ReEncrypt, with the encryption context it was made with. keyRef is
// optional; when set it must name the key the blob was encrypted under
// (IncorrectKeyException otherwise).
func (s *Service) Decrypt(ctx context.Context, p aws.Principal, region string, blob []byte, ec EncryptionContext, keyRef string) (DecryptOutput, error) {
	k, pt, err := s.open(ctx, p, region, blob, ec, keyRef, ActionDecrypt)
	if err != nil {
		return DecryptOutput{}, err
	}
	return DecryptOutput{Plaintext: pt, KeyID: k.ARN, Algorithm: SymmetricDefault}, nil
}

// ReEncryptInput holds ReEncrypt's parameters.
type ReEncryptInput struct {
	CiphertextBlob     []byte
	SourceContext      EncryptionContext
	SourceKeyRef       string // optional, as Decrypt's keyRef
	DestinationKeyRef  string
	DestinationContext EncryptionContext
}

// ReEncryptOutput is ReEncrypt's answer.
type ReEncryptOutput struct {
	CiphertextBlob []byte
	SourceKeyID    string
	KeyID          string
}

// ReEncrypt decrypts a blob and encrypts its plaintext under another key (or
// the same key's newest version, or another context) without returning it.
func (s *Service) ReEncrypt(ctx context.Context, p aws.Principal, region string, in ReEncryptInput) (ReEncryptOutput, error) {
	dst, err := s.usableKey(withContext(ctx, in.DestinationContext), p, region, in.DestinationKeyRef, ActionReEncryptTo)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	src, pt, err := s.open(ctx, p, region, in.CiphertextBlob, in.SourceContext, in.SourceKeyRef, ActionReEncryptFrom)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	defer clear(pt)
	blob, err := s.seal(dst, pt, in.DestinationContext)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	return ReEncryptOutput{CiphertextBlob: blob, SourceKeyID: src.ARN, KeyID: dst.ARN}, nil
}

// DataKeySpec says how long a data key is: KeySpec AES_256 or AES_128, or
// NumberOfBytes (1 to 1024). Exactly one must be set.
type DataKeySpec struct {
	KeySpec       string
	NumberOfBytes int
}

// AES256 is the usual data key spec.
var AES256 = DataKeySpec{KeySpec: "AES_256"}

func (d DataKeySpec) size() (int, error) {
	switch {
	case (d.KeySpec == "") == (d.NumberOfBytes == 0):
		return 0, aws.ErrKMSDataKeySpec()
	case d.KeySpec == "AES_256":
		return 32, nil
	case d.KeySpec == "AES_128":
		return 16, nil
	case d.KeySpec != "":
		return 0, aws.ErrKMSInvalidDataKeySpec(d.KeySpec)
	case d.NumberOfBytes < 1 || d.NumberOfBytes > 1024:
		return 0, aws.ErrKMSNumberOfBytesRange(d.NumberOfBytes)
	}
	return d.NumberOfBytes, nil
}

// DataKeyOutput is GenerateDataKey's answer; Plaintext is nil for
// GenerateDataKeyWithoutPlaintext.
type DataKeyOutput struct {
	Plaintext      []byte
	CiphertextBlob []byte
	KeyID          string // the key ARN
}

// GenerateDataKey returns a random data key in plaintext and encrypted under
// the key with the given context.
func (s *Service) GenerateDataKey(ctx context.Context, p aws.Principal, region, keyRef string, spec DataKeySpec, ec EncryptionContext) (DataKeyOutput, error) {
	return s.generateDataKey(ctx, p, region, keyRef, spec, ec, ActionGenerateDataKey)
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey that returns only the
// encrypted data key.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, p aws.Principal, region, keyRef string, spec DataKeySpec, ec EncryptionContext) (DataKeyOutput, error) {
	out, err := s.generateDataKey(ctx, p, region, keyRef, spec, ec, ActionGenerateDataKeyWithoutPlaintext)
	clear(out.Plaintext)
	out.Plaintext = nil
	return out, err
}

func (s *Service) generateDataKey(ctx context.Context, p aws.Principal, region, keyRef string, spec DataKeySpec, ec EncryptionContext, action string) (DataKeyOutput, error) {
	n, err := spec.size()
	if err != nil {
		return DataKeyOutput{}, err
	}
	k, err := s.usableKey(withContext(ctx, ec), p, region, keyRef, action)
	if err != nil {
		return DataKeyOutput{}, err
	}
	pt := make([]byte, n)
	if _, err := rand.Read(pt); err != nil {
		return DataKeyOutput{}, aws.ErrKMSInternal(err)
	}
	blob, err := s.seal(k, pt, ec)
	if err != nil {
		return DataKeyOutput{}, err
	}
	return DataKeyOutput{Plaintext: pt, CiphertextBlob: blob, KeyID: k.ARN}, nil
}

// GenerateRandom returns n (1 to 1024) random bytes.
func (s *Service) GenerateRandom(ctx context.Context, p aws.Principal, region string, n int) ([]byte, error) {
	if err := s.authorize(ctx, p, ActionGenerateRandom, nil); err != nil {
		return nil, err
	}
	if n < 1 || n > 1024 {
		return nil, aws.ErrKMSNumberOfBytesRange(n)
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, aws.ErrKMSInternal(err)
	}
	return b, nil
}

// usableKey resolves a key, authorizes action and checks its state.
func (s *Service) usableKey(ctx context.Context, p aws.Principal, region, keyRef, action string) (*Key, error) {
	k, err := s.keyFor(ctx, p, region, keyRef, action)
	if err != nil {
		return nil, err
	}
	if err := usable(k); err != nil {
		return nil, err
	}
	return s.syncReplica(k) // a replica encrypts under its primary's newest material
}

// seal encrypts pt under k's newest material version.
func (s *Service) seal(k *Key, pt []byte, ec EncryptionContext) ([]byte, error) {
	h := header{account: k.Account, keyID: k.ID, version: k.Current()}
	aead, err := s.material(k, h.version)
	if err != nil {
		return nil, err
	}
	blob := h.append(make([]byte, 0, 64+len(pt)+nonceSize+tagSize))
	hdrLen := len(blob)
	blob = blob[:hdrLen+nonceSize]
	if _, err := rand.Read(blob[hdrLen:]); err != nil {
		return nil, aws.ErrKMSInternal(err)
	}
	return aead.Seal(blob, blob[hdrLen:], pt, associatedData(blob[:hdrLen], ec)), nil
}

// open is the common part of Decrypt and ReEncrypt's source side.
func (s *Service) open(ctx context.Context, p aws.Principal, region string, blob []byte, ec EncryptionContext, keyRef, action string) (*Key, []byte, error) {
	h, hdr, nonce, sealed, err := parseBlob(blob)
	if err != nil {
		return nil, nil, err
	}
	var named *Key
	if keyRef != "" {
		if named, err = s.resolve(p, region, keyRef); err != nil {
			return nil, nil, err
		}
	}
	k, err := s.loadKey(h.account, region, h.keyID)
	if err != nil {
		return nil, nil, err
	}
	if named != nil && named.ARN != k.ARN {
		return nil, nil, aws.ErrKMSIncorrectKey()
	}
	ctx = withContext(ctx, ec)
	if alias := aliasNamed(keyRef); alias != "" {
		ctx = withAlias(ctx, alias)
	}
	if err := s.authorize(ctx, p, action, k); err != nil {
		return nil, nil, err
	}
	if err := usable(k); err != nil {
		return nil, nil, err
	}
	if !k.hasVersion(h.version) && k.KeyType() == MultiRegionReplica {
		if k, err = s.syncReplica(k); err != nil {
			return nil, nil, err
		}
	}
	if !k.hasVersion(h.version) {
		return nil, nil, aws.ErrKMSInvalidCiphertext()
	}
	aead, err := s.material(k, h.version)
	if err != nil {
		return nil, nil, err
	}
	pt, err := aead.Open(nil, nonce, sealed, associatedData(hdr, ec))
	if err != nil {
		return nil, nil, aws.ErrKMSInvalidCiphertext()
	}
	return k, pt, nil
}

func (k *Key) hasVersion(v uint32) bool {
	for _, m := range k.Versions {
		if m.Version == v {
			return true
		}
	}
	return false
}

// material returns the AEAD of one material version, opening the sealed
// material with the root key on first use and caching it (versions never
// change once written).
func (s *Service) material(k *Key, version uint32) (cipher.AEAD, error) {
	id := materialCacheKey(k, version)
	if a, ok := s.materials.Load(id); ok {
		return a.(cipher.AEAD), nil
	}
	sealed, err := s.store.Get(materialRow(k.Account, k.Region, k.ID, version))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, aws.ErrKMSInternal(fmt.Errorf("kms: key %s has no material version %d", k.ARN, version))
	}
	if err != nil {
		return nil, aws.ErrKMSInternal(fmt.Errorf("kms: read material of %s: %w", k.ARN, err))
	}
	raw, err := s.root.Open(materialPurpose(k, version), sealed)
	if err != nil {
		return nil, aws.ErrKMSInternal(fmt.Errorf("kms: open material of %s: %w", k.ARN, err))
	}
	defer clear(raw)
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, aws.ErrKMSInternal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, aws.ErrKMSInternal(err)
	}
	s.materials.Store(id, aead)
	return aead, nil
}

func materialCacheKey(k *Key, version uint32) string {
	return k.ARN + "#" + strconv.FormatUint(uint64(version), 10)
}

// forgetMaterials drops a deleted key's versions from the cache.
func (s *Service) forgetMaterials(k *Key) {
	prefix := k.ARN + "#"
	s.materials.Range(func(id, _ any) bool {
		if strings.HasPrefix(id.(string), prefix) {
			s.materials.Delete(id)
		}
		return true
	})
}

// CheckKey resolves keyRef, authorizes action (such as ActionDecrypt) for a
// call with encryption context ec and checks that the key is usable,
// without any cryptography. Callers that cache key material derived from a
// key (S3 Bucket Keys) use it on every cache hit so that authorization,
// grants, context conditions and key state still apply.
func (s *Service) CheckKey(ctx context.Context, p aws.Principal, region, keyRef, action string, ec EncryptionContext) (*Key, error) {
	return s.usableKey(withContext(ctx, ec), p, region, keyRef, action)
}
