package iam

import (
	"context"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
)

// maxAccessKeys is AWS's AccessKeysPerUser quota.
const maxAccessKeys = 2

// keyOwner names the user an access-key operation is about: the UserName
// parameter, else the calling user. Root's own keys are only listed; other
// callers must name a user.
func keyOwner(p aws.Principal, name *string) (string, error) {
	if n := deref(name); n != "" {
		return n, nil
	}
	if p.Type == aws.PrincipalUser {
		return p.ARN[strings.LastIndex(p.ARN, "/")+1:], nil
	}
	return "", errValidation("Must specify userName when calling with non-User credentials")
}

// CreateAccessKey creates an access key (Active) for a user.
func (s *Service) CreateAccessKey(ctx context.Context, p aws.Principal, in *sdk.CreateAccessKeyInput) (*sdk.CreateAccessKeyOutput, error) {
	name, err := keyOwner(p, in.UserName)
	if err != nil {
		return nil, err
	}
	var key AccessKey
	err = s.updateUser(ctx, p, "CreateAccessKey", name, func(u *User, records map[string]any) error {
		if len(u.AccessKeys) >= maxAccessKeys {
			return errQuota("AccessKeysPerUser", maxAccessKeys)
		}
		key = AccessKey{ID: NewAccessKeyID("AKIA"), Secret: NewSecret(), Account: u.Account, OwnerARN: u.ARN,
			UserName: u.Name, UserID: u.ID, Status: "Active", Created: s.clock.Now().UTC()}
		u.AccessKeys = append(u.AccessKeys, key.ID)
		records[string(accessKeyKey(key.ID))] = key
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &sdk.CreateAccessKeyOutput{AccessKey: &types.AccessKey{AccessKeyId: ptr(key.ID), SecretAccessKey: ptr(key.Secret),
		Status: types.StatusTypeActive, UserName: ptr(key.UserName), CreateDate: timePtr(key.Created)}}, nil
}

// ListAccessKeys lists a user's access keys (or, for the root user without
// a UserName, the account's root key).
func (s *Service) ListAccessKeys(ctx context.Context, p aws.Principal, in *sdk.ListAccessKeysInput) (*sdk.ListAccessKeysOutput, error) {
	var keys []AccessKey
	if deref(in.UserName) == "" && p.Type == aws.PrincipalRoot {
		if err := s.authorize(ctx, p, "ListAccessKeys", p.ARN, nil); err != nil {
			return nil, err
		}
		if k, err := s.RootKey(p.Account); err == nil {
			keys = append(keys, k)
		}
	} else {
		name, err := keyOwner(p, in.UserName)
		if err != nil {
			return nil, err
		}
		u, err := s.existingUser(ctx, p, "ListAccessKeys", name)
		if err != nil {
			return nil, err
		}
		for _, id := range u.AccessKeys {
			k, err := s.AccessKey(id)
			if err != nil {
				return nil, aws.Internal(err)
			}
			keys = append(keys, k)
		}
	}
	out := &sdk.ListAccessKeysOutput{AccessKeyMetadata: []types.AccessKeyMetadata{}}
	for _, k := range keys {
		m := types.AccessKeyMetadata{AccessKeyId: ptr(k.ID), Status: types.StatusType(k.Status), CreateDate: timePtr(k.Created)}
		if k.UserName != "" {
			m.UserName = ptr(k.UserName)
		}
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, m)
	}
	return out, nil
}

// UpdateAccessKey makes a user's key Active or Inactive. An inactive key
// no longer authenticates (InvalidAccessKeyId for S3, InvalidClientTokenId
// for IAM and STS).
func (s *Service) UpdateAccessKey(ctx context.Context, p aws.Principal, in *sdk.UpdateAccessKeyInput) (*sdk.UpdateAccessKeyOutput, error) {
	name, err := keyOwner(p, in.UserName)
	if err != nil {
		return nil, err
	}
	id := deref(in.AccessKeyId)
	if in.Status != types.StatusTypeActive && in.Status != types.StatusTypeInactive {
		return nil, errValidation("1 validation error detected: Value at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	}
	return &sdk.UpdateAccessKeyOutput{}, s.updateUser(ctx, p, "UpdateAccessKey", name, func(u *User, records map[string]any) error {
		if !slices.Contains(u.AccessKeys, id) {
			return errNoSuchAccessKey(id)
		}
		k, err := s.AccessKey(id)
		if err != nil {
			return aws.Internal(err)
		}
		k.Status = string(in.Status)
		records[string(accessKeyKey(id))] = k
		return nil
	})
}

// DeleteAccessKey deletes a user's access key.
func (s *Service) DeleteAccessKey(ctx context.Context, p aws.Principal, in *sdk.DeleteAccessKeyInput) (*sdk.DeleteAccessKeyOutput, error) {
	name, err := keyOwner(p, in.UserName)
	if err != nil {
		return nil, err
	}
	id := deref(in.AccessKeyId)
	return &sdk.DeleteAccessKeyOutput{}, s.updateUser(ctx, p, "DeleteAccessKey", name, func(u *User, records map[string]any) error {
		i := slices.Index(u.AccessKeys, id)
		if i < 0 {
			return errNoSuchAccessKey(id)
		}
		u.AccessKeys = slices.Delete(u.AccessKeys, i, i+1)
		records[string(accessKeyKey(id))] = nil
		return nil
	})
}
