package iam

import (
	"context"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
)

// Managed policy attachments and permissions boundaries of users and roles.

// maxAttached is AWS's PoliciesPerRole / PoliciesPerUser default quota.
const maxAttached = 10

// attach adds arn to list, checking that the policy exists (held write lock).
func (s *Service) attach(list *[]string, arn, quota string, records map[string]any) error {
	if _, _, err := parsePolicyARN(arn); err != nil {
		return err
	}
	pol, err := s.policy(arn)
	if err != nil {
		return err
	}
	if pol == nil {
		return errNotAttachable(arn)
	}
	if slices.Contains(*list, arn) {
		return nil
	}
	if len(*list) >= maxAttached {
		return errQuota(quota, maxAttached)
	}
	*list = append(*list, arn)
	return s.adjustPolicy(arn, 1, 0, records)
}

// detach removes arn from list (held write lock).
func (s *Service) detach(list *[]string, arn string, records map[string]any) error {
	if _, _, err := parsePolicyARN(arn); err != nil {
		return err
	}
	i := slices.Index(*list, arn)
	if i < 0 {
		return errNoSuchPolicy(arn)
	}
	*list = slices.Delete(*list, i, i+1)
	return s.adjustPolicy(arn, -1, 0, records)
}

// attachedPolicies lists attachments with their names, optionally by path.
func (s *Service) attachedPolicies(list []string, pathPrefix, marker *string, maxItems *int32) ([]types.AttachedPolicy, bool, *string, error) {
	var names []string
	var out []types.AttachedPolicy
	for _, arn := range list {
		if prefix := deref(pathPrefix); prefix != "" {
			if pol, err := s.policy(arn); err != nil {
				return nil, false, nil, err
			} else if pol == nil || !strings.HasPrefix(pol.Path, prefix) {
				continue
			}
		}
		_, name, _ := parsePolicyARN(arn)
		names = append(names, arn)
		out = append(out, types.AttachedPolicy{PolicyArn: ptr(arn), PolicyName: ptr(name)})
	}
	from, to, truncated, next, err := pageUnsorted(names, marker, maxItems)
	if err != nil {
		return nil, false, nil, err
	}
	var m *string
	if truncated {
		m = ptr(next)
	}
	return append([]types.AttachedPolicy{}, out[from:to]...), truncated, m, nil
}

// pageUnsorted pages a list kept in insertion order, the marker being the
// first item of the next page.
func pageUnsorted(items []string, marker *string, maxItems *int32) (from, to int, truncated bool, next string, err error) {
	limit := 100
	if maxItems != nil && *maxItems > 0 {
		limit = int(*maxItems)
	}
	if m := deref(marker); m != "" {
		if from = slices.Index(items, m); from < 0 {
			return 0, 0, false, "", errValidation("Invalid Marker.")
		}
	}
	to = min(from+limit, len(items))
	if to < len(items) {
		return from, to, true, items[to], nil
	}
	return from, to, false, "", nil
}

// useBoundary makes arn the boundary in place of old, updating the
// policies' counters in records (held write lock).
func (s *Service) useBoundary(account aws.AccountID, arn, old string, records map[string]any) error {
	if !strings.Contains(arn, ":policy/") {
		return errInvalidInput("ARN " + arn + " is not valid.")
	}
	pol, err := s.policy(arn)
	if err != nil {
		return err
	}
	if pol == nil {
		return errNoSuchBoundary(arn)
	}
	if arn == old {
		return nil
	}
	if err := s.adjustPolicy(arn, 0, 1, records); err != nil {
		return err
	}
	return s.releaseBoundary(account, old, records)
}

// releaseBoundary drops one use of a boundary policy (held write lock).
func (s *Service) releaseBoundary(_ aws.AccountID, arn string, records map[string]any) error {
	if arn == "" {
		return nil
	}
	if pol, err := s.policy(arn); err != nil || pol == nil {
		return err
	}
	return s.adjustPolicy(arn, 0, -1, records)
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, p aws.Principal, in *sdk.AttachRolePolicyInput) (*sdk.AttachRolePolicyOutput, error) {
	return &sdk.AttachRolePolicyOutput{}, s.updateRole(ctx, p, "AttachRolePolicy", deref(in.RoleName), func(r *Role, records map[string]any) error {
		return s.attach(&r.Attached, deref(in.PolicyArn), "PoliciesPerRole", records)
	})
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, p aws.Principal, in *sdk.DetachRolePolicyInput) (*sdk.DetachRolePolicyOutput, error) {
	return &sdk.DetachRolePolicyOutput{}, s.updateRole(ctx, p, "DetachRolePolicy", deref(in.RoleName), func(r *Role, records map[string]any) error {
		return s.detach(&r.Attached, deref(in.PolicyArn), records)
	})
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, p aws.Principal, in *sdk.ListAttachedRolePoliciesInput) (*sdk.ListAttachedRolePoliciesOutput, error) {
	r, err := s.existingRole(ctx, p, "ListAttachedRolePolicies", deref(in.RoleName))
	if err != nil {
		return nil, err
	}
	list, truncated, marker, err := s.attachedPolicies(r.Attached, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListAttachedRolePoliciesOutput{AttachedPolicies: list, IsTruncated: truncated, Marker: marker}, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, p aws.Principal, in *sdk.AttachUserPolicyInput) (*sdk.AttachUserPolicyOutput, error) {
	return &sdk.AttachUserPolicyOutput{}, s.updateUser(ctx, p, "AttachUserPolicy", deref(in.UserName), func(u *User, records map[string]any) error {
		return s.attach(&u.Attached, deref(in.PolicyArn), "PoliciesPerUser", records)
	})
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, p aws.Principal, in *sdk.DetachUserPolicyInput) (*sdk.DetachUserPolicyOutput, error) {
	return &sdk.DetachUserPolicyOutput{}, s.updateUser(ctx, p, "DetachUserPolicy", deref(in.UserName), func(u *User, records map[string]any) error {
		return s.detach(&u.Attached, deref(in.PolicyArn), records)
	})
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, p aws.Principal, in *sdk.ListAttachedUserPoliciesInput) (*sdk.ListAttachedUserPoliciesOutput, error) {
	u, err := s.existingUser(ctx, p, "ListAttachedUserPolicies", deref(in.UserName))
	if err != nil {
		return nil, err
	}
	list, truncated, marker, err := s.attachedPolicies(u.Attached, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListAttachedUserPoliciesOutput{AttachedPolicies: list, IsTruncated: truncated, Marker: marker}, nil
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, p aws.Principal, in *sdk.PutRolePermissionsBoundaryInput) (*sdk.PutRolePermissionsBoundaryOutput, error) {
	arn := deref(in.PermissionsBoundary)
	return &sdk.PutRolePermissionsBoundaryOutput{}, s.updateRole(ctx, p, "PutRolePermissionsBoundary", deref(in.RoleName), func(r *Role, records map[string]any) error {
		if err := s.useBoundary(r.Account, arn, r.Boundary, records); err != nil {
			return err
		}
		r.Boundary = arn
		return nil
	})
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, p aws.Principal, in *sdk.DeleteRolePermissionsBoundaryInput) (*sdk.DeleteRolePermissionsBoundaryOutput, error) {
	return &sdk.DeleteRolePermissionsBoundaryOutput{}, s.updateRole(ctx, p, "DeleteRolePermissionsBoundary", deref(in.RoleName), func(r *Role, records map[string]any) error {
		if err := s.releaseBoundary(r.Account, r.Boundary, records); err != nil {
			return err
		}
		r.Boundary = ""
		return nil
	})
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, p aws.Principal, in *sdk.PutUserPermissionsBoundaryInput) (*sdk.PutUserPermissionsBoundaryOutput, error) {
	arn := deref(in.PermissionsBoundary)
	return &sdk.PutUserPermissionsBoundaryOutput{}, s.updateUser(ctx, p, "PutUserPermissionsBoundary", deref(in.UserName), func(u *User, records map[string]any) error {
		if err := s.useBoundary(u.Account, arn, u.Boundary, records); err != nil {
			return err
		}
		u.Boundary = arn
		return nil
	})
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, p aws.Principal, in *sdk.DeleteUserPermissionsBoundaryInput) (*sdk.DeleteUserPermissionsBoundaryOutput, error) {
	return &sdk.DeleteUserPermissionsBoundaryOutput{}, s.updateUser(ctx, p, "DeleteUserPermissionsBoundary", deref(in.UserName), func(u *User, records map[string]any) error {
		if err := s.releaseBoundary(u.Account, u.Boundary, records); err != nil {
			return err
		}
		u.Boundary = ""
		return nil
	})
}
