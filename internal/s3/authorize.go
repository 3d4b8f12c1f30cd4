package s3

import (
	"context"
	"fmt"
	"strings"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// bucketFor loads a bucket and authorizes each access on it, in order.
func (s *Service) bucketFor(ctx context.Context, p aws.Principal, name string, acc ...access) (*Bucket, error) {
	b, err := s.Bucket(name)
	if err != nil {
		return nil, err
	}
	for _, a := range acc {
		if err := s.authorize(ctx, p, b, a); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// authorize is the one place S3 decides whether p may perform an access on
// bucket b: the caller's identity policies (through authz) against the
// bucket policy, with the request's condition keys. The bucket's account
// owns the bucket and its objects.
func (s *Service) authorize(ctx context.Context, p aws.Principal, b *Bucket, a access) error {
	req, err := s.request(ctx, p, b, a)
	if err != nil {
		return err
	}
	_, err = s.authz.Authorize(ctx, req)
	return err
}

// allowed answers an access question without failing the request.
func (s *Service) allowed(ctx context.Context, p aws.Principal, b *Bucket, a access) bool {
	req, err := s.request(ctx, p, b, a)
	return err == nil && s.authz.Allowed(ctx, req)
}

// request builds authz's request for an access on bucket b.
func (s *Service) request(ctx context.Context, p aws.Principal, b *Bucket, a access) (authz.Request, error) {
	resource := b.ARN()
	if a.key != "" {
		resource += "/" + a.key
	}
	req := authz.Request{Principal: p, Action: a.action, Resource: resource, ResourceAccount: b.Account,
		Keys: s.conditionKeys(ctx, a, b.Account)}
	if b.Policy != "" {
		named, err := s.authz.Parsed(b.Policy, policy.BucketPolicy, "bucket policy of "+b.Name)
		if err != nil {
			return req, aws.Internal(fmt.Errorf("bucket policy of %s: %w", b.Name, err))
		}
		req.ResourcePolicy = restricted(p, b, named)
	}
	pol, owner, err := s.withACL(p, b, a, req.ResourcePolicy)
	if err != nil {
		return req, err
	}
	req.ResourcePolicy, req.ResourceAccount = pol, owner
	return req, nil
}

// conditionKeys merges the operation's keys, the S3 keys of every request
// and, for writes, the keys taken from the request's headers.
func (s *Service) conditionKeys(ctx context.Context, a access, account aws.AccountID) policy.Context {
	var c policy.Context
	for _, k := range a.keys.Keys() {
		v, _ := a.keys.Get(k)
		c.Set(k, v...)
	}
	if account != "" {
		c.Set("s3:ResourceAccount", string(account))
	}
	info := authz.InfoFrom(ctx)
	if info.Signed {
		c.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
		if info.Presigned {
			c.Set("s3:authType", "REST-QUERY-STRING")
		} else {
			c.Set("s3:authType", "REST-HEADER")
		}
	}
	if info.TLSVersion != "" {
		c.Set("s3:TlsVersion", info.TLSVersion)
	}
	h := headerKeysFrom(ctx)
	if v, ok := h.Get("s3:x-amz-content-sha256"); ok {
		c.Set("s3:x-amz-content-sha256", v...)
	}
	if writeKeys[a.action] {
		for _, k := range h.Keys() {
			if _, set := c.Get(k); !set {
				v, _ := h.Get(k)
				c.Set(k, v...)
			}
		}
	}
	return c
}

// writeKeys are the actions whose request headers (ACL, encryption,
// storage class, copy source, metadata directive) are condition keys.
var writeKeys = map[string]bool{ActionPutObject: true, ActionCreateBucket: true, ActionPutObjectAcl: true,
	"s3:PutObjectVersionAcl": true, ActionPutBucketAcl: true}

type headerKeysKey struct{}

// WithHeaderKeys attaches the condition keys a request's headers carry
// (s3:x-amz-acl, s3:x-amz-server-side-encryption, s3:x-amz-copy-source, …),
// which s3api reads off the wire, to its context.
func WithHeaderKeys(ctx context.Context, keys policy.Context) context.Context {
	return context.WithValue(ctx, headerKeysKey{}, keys)
}

func headerKeysFrom(ctx context.Context) policy.Context {
	c, _ := ctx.Value(headerKeysKey{}).(policy.Context)
	return c
}

// authorizeRead decides a GetObject or HeadObject once the version is
// looked up (v, or the lookup's error), so that s3:ExistingObjectTag keys
// are known. As AWS documents, a missing key is NoSuchKey only for callers
// who may list the bucket; others get AccessDenied.
func (s *Service) authorizeRead(ctx context.Context, p aws.Principal, b *Bucket, key, versionID string, v *Version, lookup error) error {
	a := versioned(ActionGetObject, key, versionID, existingTagKeys(v)...)
	a.obj = v
	if err := s.authorize(ctx, p, b, a); err != nil {
		return err
	}
	if aws.IsCode(lookup, "NoSuchKey") && !s.allowed(ctx, p, b, listAccess(ActionListBucket, "", "", 0)) {
		return aws.ErrAccessDenied()
	}
	return nil
}

// Decide answers an authorization question about an S3 resource
// ("arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key") for a caller inside
// Ferry, such as the replication engine acting as a role session
// (s3:GetObjectVersionForReplication, s3:ReplicateObject, …): the decision
// S3 makes for a request, with the bucket's policy and account and the
// given condition keys. A denial also returns S3's AccessDenied; a missing
// bucket is NoSuchBucket.
func (s *Service) Decide(ctx context.Context, p aws.Principal, action, resourceARN string, keys map[string][]string) (policy.Decision, error) {
	req, err := s.decisionRequest(ctx, p, action, resourceARN, keys)
	if err != nil {
		return policy.Decision{}, err
	}
	return s.authz.Authorize(ctx, req)
}

// Evaluate is Decide for diagnostics: the same decision, neither recorded
// nor turned into an error (a missing bucket is still NoSuchBucket).
func (s *Service) Evaluate(ctx context.Context, p aws.Principal, action, resourceARN string, keys map[string][]string) (policy.Decision, error) {
	req, err := s.decisionRequest(ctx, p, action, resourceARN, keys)
	if err != nil {
		return policy.Decision{}, err
	}
	return s.authz.Evaluate(ctx, req)
}

// decisionRequest is authz's request for action on an S3 ARN.
func (s *Service) decisionRequest(ctx context.Context, p aws.Principal, action, resourceARN string, keys map[string][]string) (authz.Request, error) {
	res, ok := strings.CutPrefix(resourceARN, "arn:aws:s3:::")
	bucket, key, _ := strings.Cut(res, "/")
	if !ok || bucket == "" {
		return authz.Request{}, aws.Internal(fmt.Errorf("s3: not an S3 resource ARN: %q", resourceARN))
	}
	b, err := s.Bucket(bucket)
	if err != nil {
		return authz.Request{}, err
	}
	a := access{action: action, key: key}
	for k, v := range keys {
		a.keys.Set(k, v...)
	}
	if vid := keys["s3:versionid"]; key != "" && len(vid) == 1 {
		// A named version's owner and ACL take part (the replication
		// engine's source checks).
		if v, err := s.scopedVersion(ctx, bucket, key, vid[0]); err == nil {
			a.obj = v
		}
	}
	return s.request(ctx, p, b, a)
}
