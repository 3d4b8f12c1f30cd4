// Package sse encrypts S3 object bytes at rest. It gives internal/s3 a small
// API that wraps its existing storeData/OpenData without exposing the
// cryptography:
//
//	req, err := sse.RequestFromHeaders(h)                    // or the bucket's default
//	key, env, err := svc.NewObject(ctx, p, region, obj, req) // PUT, CreateMultipartUpload
//	r, _ := key.Object().EncryptReader(body)                 // stores EncryptedSize(n) bytes
//	…keep env in the version record; env.Headers() for the response…
//	key, err := svc.OpenObject(ctx, p, region, obj, env, ck) // GET, HEAD (OpenUpload: UploadPart)
//	pr, _ := key.Reader(segments, off, n)                    // decrypts only what the range needs
//
// Every object gets its own random ObjectKey; the Envelope stored with the
// version says how that key is wrapped:
//
//   - SSE-S3 (AES256): under the world's S3 service key, itself sealed by the
//     root key (package keyring) in the metadata store;
//   - SSE-KMS (aws:kms): under a data key from kms.GenerateDataKey whose
//     ciphertext blob is stored, with encryption context
//     {"aws:s3:arn": object ARN}; with an S3 Bucket Key, under a bucket-level
//     data key (context: bucket ARN) that is cached per bucket and KMS key,
//     so that most requests make no KMS call;
//   - SSE-C: under a key derived from the customer's key, which is never
//     stored; a salted HMAC of it verifies later requests.
package sse

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/meta"
)

// Mode is an object's server-side encryption, as S3 names it.
type Mode string

// The encryption modes.
const (
	ModeNone Mode = ""
	ModeS3   Mode = "AES256"
	ModeKMS  Mode = "aws:kms"
	// ModeC is SSE-C; on the wire it shows as the customer-algorithm header.
	ModeC Mode = "SSE-C"
)

// KMS is what sse needs from the KMS service (*kms.Service implements it).
type KMS interface {
	GenerateDataKey(ctx context.Context, p aws.Principal, region, keyRef string, spec kms.DataKeySpec, ec kms.EncryptionContext) (kms.DataKeyOutput, error)
	Decrypt(ctx context.Context, p aws.Principal, region string, blob []byte, ec kms.EncryptionContext, keyRef string) (kms.DecryptOutput, error)
	CheckKey(ctx context.Context, p aws.Principal, region, keyRef, action string, ec kms.EncryptionContext) (*kms.Key, error)
}

// Object names the object a key belongs to.
type Object struct {
	Bucket string
	Key    string
}

// ARN is the object's ARN, the encryption context S3 gives KMS.
func (o Object) ARN() string { return "arn:aws:s3:::" + o.Bucket + "/" + o.Key }

// BucketARN is the bucket's ARN, the context of an S3 Bucket Key.
func (o Object) BucketARN() string { return "arn:aws:s3:::" + o.Bucket }

// Request is how a write asks for encryption (from headers or the bucket's
// default encryption).
type Request struct {
	Mode Mode
	// KMSKeyID names the KMS key (id, ARN, alias); "" means aws/s3.
	KMSKeyID string
	// Context holds extra encryption context pairs
	// (x-amz-server-side-encryption-context); aws:s3:arn is set by sse.
	Context kms.EncryptionContext
	// BucketKey asks for an S3 Bucket Key (SSE-KMS only). BucketKeySet says
	// the request sent the header; when it did not and BucketKey is false,
	// the bucket's Bucket Key setting applies.
	BucketKey    bool
	BucketKeySet bool
	// Customer is the SSE-C key (ModeC only).
	Customer *CustomerKey
}

// Envelope is what a version record keeps about its encryption. It holds no
// secret in the clear.
type Envelope struct {
	Mode Mode `json:"mode"`
	// Wrapped is the object key sealed under the mode's key-encryption key.
	Wrapped []byte `json:"wrapped"`
	// S3KeyGen is the generation of the SSE-S3 service key (ModeS3).
	S3KeyGen uint64 `json:"s3gen,omitempty"`
	// KMSKeyARN, Context and DataKey are the KMS key, the full encryption
	// context and the data key's ciphertext blob (ModeKMS). With BucketKey
	// the blob is the Bucket Key's and the context names the bucket.
	KMSKeyARN string                `json:"kmsKey,omitempty"`
	Context   kms.EncryptionContext `json:"ctx,omitempty"`
	DataKey   []byte                `json:"dataKey,omitempty"`
	BucketKey bool                  `json:"bucketKey,omitempty"`
	// CustomerKeyMD5 is the base64 MD5 of the SSE-C key, echoed in
	// responses; Salt and HMAC verify the key on later requests (ModeC).
	CustomerKeyMD5 string `json:"ckMD5,omitempty"`
	Salt           []byte `json:"salt,omitempty"`
	HMAC           []byte `json:"hmac,omitempty"`
}

// Service creates and opens object keys for one Ferry world.
type Service struct {
	kms   KMS
	root  *keyring.Key
	store meta.Store
	clock aws.Clock

	s3mu   sync.Mutex
	s3keys map[uint64][]byte // opened SSE-S3 service keys by generation
	s3cur  uint64

	bucketKeys bucketKeyCache
}

// Config holds what a Service needs.
type Config struct {
	KMS   KMS
	Root  *keyring.Key
	Store meta.Store
	Clock aws.Clock
	// BucketKeyTTL is how long a Bucket Key is reused (default 1 hour).
	BucketKeyTTL time.Duration
}

// New builds the encryption service.
func New(c Config) *Service {
	if c.Clock == nil {
		c.Clock = aws.SystemClock{}
	}
	if c.BucketKeyTTL <= 0 {
		c.BucketKeyTTL = time.Hour
	}
	s := &Service{kms: c.KMS, root: c.Root, store: c.Store, clock: c.Clock, s3keys: map[uint64][]byte{}}
	s.bucketKeys.init(c.BucketKeyTTL)
	return s
}

// NewObject makes the key of a new object (or multipart upload) and the
// Envelope to store with it. ModeNone returns nil, nil, nil. KMS errors come
// back as S3 sends them (KMS.NotFoundException, AccessDenied, …).
func (s *Service) NewObject(ctx context.Context, p aws.Principal, region string, obj Object, req Request) (*ObjectKey, *Envelope, error) {
	if req.Mode == ModeNone {
		return nil, nil, nil
	}
	key, err := newObjectKey()
	if err != nil {
		return nil, nil, aws.Internal(err)
	}
	env := &Envelope{Mode: req.Mode}
	var kek []byte
	switch req.Mode {
	case ModeS3:
		env.S3KeyGen, kek, err = s.currentS3Key()
	case ModeKMS:
		kek, err = s.kmsKEKForWrite(ctx, p, region, obj, req, env)
	case ModeC:
		kek, err = customerKEKForWrite(req.Customer, env)
	default:
		err = aws.ErrSSEInvalidValue(string(req.Mode))
	}
	if err != nil {
		return nil, nil, err
	}
	defer clear(kek)
	if env.Wrapped, err = key.wrap(kek, wrapAD(env.Mode, obj)); err != nil {
		return nil, nil, aws.Internal(err)
	}
	return key, env, nil
}

// OpenObject recovers the key of a stored object for a read (or for
// UploadPart, see OpenUpload). env nil means an unencrypted object, for
// which it returns nil. customer is the SSE-C key sent with the request.
func (s *Service) OpenObject(ctx context.Context, p aws.Principal, region string, obj Object, env *Envelope, customer *CustomerKey) (*ObjectKey, error) {
	if env == nil || env.Mode == ModeNone {
		if customer != nil {
			return nil, aws.ErrSSECNotApplicable()
		}
		return nil, nil
	}
	if customer != nil && env.Mode != ModeC {
		return nil, aws.ErrSSECNotApplicable()
	}
	var kek []byte
	var err error
	switch env.Mode {
	case ModeS3:
		kek, err = s.s3Key(env.S3KeyGen)
	case ModeKMS:
		kek, err = s.kmsKEKForRead(ctx, p, region, env)
	case ModeC:
		kek, err = customerKEKForRead(customer, env)
	default:
		err = aws.Internal(fmt.Errorf("sse: unknown mode %q in a stored envelope", env.Mode))
	}
	if err != nil {
		return nil, err
	}
	key, err := unwrap(kek, env.Wrapped, wrapAD(env.Mode, obj))
	clear(kek)
	if err != nil {
		return nil, aws.Internal(fmt.Errorf("sse: %s/%s: %w", obj.Bucket, obj.Key, err))
	}
	return key, nil
}

// OpenUpload is OpenObject for UploadPart: SSE-C mistakes get the multipart
// wording.
func (s *Service) OpenUpload(ctx context.Context, p aws.Principal, region string, obj Object, env *Envelope, customer *CustomerKey) (*ObjectKey, error) {
	key, err := s.OpenObject(ctx, p, region, obj, env, customer)
	switch {
	case aws.IsCode(err, "InvalidRequest") && env != nil && env.Mode == ModeC:
		return nil, aws.ErrSSECPartRequired()
	case aws.IsCode(err, "AccessDenied") && env != nil && env.Mode == ModeC:
		return nil, aws.ErrSSECParamsMismatch()
	}
	return key, err
}

// kmsKEKForWrite gets the data key that wraps a new SSE-KMS object's key.
func (s *Service) kmsKEKForWrite(ctx context.Context, p aws.Principal, region string, obj Object, req Request, env *Envelope) ([]byte, error) {
	keyRef := req.KMSKeyID
	if keyRef == "" {
		keyRef = kms.ManagedS3Alias
	}
	env.Context = kms.EncryptionContext{}
	for k, v := range req.Context {
		env.Context[k] = v
	}
	if req.BucketKey {
		env.BucketKey = true
		env.Context["aws:s3:arn"] = obj.BucketARN()
		return s.bucketKeyForWrite(ctx, p, region, keyRef, env)
	}
	env.Context["aws:s3:arn"] = obj.ARN()
	out, err := s.kms.GenerateDataKey(ctx, p, region, keyRef, kms.AES256, env.Context)
	if err != nil {
		return nil, aws.KMSForS3(err)
	}
	env.KMSKeyARN, env.DataKey = out.KeyID, out.CiphertextBlob
	return out.Plaintext, nil
}

// kmsKEKForRead decrypts the data key of an SSE-KMS object with the context
// it was made with.
func (s *Service) kmsKEKForRead(ctx context.Context, p aws.Principal, region string, env *Envelope) ([]byte, error) {
	if env.BucketKey {
		return s.bucketKeyForRead(ctx, p, region, env)
	}
	out, err := s.kms.Decrypt(ctx, p, region, env.DataKey, env.Context, env.KMSKeyARN)
	if err != nil {
		return nil, aws.KMSForS3(err)
	}
	return out.Plaintext, nil
}

func bytesCopy(b []byte) []byte { return append([]byte(nil), b...) }
