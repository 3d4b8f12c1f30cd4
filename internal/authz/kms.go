package authz

import (
	"context"
	"fmt"
	"sort"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/policy"
)

// KMS returns the Authorizer as KMS's seam: the key policy is evaluated
// and required even in the key's own account (identity policies count only
// where it grants the account), with KMS's condition keys in the context
// (kms:CallerAccount, kms:ViaService set by S3 when it calls KMS for a
// requester, and from the call's kms.Facts: kms:EncryptionContext:…,
// kms:EncryptionContextKeys, kms:RequestAlias, kms:ResourceAliases,
// kms:MultiRegion, kms:MultiRegionKeyType, kms:ReplicaRegion for
// ReplicateKey and, for CreateGrant, kms:GrantOperations,
// kms:GranteePrincipal, kms:RetiringPrincipal). Where the policies come to an implicit deny, the
// key's grants are consulted: a grant that allows makes the decision an
// allow "by grant ID", recorded like any other.
func (a *Authorizer) KMS() kms.Authorizer { return kmsSeam{a} }

type kmsSeam struct{ a *Authorizer }

// AuthorizeKMS implements kms.Authorizer.
func (s kmsSeam) AuthorizeKMS(ctx context.Context, p aws.Principal, action string, k *kms.Key) error {
	req, d, err := s.evaluate(ctx, p, action, k)
	if err != nil {
		return err
	}
	if !d.Allowed && action == kms.ActionGenerateDataKey && kms.ReplicaWrite(ctx) {
		// A replica's data key: kms:Encrypt on the replica key allows it too
		// (only the decision that counts is recorded).
		if alt, ad, altErr := s.evaluate(ctx, p, kms.ActionEncrypt, k); altErr == nil && ad.Allowed {
			_, err = s.a.conclude(ctx, alt, ad)
			return err
		}
	}
	_, err = s.a.conclude(ctx, req, d)
	return err
}

// evaluate decides action on k from the policies and then, after an
// implicit deny, from the key's grants, without recording anything.
func (s kmsSeam) evaluate(ctx context.Context, p aws.Principal, action string, k *kms.Key) (Request, policy.Decision, error) {
	req, err := s.request(ctx, p, action, k)
	if err != nil {
		return req, policy.Decision{}, err
	}
	d, err := s.a.decide(ctx, req)
	if err != nil {
		return req, d, err
	}
	f := kms.FactsOf(ctx)
	if k == nil || f == nil || d.Reason == policy.ExplicitDeny {
		return req, d, nil
	}
	if f.Retiring != nil && action == kms.ActionRetireGrant {
		// The grant alone decides who may retire it (a policy's
		// kms:RetireGrant does not suffice on its own).
		if by := byGrant(d, f.Retiring.MayRetire(p)); by {
			return req, grantDecision(d, f.Retiring.ID), nil
		}
		if d.Allowed {
			d = notByGrant(d)
		}
		return req, d, nil
	}
	if d.Allowed || f.Grants == nil {
		return req, d, nil
	}
	grants, err := f.Grants()
	if err != nil {
		return req, d, aws.ErrKMSInternal(fmt.Errorf("grants of %s: %w", k.ARN, err))
	}
	for i := range grants {
		if byGrant(d, grants[i].Allows(p, action, f)) {
			return req, grantDecision(d, grants[i].ID), nil
		}
	}
	return req, d, nil
}

// byGrant says whether a grant that names the caller as m allows, given
// the policies' implicit deny d: a grant naming the caller allows on its
// own; one naming the caller's account needs the caller's IAM policies
// (and boundary and session policy) to allow the action, as a key policy
// naming the account does.
func byGrant(d policy.Decision, m kms.GrantMatch) bool {
	switch m {
	case kms.GrantDirect:
		return true
	case kms.GrantAccount:
		for _, side := range d.Missing {
			if side != policy.SideResource {
				return false
			}
		}
		return d.Allowed || len(d.Missing) > 0
	}
	return false
}

// grantDecision turns the policies' implicit deny into an allow by a grant.
func grantDecision(d policy.Decision, grantID string) policy.Decision {
	d.Allowed, d.Reason, d.Missing, d.Deciding = true, policy.Allowed, nil, nil
	d.Grant = "grant " + grantID
	return d
}

// notByGrant turns a policy allow of RetireGrant into the implicit deny
// AWS answers when the grant does not name the caller.
func notByGrant(d policy.Decision) policy.Decision {
	d.Allowed, d.Reason, d.Deciding = false, policy.ImplicitDeny, nil
	d.Missing = []policy.Side{policy.SideResource}
	return d
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
	setFactKeys(&req.Keys, action, kms.FactsOf(ctx))
	if k == nil {
		return req, nil
	}
	req.Resource, req.ResourceAccount, req.ResourceRequired = k.ARN, k.Account, true
	req.Keys.Set("kms:MultiRegion", fmt.Sprint(k.MultiRegion))
	if t := k.KeyType(); t != "" {
		req.Keys.Set("kms:MultiRegionKeyType", t)
	}
	if k.Policy != "" {
		named, err := s.a.Parsed(k.Policy, policy.KeyPolicy, "key policy of "+k.ARN)
		if err != nil {
			return req, aws.ErrKMSInternal(fmt.Errorf("key policy of %s: %w", k.ARN, err))
		}
		req.ResourcePolicy = named
	}
	return req, nil
}

// setFactKeys adds the condition keys that come from the call's facts.
// kms:EncryptionContext:KEY is one key per pair; policy contexts compare key
// names case-insensitively, as AWS compares the KEY part, while values stay
// case-sensitive.
func setFactKeys(c *policy.Context, action string, f *kms.Facts) {
	switch action {
	case kms.ActionCreateGrant, kms.ActionListGrants, kms.ActionRevokeGrant:
		// Ferry's services never create grants on a caller's behalf.
		c.Set("kms:GrantIsForAWSResource", "false")
	}
	if f == nil {
		return
	}
	if f.HasContext && len(f.Context) > 0 {
		keys := make([]string, 0, len(f.Context))
		for k := range f.Context {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c.Add("kms:EncryptionContext:"+k, f.Context[k])
		}
		c.Set("kms:EncryptionContextKeys", keys...)
	}
	if f.RequestAlias != "" {
		c.Set("kms:RequestAlias", f.RequestAlias)
	}
	if len(f.ResourceAliases) > 0 {
		c.Set("kms:ResourceAliases", f.ResourceAliases...)
	}
	if f.ReplicaRegion != "" {
		c.Set("kms:ReplicaRegion", f.ReplicaRegion)
	}
	if g := f.NewGrant; g != nil {
		c.Set("kms:GrantOperations", g.Operations...)
		c.Set("kms:GranteePrincipal", g.GranteePrincipal)
		if g.RetiringPrincipal != "" {
			c.Set("kms:RetiringPrincipal", g.RetiringPrincipal)
		}
	}
}
