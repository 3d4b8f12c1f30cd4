package authz

import (
	"context"

	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/policy"
)

// Trust returns the Authorizer as STS's TrustEvaluator. A role assumption
// is decided like any request on the role, with its trust policy as the
// resource policy, which AWS requires even in the role's own account:
//
//   - a trust statement naming the caller itself (user or session ARN, a
//     service) lets it in on its own;
//   - one naming the caller's role ARN counts like an identity grant,
//     limited by the session's boundary and session policies;
//   - one naming the caller's account (id or root ARN) delegates to that
//     account's IAM: the caller's identity policies must allow
//     sts:AssumeRole on the role;
//   - across accounts, the trust policy and the caller's identity policies
//     must both allow.
//
// Passing session tags also needs sts:TagSession, and passing a source
// identity sts:SetSourceIdentity, each allowed the same way.
func (a *Authorizer) Trust() sts.TrustEvaluator { return trustSeam{a} }

type trustSeam struct{ a *Authorizer }

// AllowAssumeRole implements sts.TrustEvaluator.
func (t trustSeam) AllowAssumeRole(ctx context.Context, req sts.TrustRequest) error {
	role := req.Role
	if role.TrustPolicy == "" {
		return sts.ErrAssumeDenied(req.Caller, role.ARN)
	}
	trust, err := t.a.Parsed(role.TrustPolicy, policy.TrustPolicy, "trust policy of role "+role.Name)
	if err != nil { // stored documents were validated; an unreadable one lets nobody in
		return sts.ErrAssumeDenied(req.Caller, role.ARN)
	}
	actions := []string{req.Action}
	if _, ok := req.Context["aws:TagKeys"]; ok {
		actions = append(actions, "sts:TagSession")
	}
	if _, ok := req.Context["sts:SourceIdentity"]; ok {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, action := range actions {
		// Each decision gets its own context: Authorize extends it and the
		// recent-decision ring keeps it.
		_, err := t.a.Authorize(ctx, Request{Principal: req.Caller, Action: action, Resource: role.ARN,
			ResourceAccount: role.Account, ResourcePolicy: trust, ResourceRequired: true, Keys: contextOf(req.Context)})
		if err != nil {
			return err
		}
	}
	return nil
}
