package s3

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// Bucket policies are kept in the bucket record (Bucket.Policy), so the
// record cache serves them with the bucket and a change is one write.

// ErrNoSuchBucketPolicy is S3's answer for a bucket without a policy.
func ErrNoSuchBucketPolicy(bucket string) *aws.Error {
	return aws.New("NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist").With("BucketName", bucket)
}

// PutBucketPolicy validates doc as a bucket policy of the bucket and
// stores it in place of any previous one.
func (s *Service) PutBucketPolicy(ctx context.Context, p aws.Principal, bucket, doc string) error {
	if _, err := s.policyBucket(ctx, p, bucket, ActionPutBucketPolicy, http.MethodPut); err != nil {
		return err
	}
	if _, err := policy.ParseOptions(doc, policy.BucketPolicy, policy.Options{Bucket: bucket, PrincipalExists: s.principalExists}); err != nil {
		return malformedPolicy(err)
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.Policy = doc
		return nil
	})
}

// GetBucketPolicy returns the bucket's policy document as it was put.
func (s *Service) GetBucketPolicy(ctx context.Context, p aws.Principal, bucket string) (string, error) {
	b, err := s.policyBucket(ctx, p, bucket, ActionGetBucketPolicy, http.MethodGet)
	if err != nil {
		return "", err
	}
	if b.Policy == "" {
		return "", ErrNoSuchBucketPolicy(bucket)
	}
	return b.Policy, nil
}

// DeleteBucketPolicy removes the bucket's policy; removing none succeeds.
func (s *Service) DeleteBucketPolicy(ctx context.Context, p aws.Principal, bucket string) error {
	if _, err := s.policyBucket(ctx, p, bucket, ActionDeleteBucketPolicy, http.MethodDelete); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.Policy = ""
		return nil
	})
}

// GetBucketPolicyStatus reports whether the bucket policy makes the bucket
// public: an Allow statement for everyone ("*") that no condition on a
// fixed value (source ARN, account, VPC, organization, …) narrows.
func (s *Service) GetBucketPolicyStatus(ctx context.Context, p aws.Principal, bucket string) (bool, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetPolicyStatus, ""))
	if err != nil {
		return false, err
	}
	if b.Policy == "" {
		return false, ErrNoSuchBucketPolicy(bucket)
	}
	named, err := s.authz.Parsed(b.Policy, policy.BucketPolicy, "bucket policy of "+b.Name)
	if err != nil {
		return false, aws.Internal(err)
	}
	for _, st := range named.Policy.Statements {
		if st.Effect == policy.Allow && everyone(st.Principal) && !narrowed(st.Condition) {
			return true, nil
		}
	}
	return false, nil
}

// policyBucket authorizes a bucket-policy operation as AWS does: the root
// user of the bucket's account may always manage the policy, even one that
// denies it; other callers need the permission (else AccessDenied) and
// must belong to the bucket owner's account (else MethodNotAllowed).
func (s *Service) policyBucket(ctx context.Context, p aws.Principal, bucket, action, method string) (*Bucket, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return nil, err
	}
	if p.Type == aws.PrincipalRoot && p.Account == b.Account {
		return b, nil
	}
	if err := s.authorize(ctx, p, b, on(action, "")); err != nil {
		return nil, err
	}
	if p.Account != b.Account {
		// [Inf] the ResourceType S3 sends here was not captured.
		return nil, aws.ErrMethodNotAllowed(method, "BUCKETPOLICY")
	}
	return b, nil
}

// malformedPolicy is S3's MalformedPolicy for a rejected document.
func malformedPolicy(err error) error {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return aws.New(pe.Code, http.StatusBadRequest, pe.Message)
	}
	return aws.Internal(err)
}

func everyone(p policy.Principals) bool {
	for _, k := range []string{"*", "AWS"} {
		for _, v := range p[k] {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

// fixedKeys are the condition keys that, tested against fixed values, keep
// a statement for everyone from making a bucket public.
var fixedKeys = []string{"aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount", "aws:sourceowner",
	"aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:userid", "aws:sourceip",
	"s3:dataaccesspointarn", "s3:dataaccesspointaccount"}

// narrowed reports whether a condition pins one of fixedKeys to fixed
// values: a positive operator without IfExists, and no wildcard (nor an
// all-addresses range) among the values.
func narrowed(conds []policy.Condition) bool {
	for _, c := range conds {
		op := strings.ToLower(c.Operator)
		if strings.Contains(op, "not") || strings.HasSuffix(op, "ifexists") || strings.HasPrefix(op, "forallvalues") {
			continue
		}
		if !slices.ContainsFunc(fixedKeys, func(k string) bool { return strings.EqualFold(c.Key, k) }) {
			continue
		}
		open := slices.ContainsFunc(c.Values, func(v string) bool {
			return strings.ContainsAny(v, "*?") || strings.HasSuffix(v, "/0")
		})
		if !open {
			return true
		}
	}
	return false
}
