package iam

import (
	"context"
	"errors"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
)

// userARN returns the ARN a user operation authorizes against: the stored
// user's, or the would-be ARN (path /) when the user does not exist, so a
// denied caller learns nothing about existence.
func (s *Service) user(account aws.AccountID, name string) (*User, string, error) {
	var u User
	found, err := s.load(entityKey(kindUser, account, name), &u)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, entityARN(account, "user", "/", name), nil
	}
	return &u, u.ARN, nil
}

// existingUser loads a user after authorizing action on it.
func (s *Service) existingUser(ctx context.Context, p aws.Principal, action, name string) (*User, error) {
	u, arn, err := s.user(callerAccount(p), name)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, action, arn, nil); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errNoSuchUser(name)
	}
	return u, nil
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, p aws.Principal, in *sdk.CreateUserInput) (*sdk.CreateUserOutput, error) {
	name := deref(in.UserName)
	path, err := cleanPath(in.Path)
	if err != nil {
		return nil, err
	}
	account := callerAccount(p)
	arn := entityARN(account, "user", path, name)
	keys := map[string][]string{}
	if in.PermissionsBoundary != nil {
		keys["iam:PermissionsBoundary"] = []string{*in.PermissionsBoundary}
	}
	if err := s.authorize(ctx, p, "CreateUser", arn, keys); err != nil {
		return nil, err
	}
	tags := fromSDKTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if u, _, err := s.user(account, name); err != nil {
		return nil, err
	} else if u != nil {
		return nil, errUserExists(name)
	}
	u := &User{Account: account, Name: name, Path: path, ID: newUniqueID("AIDA"), ARN: arn, Created: s.clock.Now().UTC(), Tags: tags}
	records := map[string]any{string(entityKey(kindUser, account, name)): u}
	if in.PermissionsBoundary != nil {
		if err := s.useBoundary(account, *in.PermissionsBoundary, "", records); err != nil {
			return nil, err
		}
		u.Boundary = *in.PermissionsBoundary
	}
	if err := s.commit(records); err != nil {
		return nil, err
	}
	return &sdk.CreateUserOutput{User: u.sdk(true)}, nil
}

// GetUser returns a user; without a name, the calling user (or, for the
// root user, the account's root identity).
func (s *Service) GetUser(ctx context.Context, p aws.Principal, in *sdk.GetUserInput) (*sdk.GetUserOutput, error) {
	name := deref(in.UserName)
	if name == "" {
		switch p.Type {
		case aws.PrincipalRoot:
			if err := s.authorize(ctx, p, "GetUser", p.ARN, nil); err != nil {
				return nil, err
			}
			root := &types.User{UserId: ptr(string(p.Account)), Arn: ptr(p.ARN)}
			acct, err := s.Account(p.Account)
			switch {
			case err == nil:
				root.CreateDate = timePtr(acct.Created)
			case !errors.Is(err, ErrNoSuchAccount):
				return nil, aws.Internal(err)
			}
			return &sdk.GetUserOutput{User: root}, nil
		case aws.PrincipalUser:
			name = p.ARN[strings.LastIndex(p.ARN, "/")+1:]
		default:
			return nil, errValidation("Must specify userName when calling with non-User credentials")
		}
	}
	u, err := s.existingUser(ctx, p, "GetUser", name)
	if err != nil {
		return nil, err
	}
	return &sdk.GetUserOutput{User: u.sdk(true)}, nil
}

// ListUsers lists users whose path starts with PathPrefix, by name.
func (s *Service) ListUsers(ctx context.Context, p aws.Principal, in *sdk.ListUsersInput) (*sdk.ListUsersOutput, error) {
	account := callerAccount(p)
	prefix := deref(in.PathPrefix)
	if prefix == "" {
		prefix = "/"
	}
	if err := s.authorize(ctx, p, "ListUsers", entityARN(account, "user", prefix, ""), nil); err != nil {
		return nil, err
	}
	users, err := scan[User](s, kindUser, account)
	if err != nil {
		return nil, err
	}
	var names []string
	var kept []User
	for _, u := range users {
		if strings.HasPrefix(u.Path, prefix) {
			names, kept = append(names, strings.ToLower(u.Name)), append(kept, u)
		}
	}
	from, to, truncated, next, err := page(names, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &sdk.ListUsersOutput{IsTruncated: truncated}
	for i := from; i < to; i++ {
		out.Users = append(out.Users, *kept[i].sdk(false))
	}
	if truncated {
		out.Marker = ptr(next)
	}
	return out, nil
}

// DeleteUser deletes a user that has no access keys and no policies.
func (s *Service) DeleteUser(ctx context.Context, p aws.Principal, in *sdk.DeleteUserInput) (*sdk.DeleteUserOutput, error) {
	if _, err := s.existingUser(ctx, p, "DeleteUser", deref(in.UserName)); err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	u, _, err := s.user(callerAccount(p), deref(in.UserName))
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errNoSuchUser(deref(in.UserName))
	}
	switch {
	case len(u.AccessKeys) > 0:
		return nil, errDeleteConflict("Cannot delete entity, must delete access keys first.")
	case len(u.Inline) > 0:
		return nil, errDeleteConflict("Cannot delete entity, must delete policies first.")
	case len(u.Attached) > 0:
		return nil, errDeleteConflict("Cannot delete entity, must detach all policies first.")
	}
	records := map[string]any{string(entityKey(kindUser, u.Account, u.Name)): nil}
	if err := s.releaseBoundary(u.Account, u.Boundary, records); err != nil {
		return nil, err
	}
	return &sdk.DeleteUserOutput{}, s.commit(records)
}

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, p aws.Principal, in *sdk.TagUserInput) (*sdk.TagUserOutput, error) {
	tags := fromSDKTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	return &sdk.TagUserOutput{}, s.updateUser(ctx, p, "TagUser", deref(in.UserName), func(u *User, _ map[string]any) error {
		u.Tags = mergeTags(u.Tags, tags)
		if len(u.Tags) > 50 {
			return errTagLimit()
		}
		return nil
	})
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, p aws.Principal, in *sdk.UntagUserInput) (*sdk.UntagUserOutput, error) {
	return &sdk.UntagUserOutput{}, s.updateUser(ctx, p, "UntagUser", deref(in.UserName), func(u *User, _ map[string]any) error {
		u.Tags = removeTags(u.Tags, in.TagKeys)
		return nil
	})
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, p aws.Principal, in *sdk.ListUserTagsInput) (*sdk.ListUserTagsOutput, error) {
	u, err := s.existingUser(ctx, p, "ListUserTags", deref(in.UserName))
	if err != nil {
		return nil, err
	}
	out := &sdk.ListUserTagsOutput{Tags: sdkTags(u.Tags)}
	if out.Tags == nil {
		out.Tags = []types.Tag{}
	}
	return out, nil
}

// updateUser authorizes action, then applies change to the stored user
// under the write lock; change may add records to the same batch.
func (s *Service) updateUser(ctx context.Context, p aws.Principal, action, name string, change func(*User, map[string]any) error) error {
	if _, err := s.existingUser(ctx, p, action, name); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	u, _, err := s.user(callerAccount(p), name)
	if err != nil {
		return err
	}
	if u == nil {
		return errNoSuchUser(name)
	}
	records := map[string]any{}
	if err := change(u, records); err != nil {
		return err
	}
	records[string(entityKey(kindUser, u.Account, u.Name))] = u
	return s.commit(records)
}
