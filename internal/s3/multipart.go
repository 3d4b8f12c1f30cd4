package s3

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/sse"
)

// Multipart limits S3 enforces.
const (
	// MaxPartNumber is the highest part number.
	MaxPartNumber = 10000
	// MaxPartSize is the largest part (5 GiB).
	MaxPartSize int64 = 5 << 30
	// MinPartSize is the smallest part other than the last (5 MiB).
	MinPartSize int64 = 5 << 20
)

// Checksum types of a multipart upload.
const (
	ChecksumComposite  = "COMPOSITE"
	ChecksumFullObject = "FULL_OBJECT"
)

// CreateMultipartUploadInput is CreateMultipartUpload's request.
type CreateMultipartUploadInput struct {
	Bucket, Key string
	Attributes  ObjectAttributes
	// ChecksumAlgorithm and ChecksumType are the x-amz-checksum-algorithm
	// and x-amz-checksum-type headers as sent.
	ChecksumAlgorithm string
	ChecksumType      string
	// Encryption is what the encryption headers ask for (ModeNone: the
	// bucket's default); every part is encrypted the same way.
	Encryption sse.Request
}

// CreateMultipartUploadOutput is CreateMultipartUpload's answer.
type CreateMultipartUploadOutput struct {
	UploadID          string
	ChecksumAlgorithm string
	ChecksumType      string
	SSE               *sse.Envelope
}

// CreateMultipartUpload starts a multipart upload.
func (s *Service) CreateMultipartUpload(ctx context.Context, p aws.Principal, in CreateMultipartUploadInput) (CreateMultipartUploadOutput, error) {
	b, err := s.bucketFor(ctx, p, in.Bucket, putAccess(ctx, in.Key, in.Attributes, s.clock.Now())...)
	if err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	if err := validKey(in.Key); err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	alg, typ, err := uploadChecksumMode(in.ChecksumAlgorithm, in.ChecksumType)
	if err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	tmpl := Version{Key: in.Key}
	if err := in.Attributes.apply(&tmpl); err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	if err := s.ownObject(p, b, &tmpl, in.Attributes.ACL, ActionPutObject); err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	if err := s.applyLock(b, in.Attributes.Lock, true, &tmpl); err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	_, env, err := s.newObjectKey(ctx, p, b, in.Key, in.Encryption)
	if err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	initiator := p
	initiator.SessionToken = "" // never stored
	up := Upload{SSE: env,
		Bucket: b.Name, Key: in.Key, UploadID: NewUploadID(s.seq.Next()), Initiated: s.clock.Now().UTC(),
		Initiator: initiator, Owner: tmpl.Owner, Template: tmpl,
		ChecksumAlgorithm: string(alg), ChecksumType: typ,
	}
	batch := s.store.NewBatch()
	batch.Set(uploadKey(b.Name, in.Key, up.UploadID), encode(&up))
	if err := commit(batch); err != nil {
		return CreateMultipartUploadOutput{}, err
	}
	return CreateMultipartUploadOutput{UploadID: up.UploadID, ChecksumAlgorithm: up.ChecksumAlgorithm, ChecksumType: up.ChecksumType, SSE: env}, nil
}

// uploadChecksumMode validates the checksum headers of CreateMultipartUpload
// and applies S3's defaults: CRC64NVME is FULL_OBJECT, the others COMPOSITE.
func uploadChecksumMode(algName, typ string) (checksum.Algorithm, string, error) {
	if algName == "" {
		if typ != "" {
			return "", "", aws.ErrChecksumTypeWithoutAlgorithm()
		}
		return "", "", nil
	}
	alg, ok := checksum.ParseAlgorithm(algName)
	if !ok {
		return "", "", aws.ErrUnsupportedChecksumAlgorithm()
	}
	switch typ {
	case "":
		if alg == checksum.CRC64NVME {
			return alg, ChecksumFullObject, nil
		}
		return alg, ChecksumComposite, nil
	case ChecksumComposite:
		if alg == checksum.CRC64NVME {
			return "", "", checksumTypeConflict(typ, alg)
		}
	case ChecksumFullObject:
		if alg == checksum.SHA1 || alg == checksum.SHA256 {
			return "", "", checksumTypeConflict(typ, alg)
		}
	default:
		return "", "", aws.ErrInvalidChecksumType()
	}
	return alg, typ, nil
}

func checksumTypeConflict(typ string, alg checksum.Algorithm) error {
	return aws.ErrChecksumTypeAlgorithm(typ, alg.Lower())
}

// loadUpload reads an upload's record; an unknown id, or one started for
// another key, is NoSuchUpload.
func (s *Service) loadUpload(bucket, key, uploadID string) (*Upload, error) {
	raw, err := s.store.Get(uploadKey(bucket, key, uploadID))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, aws.ErrNoSuchUpload(uploadID)
	}
	if err != nil {
		return nil, aws.Internal(fmt.Errorf("get upload %s: %w", uploadID, err))
	}
	var up Upload
	if err := decode(raw, &up); err != nil {
		return nil, aws.Internal(err)
	}
	return &up, nil
}

// loadPart reads one part's record, or nil when the part was not uploaded.
func (s *Service) loadPart(uploadID string, n int) (*Part, error) {
	raw, err := s.store.Get(partKey(uploadID, n))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, aws.Internal(fmt.Errorf("get part %d of %s: %w", n, uploadID, err))
	}
	var pt Part
	if err := decode(raw, &pt); err != nil {
		return nil, aws.Internal(err)
	}
	return &pt, nil
}

// scanParts calls fn for the parts of an upload numbered from first on, in
// order, until fn returns false.
func (s *Service) scanParts(uploadID string, first int, fn func(*Part) bool) error {
	return scanRecords(s.store, partKey(uploadID, first), meta.PrefixEnd(partPrefix(uploadID)),
		func(_ []byte, pt *Part) bool { return fn(pt) })
}

// allParts returns every part of an upload in part-number order.
func (s *Service) allParts(uploadID string) ([]*Part, error) {
	var parts []*Part
	err := s.scanParts(uploadID, 0, func(pt *Part) bool {
		parts = append(parts, pt)
		return true
	})
	return parts, err
}

// dropUpload adds the removal of an upload and all its parts to a batch.
func dropUpload(batch meta.Batch, up *Upload) {
	batch.Delete(uploadKey(up.Bucket, up.Key, up.UploadID))
	prefix := partPrefix(up.UploadID)
	batch.DeleteRange(prefix, meta.PrefixEnd(prefix))
}

func partSegments(parts []*Part) []Segment {
	segs := make([]Segment, 0, len(parts))
	for _, pt := range parts {
		segs = append(segs, pt.Data)
	}
	return segs
}

// AbortMultipartUpload discards an upload and its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, p aws.Principal, bucket, key, uploadID string) error {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionAbortUpload, key))
	if err != nil {
		return err
	}
	unlock := s.lock(b.Name, key)
	up, err := s.loadUpload(b.Name, key, uploadID)
	if err != nil {
		unlock()
		return err
	}
	parts, err := s.allParts(uploadID)
	if err != nil {
		unlock()
		return err
	}
	batch := s.store.NewBatch()
	dropUpload(batch, up)
	err = commit(batch)
	unlock()
	if err != nil {
		return err
	}
	s.removeData(partSegments(parts))
	return nil
}

// partBodyError maps a failure while storing a part's body: AWS errors
// (digests, sizes) pass through, a short body is IncompleteBody, anything
// else means the client stopped sending.
func partBodyError(err error) error {
	if e, ok := aws.As(err); ok {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return aws.ErrIncompleteBody()
	}
	return aws.ErrRequestTimeout().WithCause(err)
}
