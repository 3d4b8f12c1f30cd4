package authz

import (
	"context"
	"fmt"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/policy"
)

// KMS returns the Authorizer as KMS's seam: the key policy is evaluated
// and required even in the key's own account (identity policies count only
// where it grants the account), with kms:CallerAccount and kms:ViaService
// (set by S3 when it calls KMS for a requester) in the context.
func (a *Authorizer) KMS() kms.Authorizer { return kmsSeam{a} }

type kmsSeam struct{ a *Authorizer }

// AuthorizeKMS implements kms.Authorizer.
func (s kmsSeam) AuthorizeKMS(ctx context.Context, p aws.Principal, action string, k *kms.Key) error {
	req, err := s.request(ctx, p, action, k)
	if err != nil {
		return err
	}
	d, err := s.a.decide(ctx, req)
	if err != nil {
		return err
	}
	if !d.Allowed && action == kms.ActionGenerateDataKey && kms.ReplicaWrite(ctx) {
		// A replica's data key: kms:Encrypt on the replica key allows it too
		// (only the decision that counts is recorded).
		if alt, altErr := s.request(ctx, p, kms.ActionEncrypt, k); altErr == nil {
			if ad, altErr := s.a.decide(ctx, alt); altErr == nil && ad.Allowed {
				_, err = s.a.conclude(ctx, alt, ad)
				return err
			}
		}
	}
	_, err = s.a.conclude(ctx, req, d)
	return err
}

// request is the authorization question for action on k (nil: no key).
func (s kmsSeam) request(ctx context.Context, p aws.Principal, action string, k *kms.Key) (Request, error) {
	req := Request{Principal: p, Action: action, Resource: "*", Keys: policy.ContextOf()}
	if p.Account != "" {
		req.Keys.Set("kms:CallerAccount", string(p.Account))
	}
	if via := kms.ViaService(ctx); via != "" {
		req.Keys.Set("kms:ViaService", via)
	}
	if k == nil {
		return req, nil
	}
	req.Resource, req.ResourceAccount, req.ResourceRequired = k.ARN, k.Account, true
	if k.Policy != "" {
		named, err := s.a.Parsed(k.Policy, policy.KeyPolicy, "key policy of "+k.ARN)
		if err != nil {
			return req, aws.ErrKMSInternal(fmt.Errorf("key policy of %s: %w", k.ARN, err))
		}
		req.ResourcePolicy = named
	}
	return req, nil
}
