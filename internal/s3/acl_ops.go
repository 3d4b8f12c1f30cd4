package s3

import (
	"context"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
)

// The IAM actions of the ACL operations (with a version id, the object
// ones become s3:GetObjectVersionAcl and s3:PutObjectVersionAcl).
const (
	ActionGetBucketAcl = "s3:GetBucketAcl"
	ActionGetObjectAcl = "s3:GetObjectAcl"
)

// errMissingACL is PutBucketAcl/PutObjectAcl with neither headers nor body.
func errMissingACL() *aws.Error {
	return aws.New("MissingSecurityHeader", 400, "Your request was missing a required header").With("MissingHeaderName", "x-amz-acl")
}

// GetBucketAcl returns the bucket's owner and ACL; with BucketOwnerEnforced
// the ACL is the owner's FULL_CONTROL.
func (s *Service) GetBucketAcl(ctx context.Context, p aws.Principal, bucket string) (AccessControlPolicy, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetBucketAcl, ""))
	if err != nil {
		return AccessControlPolicy{}, err
	}
	acl := b.ACL
	if b.OwnerEnforced() {
		acl = nil
	}
	return AccessControlPolicy{Owner: aws.CanonicalUserID(b.Account), Grants: grantsOf(acl, b.Account)}, nil
}

// PutBucketAcl replaces the bucket's ACL.
func (s *Service) PutBucketAcl(ctx context.Context, p aws.Principal, bucket string, in ACLInput) error {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionPutBucketAcl, ""))
	if err != nil {
		return err
	}
	if !in.Set() {
		return errMissingACL()
	}
	acl, err := checkACLWrite(b, in, b.Account)
	if err == errPublicACLBlocked {
		return publicACLDenied(p, ActionPutBucketAcl, b.ARN())
	}
	if err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.ACL = acl
		return nil
	})
}

// GetObjectAcl returns a version's owner and ACL and the version id to
// report.
func (s *Service) GetObjectAcl(ctx context.Context, p aws.Principal, bucket, key, versionID string) (AccessControlPolicy, string, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return AccessControlPolicy{}, "", err
	}
	v, lookupErr := s.taggedVersion(b, key, versionID, http.MethodGet)
	a := versioned(ActionGetObjectAcl, key, versionID)
	a.obj = v
	if err := s.authorize(ctx, p, b, a); err != nil {
		return AccessControlPolicy{}, "", err
	}
	if lookupErr != nil {
		return AccessControlPolicy{}, "", lookupErr
	}
	owner, acl := v.Owner, v.ACL
	if b.OwnerEnforced() || owner == "" {
		owner, acl = b.Account, nil
	}
	return AccessControlPolicy{Owner: aws.CanonicalUserID(owner), Grants: grantsOf(acl, owner)}, shownVersionID(b, v), nil
}

// PutObjectAcl replaces a version's ACL (the record is rewritten in place);
// it returns the version id to report.
func (s *Service) PutObjectAcl(ctx context.Context, p aws.Principal, bucket, key, versionID string, in ACLInput) (string, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return "", err
	}
	unlock := s.lock(bucket, key)
	defer unlock()
	v, lookupErr := s.taggedVersion(b, key, versionID, http.MethodPut)
	a := versioned(ActionPutObjectAcl, key, versionID)
	a.obj = v
	if err := s.authorize(ctx, p, b, a); err != nil {
		return "", err
	}
	if lookupErr != nil {
		return "", lookupErr
	}
	if !in.Set() {
		return "", errMissingACL()
	}
	owner := v.Owner
	if owner == "" || b.OwnerEnforced() {
		owner = b.Account
	}
	acl, err := checkACLWrite(b, in, owner)
	if err == errPublicACLBlocked {
		return "", publicACLDenied(p, a.action, b.ARN()+"/"+key)
	}
	if err != nil {
		return "", err
	}
	v.ACL = acl
	batch := s.store.NewBatch()
	queued := s.enqueueTagReplication(b, v, batch) // replicas follow the change
	batch.Set(versionKey(bucket, key, v.Seq), encodeVersion(v))
	if err := commit(batch); err != nil {
		return "", err
	}
	if queued {
		s.replicator.Wake()
	}
	return shownVersionID(b, v), nil
}
