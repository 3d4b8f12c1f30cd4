package iam

import (
	"context"
	"strings"
	"unicode"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
)

// Role session duration bounds (seconds) and the default.
const (
	minMaxSession     = 3600
	maxMaxSession     = 43200
	maxTrustPolicyLen = 2048 // ACLSizePerRole, counted without whitespace
)

// role loads a role; like user, it returns the would-be ARN when absent.
func (s *Service) role(account aws.AccountID, name string) (*Role, string, error) {
	var r Role
	found, err := s.load(entityKey(kindRole, account, name), &r)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, entityARN(account, "role", "/", name), nil
	}
	return &r, r.ARN, nil
}

// existingRole loads a role after authorizing action on it.
func (s *Service) existingRole(ctx context.Context, p aws.Principal, action, name string) (*Role, error) {
	r, arn, err := s.role(callerAccount(p), name)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, action, arn, nil); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errNoSuchRole(name)
	}
	return r, nil
}

// checkTrustPolicy validates a trust policy and its size.
func (s *Service) checkTrustPolicy(doc string) error {
	if err := s.validate(doc, KindTrust); err != nil {
		return err
	}
	if err := s.checkTrustPrincipals(doc); err != nil {
		return err
	}
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	if n > maxTrustPolicyLen {
		return errQuota("ACLSizePerRole", maxTrustPolicyLen)
	}
	return nil
}

func checkMaxSession(d *int32) (int32, error) {
	if d == nil {
		return minMaxSession, nil
	}
	switch {
	case *d < minMaxSession:
		return 0, errValidation("1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
	case *d > maxMaxSession:
		return 0, errValidation("1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200")
	}
	return *d, nil
}

// CreateRole creates a role with a trust policy.
func (s *Service) CreateRole(ctx context.Context, p aws.Principal, in *sdk.CreateRoleInput) (*sdk.CreateRoleOutput, error) {
	name := deref(in.RoleName)
	path, err := cleanPath(in.Path)
	if err != nil {
		return nil, err
	}
	account := callerAccount(p)
	arn := entityARN(account, "role", path, name)
	keys := map[string][]string{}
	if in.PermissionsBoundary != nil {
		keys["iam:PermissionsBoundary"] = []string{*in.PermissionsBoundary}
	}
	if err := s.authorize(ctx, p, "CreateRole", arn, keys); err != nil {
		return nil, err
	}
	maxSession, err := checkMaxSession(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	tags := fromSDKTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	doc := deref(in.AssumeRolePolicyDocument)
	if err := s.checkTrustPolicy(doc); err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if r, _, err := s.role(account, name); err != nil {
		return nil, err
	} else if r != nil {
		return nil, errRoleExists(name)
	}
	r := &Role{Account: account, Name: name, Path: path, ID: newUniqueID("AROA"), ARN: arn, Description: deref(in.Description),
		Created: s.clock.Now().UTC(), MaxSessionDuration: maxSession, TrustPolicy: doc, Tags: tags}
	records := map[string]any{string(entityKey(kindRole, account, name)): r}
	if in.PermissionsBoundary != nil {
		if err := s.useBoundary(account, *in.PermissionsBoundary, "", records); err != nil {
			return nil, err
		}
		r.Boundary = *in.PermissionsBoundary
	}
	if err := s.commit(records); err != nil {
		return nil, err
	}
	out := r.sdk(false)
	out.Tags = sdkTags(r.Tags)
	out.PermissionsBoundary = boundary(r.Boundary)
	return &sdk.CreateRoleOutput{Role: out}, nil
}

// GetRole returns a role with its trust policy (URL-encoded), boundary and tags.
func (s *Service) GetRole(ctx context.Context, p aws.Principal, in *sdk.GetRoleInput) (*sdk.GetRoleOutput, error) {
	r, err := s.existingRole(ctx, p, "GetRole", deref(in.RoleName))
	if err != nil {
		return nil, err
	}
	return &sdk.GetRoleOutput{Role: r.sdk(true)}, nil
}

// ListRoles lists roles whose path starts with PathPrefix, by name.
func (s *Service) ListRoles(ctx context.Context, p aws.Principal, in *sdk.ListRolesInput) (*sdk.ListRolesOutput, error) {
	account := callerAccount(p)
	prefix := deref(in.PathPrefix)
	if prefix == "" {
		prefix = "/"
	}
	if err := s.authorize(ctx, p, "ListRoles", entityARN(account, "role", prefix, ""), nil); err != nil {
		return nil, err
	}
	roles, err := scan[Role](s, kindRole, account)
	if err != nil {
		return nil, err
	}
	var names []string
	var kept []Role
	for _, r := range roles {
		if strings.HasPrefix(r.Path, prefix) {
			names, kept = append(names, strings.ToLower(r.Name)), append(kept, r)
		}
	}
	from, to, truncated, next, err := page(names, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &sdk.ListRolesOutput{Roles: []types.Role{}, IsTruncated: truncated}
	for i := from; i < to; i++ {
		out.Roles = append(out.Roles, *kept[i].sdk(false))
	}
	if truncated {
		out.Marker = ptr(next)
	}
	return out, nil
}

// DeleteRole deletes a role that has no policies left.
func (s *Service) DeleteRole(ctx context.Context, p aws.Principal, in *sdk.DeleteRoleInput) (*sdk.DeleteRoleOutput, error) {
	name := deref(in.RoleName)
	if _, err := s.existingRole(ctx, p, "DeleteRole", name); err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	r, _, err := s.role(callerAccount(p), name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errNoSuchRole(name)
	}
	switch {
	case len(r.Inline) > 0:
		return nil, errDeleteConflict("Cannot delete entity, must delete policies first.")
	case len(r.Attached) > 0:
		return nil, errDeleteConflict("Cannot delete entity, must detach all policies first.")
	}
	records := map[string]any{string(entityKey(kindRole, r.Account, r.Name)): nil}
	if err := s.releaseBoundary(r.Account, r.Boundary, records); err != nil {
		return nil, err
	}
	return &sdk.DeleteRoleOutput{}, s.commit(records)
}

// UpdateRole changes a role's description and maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, p aws.Principal, in *sdk.UpdateRoleInput) (*sdk.UpdateRoleOutput, error) {
	return &sdk.UpdateRoleOutput{}, s.updateRole(ctx, p, "UpdateRole", deref(in.RoleName), func(r *Role, _ map[string]any) error {
		if in.MaxSessionDuration != nil {
			d, err := checkMaxSession(in.MaxSessionDuration)
			if err != nil {
				return err
			}
			r.MaxSessionDuration = d
		}
		if in.Description != nil {
			r.Description = *in.Description
		}
		return nil
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, p aws.Principal, in *sdk.UpdateAssumeRolePolicyInput) (*sdk.UpdateAssumeRolePolicyOutput, error) {
	doc := deref(in.PolicyDocument)
	return &sdk.UpdateAssumeRolePolicyOutput{}, s.updateRole(ctx, p, "UpdateAssumeRolePolicy", deref(in.RoleName), func(r *Role, _ map[string]any) error {
		if err := s.checkTrustPolicy(doc); err != nil {
			return err
		}
		r.TrustPolicy = doc
		return nil
	})
}

// TagRole adds or replaces tags on a role.
func (s *Service) TagRole(ctx context.Context, p aws.Principal, in *sdk.TagRoleInput) (*sdk.TagRoleOutput, error) {
	tags := fromSDKTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	return &sdk.TagRoleOutput{}, s.updateRole(ctx, p, "TagRole", deref(in.RoleName), func(r *Role, _ map[string]any) error {
		r.Tags = mergeTags(r.Tags, tags)
		if len(r.Tags) > 50 {
			return errTagLimit()
		}
		return nil
	})
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, p aws.Principal, in *sdk.UntagRoleInput) (*sdk.UntagRoleOutput, error) {
	return &sdk.UntagRoleOutput{}, s.updateRole(ctx, p, "UntagRole", deref(in.RoleName), func(r *Role, _ map[string]any) error {
		r.Tags = removeTags(r.Tags, in.TagKeys)
		return nil
	})
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, p aws.Principal, in *sdk.ListRoleTagsInput) (*sdk.ListRoleTagsOutput, error) {
	r, err := s.existingRole(ctx, p, "ListRoleTags", deref(in.RoleName))
	if err != nil {
		return nil, err
	}
	out := &sdk.ListRoleTagsOutput{Tags: sdkTags(r.Tags)}
	if out.Tags == nil {
		out.Tags = []types.Tag{}
	}
	return out, nil
}

// updateRole authorizes action, then applies change to the stored role
// under the write lock; change may add records to the same batch.
func (s *Service) updateRole(ctx context.Context, p aws.Principal, action, name string, change func(*Role, map[string]any) error) error {
	if _, err := s.existingRole(ctx, p, action, name); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	r, _, err := s.role(callerAccount(p), name)
	if err != nil {
		return err
	}
	if r == nil {
		return errNoSuchRole(name)
	}
	records := map[string]any{}
	if err := change(r, records); err != nil {
		return err
	}
	records[string(entityKey(kindRole, r.Account, r.Name))] = r
	return s.commit(records)
}
