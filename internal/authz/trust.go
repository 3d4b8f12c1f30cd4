package authz

import (
	"context"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
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
		r, err := t.a.trustRequest(req.Caller, role, action, req.Context)
		if err != nil { // stored documents were validated; an unreadable one lets nobody in
			return sts.ErrAssumeDenied(req.Caller, role.ARN)
		}
		if _, err := t.a.Authorize(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// trustRequest is the question "may caller do action on role?" with the
// role's trust policy as the required resource policy (absent when the
// role has none).
func (a *Authorizer) trustRequest(caller aws.Principal, role *iam.Role, action string, keys map[string][]string) (Request, error) {
	req := Request{Principal: caller, Action: action, Resource: role.ARN, ResourceAccount: role.Account,
		ResourceRequired: true, Keys: contextOf(keys)}
	if role.TrustPolicy != "" {
		trust, err := a.Parsed(role.TrustPolicy, policy.TrustPolicy, "trust policy of role "+role.Name)
		if err != nil {
			return req, err
		}
		req.ResourcePolicy = trust
	}
	return req, nil
}
