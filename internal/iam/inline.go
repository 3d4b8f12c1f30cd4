package iam

import (
	"context"
	"unicode"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ferrystore/ferry/internal/aws"
)

// Inline policies of users and roles. Documents are stored as sent and
// returned URL-encoded, as IAM does.

// maxInlineSize is the aggregate size (without whitespace) of an entity's
// inline policies: AWS's RolePolicySize and UserPolicySize quotas.
var maxInlineSize = map[string]int{"role": 10240, "user": 2048}

// putInline validates doc and stores it in inline under name.
func (s *Service) putInline(kind string, inline *map[string]string, name, doc string) error {
	if err := s.validate(doc, KindIdentity); err != nil {
		return err
	}
	if *inline == nil {
		*inline = map[string]string{}
	}
	(*inline)[name] = doc
	total := 0
	for _, d := range *inline {
		for _, r := range d {
			if !unicode.IsSpace(r) {
				total++
			}
		}
	}
	if limit := maxInlineSize[kind]; total > limit {
		quota := map[string]string{"role": "RolePolicySize", "user": "UserPolicySize"}[kind]
		return errQuota(quota, limit)
	}
	return nil
}

func deleteInline(kind string, inline map[string]string, name string) error {
	if _, ok := inline[name]; !ok {
		return errNoSuchInline(kind, name)
	}
	delete(inline, name)
	return nil
}

func listInline(inline map[string]string, marker *string, maxItems *int32) ([]string, bool, *string, error) {
	names := sortedNames(inline)
	from, to, truncated, next, err := page(names, marker, maxItems)
	if err != nil {
		return nil, false, nil, err
	}
	var m *string
	if truncated {
		m = ptr(next)
	}
	return append([]string{}, names[from:to]...), truncated, m, nil
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, p aws.Principal, in *sdk.PutRolePolicyInput) (*sdk.PutRolePolicyOutput, error) {
	return &sdk.PutRolePolicyOutput{}, s.updateRole(ctx, p, "PutRolePolicy", deref(in.RoleName), func(r *Role, _ map[string]any) error {
		return s.putInline("role", &r.Inline, deref(in.PolicyName), deref(in.PolicyDocument))
	})
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, p aws.Principal, in *sdk.GetRolePolicyInput) (*sdk.GetRolePolicyOutput, error) {
	r, err := s.existingRole(ctx, p, "GetRolePolicy", deref(in.RoleName))
	if err != nil {
		return nil, err
	}
	doc, ok := r.Inline[deref(in.PolicyName)]
	if !ok {
		return nil, errNoSuchInline("role", deref(in.PolicyName))
	}
	return &sdk.GetRolePolicyOutput{RoleName: ptr(r.Name), PolicyName: in.PolicyName, PolicyDocument: encodeDocument(doc)}, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, p aws.Principal, in *sdk.ListRolePoliciesInput) (*sdk.ListRolePoliciesOutput, error) {
	r, err := s.existingRole(ctx, p, "ListRolePolicies", deref(in.RoleName))
	if err != nil {
		return nil, err
	}
	names, truncated, marker, err := listInline(r.Inline, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListRolePoliciesOutput{PolicyNames: names, IsTruncated: truncated, Marker: marker}, nil
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, p aws.Principal, in *sdk.DeleteRolePolicyInput) (*sdk.DeleteRolePolicyOutput, error) {
	return &sdk.DeleteRolePolicyOutput{}, s.updateRole(ctx, p, "DeleteRolePolicy", deref(in.RoleName), func(r *Role, _ map[string]any) error {
		return deleteInline("role", r.Inline, deref(in.PolicyName))
	})
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, p aws.Principal, in *sdk.PutUserPolicyInput) (*sdk.PutUserPolicyOutput, error) {
	return &sdk.PutUserPolicyOutput{}, s.updateUser(ctx, p, "PutUserPolicy", deref(in.UserName), func(u *User, _ map[string]any) error {
		return s.putInline("user", &u.Inline, deref(in.PolicyName), deref(in.PolicyDocument))
	})
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, p aws.Principal, in *sdk.GetUserPolicyInput) (*sdk.GetUserPolicyOutput, error) {
	u, err := s.existingUser(ctx, p, "GetUserPolicy", deref(in.UserName))
	if err != nil {
		return nil, err
	}
	doc, ok := u.Inline[deref(in.PolicyName)]
	if !ok {
		return nil, errNoSuchInline("user", deref(in.PolicyName))
	}
	return &sdk.GetUserPolicyOutput{UserName: ptr(u.Name), PolicyName: in.PolicyName, PolicyDocument: encodeDocument(doc)}, nil
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, p aws.Principal, in *sdk.ListUserPoliciesInput) (*sdk.ListUserPoliciesOutput, error) {
	u, err := s.existingUser(ctx, p, "ListUserPolicies", deref(in.UserName))
	if err != nil {
		return nil, err
	}
	names, truncated, marker, err := listInline(u.Inline, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListUserPoliciesOutput{PolicyNames: names, IsTruncated: truncated, Marker: marker}, nil
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, p aws.Principal, in *sdk.DeleteUserPolicyInput) (*sdk.DeleteUserPolicyOutput, error) {
	return &sdk.DeleteUserPolicyOutput{}, s.updateUser(ctx, p, "DeleteUserPolicy", deref(in.UserName), func(u *User, _ map[string]any) error {
		return deleteInline("user", u.Inline, deref(in.PolicyName))
	})
}
