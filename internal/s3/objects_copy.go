package s3

import (
	"context"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/sse"
)

// Copy directives.
const (
	DirectiveCopy    = "COPY"
	DirectiveReplace = "REPLACE"
)

// CopyObjectInput is CopyObject's request.
type CopyObjectInput struct {
	SourceBucket, SourceKey, SourceVersionID string
	Bucket, Key                              string
	// MetadataDirective and TaggingDirective are COPY (default) or REPLACE.
	MetadataDirective, TaggingDirective string
	// Attributes are the request's headers; content headers and metadata
	// apply with REPLACE, the tagging header with tagging REPLACE, and the
	// storage class always.
	Attributes ObjectAttributes
	// SourceConditions are the x-amz-copy-source-if-* headers.
	SourceConditions Conditions
	// ChecksumAlgorithm is x-amz-checksum-algorithm, "" for S3's default.
	ChecksumAlgorithm checksum.Algorithm
	// IfMatch and IfNoneMatch are conditional-write headers on the target.
	IfMatch, IfNoneMatch string
	// Encryption is the target's encryption as the request asks for it
	// (ModeNone: the target bucket's default); the source's is not kept.
	Encryption sse.Request
	// SourceCustomer is the SSE-C key of the source
	// (x-amz-copy-source-server-side-encryption-customer-*).
	SourceCustomer *sse.CustomerKey
}

// CopyObjectOutput is CopyObject's answer.
type CopyObjectOutput struct {
	ETag, VersionID, SourceVersionID string
	LastModified                     time.Time
	Checksum                         *Checksum
	SSE                              *sse.Envelope
}

// CopyObject copies a version into a new object, possibly in another
// bucket, account or region of this server. The bytes are rewritten into
// a fresh segment so the two versions never share storage.
func (s *Service) CopyObject(ctx context.Context, p aws.Principal, in CopyObjectInput) (CopyObjectOutput, error) {
	if err := validCopy(in); err != nil {
		return CopyObjectOutput{}, err
	}
	sb, err := s.bucketFor(ctx, p, in.SourceBucket, versioned(ActionGetObject, in.SourceKey, in.SourceVersionID))
	if err != nil {
		return CopyObjectOutput{}, err
	}
	db, err := s.bucketFor(ctx, p, in.Bucket, copyAccess(ctx, in, s.clock.Now())...)
	if err != nil {
		return CopyObjectOutput{}, err
	}
	src, err := s.copySource(sb, in)
	if err != nil {
		return CopyObjectOutput{}, err
	}
	if in.TaggingDirective != DirectiveReplace && len(src.Tags) > 0 {
		// Copying the source's tags reads them: s3:GetObject(Version)Tagging.
		if err := s.authorize(ctx, p, sb, versioned("s3:GetObjectTagging", in.SourceKey, in.SourceVersionID, existingTagKeys(src)...)); err != nil {
			return CopyObjectOutput{}, err
		}
	}
	v := &Version{Key: in.Key, Owner: p.Account}
	if err := copyAttributes(in, src, v); err != nil {
		return CopyObjectOutput{}, err
	}
	if err := s.ownObject(p, db, v, in.Attributes.ACL, ActionPutObject); err != nil {
		return CopyObjectOutput{}, err
	}
	if err := s.applyLock(db, in.Attributes.Lock, true, v); err != nil {
		return CopyObjectOutput{}, err
	}
	if err := s.checkWrite(db, in.Key, in.IfMatch, in.IfNoneMatch); err != nil {
		return CopyObjectOutput{}, err
	}
	srcKey, err := s.openObjectKey(ctx, p, sb, src, in.SourceCustomer)
	if err != nil {
		return CopyObjectOutput{}, err
	}
	key, env, err := s.newObjectKey(ctx, p, db, in.Key, in.Encryption)
	if err != nil {
		return CopyObjectOutput{}, err
	}
	v.SSE = env
	if err := s.copyData(src, srcKey, v, key, in.ChecksumAlgorithm); err != nil {
		return CopyObjectOutput{}, err
	}
	if err := s.commitWrite(db, v, in.IfMatch, in.IfNoneMatch); err != nil {
		return CopyObjectOutput{}, err
	}
	return CopyObjectOutput{
		ETag: v.ETag, VersionID: shownVersionID(db, v), SourceVersionID: shownVersionID(sb, src),
		LastModified: v.LastModified, Checksum: v.Checksum, SSE: v.SSE,
	}, nil
}

func validCopy(in CopyObjectInput) error {
	if err := validKey(in.Key); err != nil {
		return err
	}
	if !validDirective(in.MetadataDirective) {
		return aws.ErrUnknownMetadataDirective(in.MetadataDirective)
	}
	if !validDirective(in.TaggingDirective) {
		return aws.ErrUnknownTaggingDirective(in.TaggingDirective)
	}
	if in.IfNoneMatch != "" && in.IfNoneMatch != "*" {
		return aws.ErrIfNoneMatchNotImplemented()
	}
	inPlace := in.SourceBucket == in.Bucket && in.SourceKey == in.Key
	if inPlace && in.SourceVersionID == "" && in.MetadataDirective != DirectiveReplace && in.Attributes.StorageClass == "" &&
		in.Encryption.Mode == sse.ModeNone {
		return aws.ErrCopyToItself()
	}
	return nil
}

func validDirective(d string) bool { return d == "" || d == DirectiveCopy || d == DirectiveReplace }

// copySource finds the source version and applies the copy-source conditions.
func (s *Service) copySource(sb *Bucket, in CopyObjectInput) (*Version, error) {
	src, err := s.getVersion(sb.Name, in.SourceKey, in.SourceVersionID)
	if err != nil {
		return nil, err
	}
	if src.DeleteMarker {
		if in.SourceVersionID != "" {
			return nil, aws.ErrCopySourceDeleteMarker()
		}
		return nil, aws.ErrNoSuchKey(in.SourceKey)
	}
	if err := readableClass(src); err != nil {
		return nil, err
	}
	c := in.SourceConditions
	c.HeaderPrefix = "x-amz-copy-source-"
	if err := c.check(src); err != nil {
		if err == errNotModified {
			cond := "If-None-Match"
			if c.IfNoneMatch == "" {
				cond = "If-Modified-Since"
			}
			return nil, aws.ErrPreconditionFailed(c.name(cond))
		}
		return nil, err
	}
	return src, nil
}

// copyAttributes fills the new version's attributes from the source or the
// request as the directives say.
func copyAttributes(in CopyObjectInput, src, v *Version) error {
	attrs := in.Attributes
	if in.MetadataDirective != DirectiveReplace {
		attrs.ContentType, attrs.ContentEncoding = src.ContentType, src.ContentEncoding
		attrs.ContentDisposition, attrs.ContentLanguage = src.ContentDisposition, src.ContentLanguage
		attrs.CacheControl, attrs.Expires, attrs.Metadata = src.CacheControl, src.Expires, src.Metadata
	}
	if in.TaggingDirective != DirectiveReplace {
		attrs.Tagging = ""
	}
	if err := attrs.apply(v); err != nil {
		return err
	}
	if in.TaggingDirective != DirectiveReplace {
		v.Tags = append([]Tag(nil), src.Tags...)
	}
	return nil
}

// copyData rewrites the source's bytes (decrypted with srcKey and verified as
// they are read) into a new segment encrypted under key, and computes the new
// ETag and checksum.
func (s *Service) copyData(src *Version, srcKey *sse.ObjectKey, v *Version, key *sse.ObjectKey, alg checksum.Algorithm) error {
	if alg == "" && src.Checksum != nil && src.Checksum.Type != "COMPOSITE" {
		alg, _ = checksum.ParseAlgorithm(src.Checksum.Algorithm)
	}
	body := s.openVerified(src, srcKey, 0, src.Size)
	defer body.Close()
	return s.receiveData(PutObjectInput{Key: v.Key, Body: body, Size: src.Size, ChecksumAlgorithm: alg}, v, key)
}
