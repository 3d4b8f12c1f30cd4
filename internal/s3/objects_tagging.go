package s3

import (
	"context"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
)

// taggedVersion finds the version a tagging or attributes call addresses:
// a current delete marker is NoSuchKey, one named by id MethodNotAllowed.
func (s *Service) taggedVersion(b *Bucket, key, versionID, method string) (*Version, error) {
	v, err := s.bucketVersion(b, key, versionID)
	if err != nil {
		return nil, err
	}
	if v.DeleteMarker {
		if versionID == "" {
			return nil, aws.ErrNoSuchKey(key)
		}
		return nil, aws.ErrMethodNotAllowedDeleteMarker(method).WithHeader("x-amz-delete-marker", "true")
	}
	return v, nil
}

// GetObjectTagging returns a version's tags and the version id to report.
func (s *Service) GetObjectTagging(ctx context.Context, p aws.Principal, bucket, key, versionID string) ([]Tag, string, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return nil, "", err
	}
	// Look the version up first: its tags are s3:ExistingObjectTag keys.
	v, lookupErr := s.taggedVersion(b, key, versionID, http.MethodGet)
	a := versioned("s3:GetObjectTagging", key, versionID, existingTagKeys(v)...)
	a.obj = v // another account's object is that account's to allow
	if err := s.authorize(ctx, p, b, a); err != nil {
		return nil, "", err
	}
	if lookupErr != nil {
		return nil, "", lookupErr
	}
	return v.Tags, shownVersionID(b, v), nil
}

// PutObjectTagging replaces a version's tags; it returns the version id to report.
func (s *Service) PutObjectTagging(ctx context.Context, p aws.Principal, bucket, key, versionID string, tags []Tag) (string, error) {
	if err := ValidateObjectTags(tags); err != nil {
		return "", err
	}
	return s.retag(ctx, p, bucket, key, versionID, http.MethodPut, "s3:PutObjectTagging", tags)
}

// DeleteObjectTagging removes a version's tags; it returns the version id to report.
func (s *Service) DeleteObjectTagging(ctx context.Context, p aws.Principal, bucket, key, versionID string) (string, error) {
	return s.retag(ctx, p, bucket, key, versionID, http.MethodDelete, "s3:DeleteObjectTagging", nil)
}

// retag rewrites a version record in place (same seq) with new tags.
func (s *Service) retag(ctx context.Context, p aws.Principal, bucket, key, versionID, method, action string, tags []Tag) (string, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return "", err
	}
	unlock := s.lock(bucket, key)
	defer unlock()
	v, lookupErr := s.taggedVersion(b, key, versionID, method)
	a := versioned(action, key, versionID, append(tagKeys(tags), existingTagKeys(v)...)...)
	a.obj = v
	if err := s.authorize(ctx, p, b, a); err != nil {
		return "", err
	}
	if lookupErr != nil {
		return "", lookupErr
	}
	v.Tags = tags
	batch := s.store.NewBatch()
	queued := s.enqueueTagReplication(b, v, batch)
	batch.Set(versionKey(bucket, key, v.Seq), encodeVersion(v))
	if err := commit(batch); err != nil {
		return "", err
	}
	if queued {
		s.replicator.Wake()
	}
	return shownVersionID(b, v), nil
}

// ObjectAttributesInput is GetObjectAttributes' request.
type ObjectAttributesInput struct {
	Bucket, Key, VersionID string
	// MaxParts bounds the parts listed (default 1000); PartNumberMarker
	// lists parts after that number.
	MaxParts, PartNumberMarker int
}

// ObjectAttributesOutput is GetObjectAttributes' answer.
type ObjectAttributesOutput struct {
	Version   *Version
	VersionID string
	// Parts is the page of parts after the marker; Truncated says more follow.
	Parts     []PartInfo
	Truncated bool
}

// GetObjectAttributes returns a version's attributes and a page of its parts.
func (s *Service) GetObjectAttributes(ctx context.Context, p aws.Principal, in ObjectAttributesInput) (ObjectAttributesOutput, error) {
	b, err := s.Bucket(in.Bucket)
	if err != nil {
		return ObjectAttributesOutput{}, err
	}
	// The version is looked up first so that its owner and ACL count.
	v, lookupErr := s.readableVersion(b, in.Key, in.VersionID, http.MethodGet)
	for _, a := range []access{versioned(ActionGetObject, in.Key, in.VersionID), versioned(ActionGetAttributes, in.Key, in.VersionID)} {
		a.obj = v
		if err := s.authorize(ctx, p, b, a); err != nil {
			return ObjectAttributesOutput{}, err
		}
	}
	if lookupErr != nil {
		return ObjectAttributesOutput{}, lookupErr
	}
	out := ObjectAttributesOutput{Version: v, VersionID: shownVersionID(b, v)}
	max := in.MaxParts
	if max <= 0 {
		max = 1000
	}
	for _, pi := range v.Parts {
		if pi.Number <= in.PartNumberMarker {
			continue
		}
		if len(out.Parts) == max {
			out.Truncated = true
			break
		}
		out.Parts = append(out.Parts, pi)
	}
	return out, nil
}
