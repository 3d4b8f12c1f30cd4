package s3

import (
	"context"
	"slices"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// DeleteObjectInput is DeleteObject's request.
type DeleteObjectInput struct {
	Bucket, Key, VersionID string
	// Bypass is x-amz-bypass-governance-retention: true.
	Bypass bool
}

// DeleteObjectOutput says what a delete did.
type DeleteObjectOutput struct {
	// VersionID is the version removed or the delete marker created; ""
	// when the bucket was never versioned and no version id was given.
	VersionID string
	// DeleteMarker is true when a marker was created or removed.
	DeleteMarker bool
}

// DeleteObject removes an object the way the bucket's versioning says:
// the null version when unversioned, a new delete marker when enabled, a
// null delete marker when suspended, or one version permanently by id.
// A version Object Lock protects is not deleted (checkDeleteLock).
func (s *Service) DeleteObject(ctx context.Context, p aws.Principal, in DeleteObjectInput) (DeleteObjectOutput, error) {
	b, err := s.bucketFor(ctx, p, in.Bucket, versioned(ActionDeleteObject, in.Key, in.VersionID))
	if err != nil {
		return DeleteObjectOutput{}, err
	}
	if in.Bypass && !b.LockEnabled() {
		return DeleteObjectOutput{}, aws.ErrBypassNotLockBucket()
	}
	return s.deleteObject(ctx, b, p, in.Key, in.VersionID, in.Bypass)
}

func (s *Service) deleteObject(ctx context.Context, b *Bucket, p aws.Principal, key, versionID string, bypass bool) (DeleteObjectOutput, error) {
	if versionID != "" && versionID != nullVersionID {
		if _, ok := ParseVersionID(versionID); !ok {
			return DeleteObjectOutput{}, aws.ErrInvalidVersionID(versionID)
		}
	}
	unlock := s.lock(b.Name, key)
	defer unlock()
	switch {
	case versionID != "":
		return s.deleteVersion(b, key, versionID, func(v *Version) error {
			return s.checkDeleteLock(ctx, p, b, v, bypass)
		})
	case b.Versioning == "":
		out, err := s.deleteVersion(b, key, nullVersionID, nil)
		out.VersionID = ""
		return out, err
	}
	marker := &Version{Key: key, DeleteMarker: true, Owner: p.Account, LastModified: s.clock.Now().UTC()}
	if err := s.commitVersion(b, marker, nil); err != nil {
		return DeleteObjectOutput{}, err
	}
	return DeleteObjectOutput{VersionID: marker.VersionID, DeleteMarker: true}, nil
}

// deleteVersion permanently removes one version; an unknown one is success.
// allow, if not nil, may refuse the deletion of the version found.
func (s *Service) deleteVersion(b *Bucket, key, versionID string, allow func(*Version) error) (DeleteObjectOutput, error) {
	out := DeleteObjectOutput{VersionID: versionID}
	v, err := s.bucketVersion(b, key, versionID)
	if aws.IsCode(err, "NoSuchVersion") {
		return out, nil
	}
	if err != nil {
		return DeleteObjectOutput{}, err
	}
	if allow != nil {
		if err := allow(v); err != nil {
			return DeleteObjectOutput{}, err
		}
	}
	out.DeleteMarker = v.DeleteMarker
	if b.Versioning == "" {
		return out, s.deleteVersionRow(b.Name, v, s.conflictUploads(b.Name, key))
	}
	return out, s.deleteVersionRow(b.Name, v)
}

// conflictUploads marks the key's multipart uploads in progress as
// Conflicted, in the batch that deletes the key's object of a bucket whose
// versioning was never enabled: nothing else would show the delete to a
// CompleteMultipartUpload with If-None-Match (checkConflict). The caller
// holds the key's lock, as Complete does while it reads the upload.
func (s *Service) conflictUploads(bucket, key string) func(meta.Batch) error {
	return func(batch meta.Batch) error {
		prefix := uploadPrefix(bucket).String(key)
		return scanRecords(s.store, prefix, meta.PrefixEnd(prefix), func(k []byte, up *Upload) bool {
			if !up.Conflicted {
				up.Conflicted = true
				batch.Set(slices.Clone(k), encode(up))
			}
			return true
		})
	}
}

// ObjectIdentifier names one object of a DeleteObjects request.
type ObjectIdentifier struct {
	Key, VersionID string
}

// DeleteResult is the outcome for one object of DeleteObjects.
type DeleteResult struct {
	ObjectIdentifier
	Output DeleteObjectOutput
	// Err is the per-object failure, nil on success.
	Err *aws.Error
}

// MaxDeleteObjects is the most keys one DeleteObjects request may name.
const MaxDeleteObjects = 1000

// DeleteObjects deletes up to 1000 objects; failures are per object,
// versions Object Lock protects included. bypass is
// x-amz-bypass-governance-retention: true.
func (s *Service) DeleteObjects(ctx context.Context, p aws.Principal, bucket string, objs []ObjectIdentifier, bypass bool) ([]DeleteResult, error) {
	if len(objs) > MaxDeleteObjects || len(objs) == 0 {
		return nil, aws.ErrMalformedXML()
	}
	b, err := s.Bucket(bucket)
	if err != nil {
		return nil, err
	}
	if bypass && !b.LockEnabled() {
		return nil, aws.ErrBypassNotLockBucket()
	}
	res := make([]DeleteResult, 0, len(objs))
	for _, o := range objs {
		r := DeleteResult{ObjectIdentifier: o}
		err := s.authorize(ctx, p, b, versioned(ActionDeleteObject, o.Key, o.VersionID))
		if err == nil {
			r.Output, err = s.deleteObject(ctx, b, p, o.Key, o.VersionID, bypass)
		}
		if err != nil {
			e, ok := aws.As(err)
			if !ok {
				e = aws.Internal(err)
			}
			r.Err = e
		}
		res = append(res, r)
	}
	return res, nil
}
