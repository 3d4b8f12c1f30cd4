package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/sse"
)

// Encryption at rest: every write asks internal/sse for an object key (the
// request's encryption, else the bucket's default) and stores the envelope
// with the version; every read opens the key from the envelope. S3 calls
// KMS as the requester, marked as coming through s3.<region>.amazonaws.com.

// BucketEncryption is a bucket's default encryption rule.
type BucketEncryption struct {
	// Algorithm is "AES256" or "aws:kms".
	Algorithm string `json:"alg"`
	// KMSKeyID names the key of aws:kms as it was sent ("" for aws/s3).
	KMSKeyID  string `json:"kmsKey,omitempty"`
	BucketKey bool   `json:"bucketKey,omitempty"`
}

// DefaultEncryption returns the bucket's default encryption: SSE-S3 unless
// PutBucketEncryption set another.
func (b *Bucket) DefaultEncryption() BucketEncryption {
	if b.Encryption != nil {
		return *b.Encryption
	}
	return BucketEncryption{Algorithm: string(sse.ModeS3)}
}

// viaS3 marks ctx as a request S3 makes to KMS in the bucket's region.
func viaS3(ctx context.Context, b *Bucket) context.Context {
	return kms.WithViaService(ctx, "s3."+b.Region+".amazonaws.com")
}

// newObjectKey makes the key and envelope of a new object or upload in b.
// Without an encryption service (some tests) objects are stored in the clear.
func (s *Service) newObjectKey(ctx context.Context, p aws.Principal, b *Bucket, key string, req sse.Request) (*sse.ObjectKey, *sse.Envelope, error) {
	if s.sse == nil {
		return nil, nil, nil
	}
	d := b.DefaultEncryption()
	switch {
	case req.Mode == sse.ModeNone:
		req = sse.Request{Mode: sse.Mode(d.Algorithm), KMSKeyID: d.KMSKeyID, BucketKey: d.BucketKey}
	case req.Mode == sse.ModeKMS && !req.BucketKey && !req.BucketKeySet:
		req.BucketKey = d.BucketKey // the bucket's Bucket Key setting applies
	}
	if req.Mode != sse.ModeKMS {
		req.BucketKey = false
	}
	return s.sse.NewObject(viaS3(ctx, b), p, b.Region, sse.Object{Bucket: b.Name, Key: key}, req)
}

// openObjectKey opens the key of a stored version (nil for one stored in
// the clear). customer is the SSE-C key the request sent.
func (s *Service) openObjectKey(ctx context.Context, p aws.Principal, b *Bucket, v *Version, customer *sse.CustomerKey) (*sse.ObjectKey, error) {
	if s.sse == nil {
		if v.SSE != nil {
			return nil, aws.Internal(errors.New("s3: encrypted object but no encryption service"))
		}
		return nil, nil
	}
	return s.sse.OpenObject(viaS3(ctx, b), p, b.Region, sse.Object{Bucket: b.Name, Key: v.Key}, v.SSE, customer)
}

// openUploadKey opens an upload's key for UploadPart and UploadPartCopy.
func (s *Service) openUploadKey(ctx context.Context, p aws.Principal, b *Bucket, up *Upload, customer *sse.CustomerKey) (*sse.ObjectKey, error) {
	if s.sse == nil {
		return nil, nil
	}
	return s.sse.OpenUpload(viaS3(ctx, b), p, b.Region, sse.Object{Bucket: b.Name, Key: up.Key}, up.SSE, customer)
}

// streamOf is the stream key of part n (0 for a whole object), nil in the clear.
func streamOf(key *sse.ObjectKey, n int) *sse.Stream {
	if key == nil {
		return nil
	}
	return key.Part(n)
}

// etagFor is the ETag of new bytes: their MD5 in the clear and with SSE-S3;
// with SSE-KMS and SSE-C, as in AWS, an opaque value that is not the MD5.
func etagFor(env *sse.Envelope, md5 []byte) string {
	if env != nil && (env.Mode == sse.ModeKMS || env.Mode == sse.ModeC) {
		var b [16]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	return hex.EncodeToString(md5)
}

// md5Verified reports whether reads of v check its bytes against the MD5 in
// its ETag. Objects in the clear are; encrypted objects need not, since
// AES-GCM authenticates every 64 KiB package (and SSE-KMS and SSE-C ETags
// are not MD5s anyway).
func md5Verified(v *Version) bool { return v.SSE == nil }

// GetBucketEncryption returns the bucket's default encryption.
func (s *Service) GetBucketEncryption(ctx context.Context, p aws.Principal, bucket string) (BucketEncryption, error) {
	b, err := s.bucketFor(ctx, p, bucket, on("s3:GetEncryptionConfiguration", ""))
	if err != nil {
		return BucketEncryption{}, err
	}
	return b.DefaultEncryption(), nil
}

// PutBucketEncryption sets the bucket's default encryption.
func (s *Service) PutBucketEncryption(ctx context.Context, p aws.Principal, bucket string, enc BucketEncryption) error {
	if err := validBucketEncryption(enc); err != nil {
		return err
	}
	if _, err := s.bucketFor(ctx, p, bucket, on("s3:PutEncryptionConfiguration", "")); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.Encryption = &enc
		return nil
	})
}

// DeleteBucketEncryption reverts the bucket to the SSE-S3 default.
func (s *Service) DeleteBucketEncryption(ctx context.Context, p aws.Principal, bucket string) error {
	if _, err := s.bucketFor(ctx, p, bucket, on("s3:PutEncryptionConfiguration", "")); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.Encryption = nil
		return nil
	})
}

func validBucketEncryption(enc BucketEncryption) error {
	switch sse.Mode(enc.Algorithm) {
	case sse.ModeS3:
		if enc.KMSKeyID != "" {
			return aws.New("InvalidArgument", 400, "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").
				With("ArgumentName", "ApplyServerSideEncryptionByDefault")
		}
	case sse.ModeKMS:
	default:
		return aws.ErrMalformedXML()
	}
	return nil
}
