package s3

import (
	"context"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// S3 Block Public Access, bucket level. The configuration lives in the
// bucket record. New buckets get all four settings on, as S3 does for
// buckets created since April 2023; a bucket whose record predates the
// feature has none (GetPublicAccessBlock answers
// NoSuchPublicAccessBlockConfiguration).
//
// BlockPublicPolicy rejects a PutBucketPolicy whose policy is public, and
// RestrictPublicBuckets, while the bucket's policy is public, lets only AWS
// service principals and principals of the bucket owner's account benefit
// from the policy's grants (authorize). Whether a policy is public is
// policy.Policy.Public, which GetBucketPolicyStatus reports too.
// BlockPublicAcls refuses, with AccessDenied, a request that sets an ACL
// granting anything to AllUsers or AuthenticatedUsers (Put*Acl and writes
// with x-amz-acl or x-amz-grant-*), and IgnorePublicAcls sets such grants
// aside in decisions (acl.go, acl_authz.go).

// Actions of the Block Public Access operations (DeletePublicAccessBlock
// needs the Put permission, as in S3).
const (
	ActionGetPublicAccessBlock = "s3:GetBucketPublicAccessBlock"
	ActionPutPublicAccessBlock = "s3:PutBucketPublicAccessBlock"
)

// PublicAccessBlock is a bucket's PublicAccessBlockConfiguration.
type PublicAccessBlock struct {
	BlockPublicAcls       bool `json:"blockAcls,omitempty"`
	IgnorePublicAcls      bool `json:"ignoreAcls,omitempty"`
	BlockPublicPolicy     bool `json:"blockPolicy,omitempty"`
	RestrictPublicBuckets bool `json:"restrict,omitempty"`
}

// blockAll is the configuration of a new bucket.
var blockAll = PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}

// ErrNoSuchPublicAccessBlockConfiguration is S3's answer for a bucket
// without a Block Public Access configuration.
func ErrNoSuchPublicAccessBlockConfiguration(bucket string) *aws.Error {
	return aws.New("NoSuchPublicAccessBlockConfiguration", http.StatusNotFound,
		"The public access block configuration was not found").With("BucketName", bucket)
}

// GetPublicAccessBlock returns the bucket's Block Public Access configuration.
func (s *Service) GetPublicAccessBlock(ctx context.Context, p aws.Principal, bucket string) (PublicAccessBlock, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetPublicAccessBlock, ""))
	if err != nil {
		return PublicAccessBlock{}, err
	}
	if b.PublicAccessBlock == nil {
		return PublicAccessBlock{}, ErrNoSuchPublicAccessBlockConfiguration(bucket)
	}
	return *b.PublicAccessBlock, nil
}

// PutPublicAccessBlock replaces the bucket's Block Public Access
// configuration. Turning a setting on leaves a stored policy as it is.
func (s *Service) PutPublicAccessBlock(ctx context.Context, p aws.Principal, bucket string, c PublicAccessBlock) error {
	if _, err := s.bucketFor(ctx, p, bucket, on(ActionPutPublicAccessBlock, "")); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.PublicAccessBlock = &c
		return nil
	})
}

// DeletePublicAccessBlock removes the bucket's Block Public Access
// configuration; removing none succeeds.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, p aws.Principal, bucket string) error {
	if _, err := s.bucketFor(ctx, p, bucket, on(ActionPutPublicAccessBlock, "")); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.PublicAccessBlock = nil
		return nil
	})
}

// blocks reports whether the bucket's configuration has setting on.
func (b *Bucket) blocks(setting func(*PublicAccessBlock) bool) bool {
	return b.PublicAccessBlock != nil && setting(b.PublicAccessBlock)
}

// errPublicPolicyBlocked is S3's AccessDenied for a public policy put while
// BlockPublicPolicy is on (only the owner's account gets this far).
func errPublicPolicyBlocked(p aws.Principal, b *Bucket) *aws.Error {
	return errBlockedPublic(p, ActionPutBucketPolicy, b.ARN(), "policies", "BlockPublicPolicy")
}

// errBlockedPublic is S3's AccessDenied for p's action on resource when
// setting of Block Public Access prevents public what (policies, ACLs).
func errBlockedPublic(p aws.Principal, action, resource, what, setting string) *aws.Error {
	arn := p.ARN
	if arn == "" && p.Type == aws.PrincipalRoot {
		arn = aws.RootARN(p.Account)
	}
	return aws.New("AccessDenied", http.StatusForbidden, "User: "+arn+" is not authorized to perform: "+action+
		` on resource: "`+resource+`" because public `+what+` are prevented by the `+setting+` setting in S3 Block Public Access.`)
}

// restricted returns the bucket policy that applies to p's request:
// named itself, or, when RestrictPublicBuckets is on and the policy is
// public, only its Deny statements for callers that are neither an AWS
// service nor of the bucket owner's account. As S3 documents, that sets
// aside every grant of a public policy to those callers, also the
// non-public ones naming other accounts.
func restricted(p aws.Principal, b *Bucket, named *policy.Named) *policy.Named {
	if p.Type == aws.PrincipalService || p.Account != "" && p.Account == b.Account ||
		!b.blocks(func(c *PublicAccessBlock) bool { return c.RestrictPublicBuckets }) || !named.Policy.Public() {
		return named
	}
	return &policy.Named{Name: named.Name + " (grants set aside by RestrictPublicBuckets)", Policy: named.Policy.Denials()}
}
