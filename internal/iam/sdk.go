package iam

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
)

// Conversions from Ferry's records to the SDK output types the Query API
// encodes, and small helpers shared by the operations.

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func timePtr(t time.Time) *time.Time { t = t.UTC(); return &t }

// encodeDocument URL-encodes a policy document as IAM returns it (RFC 3986:
// spaces as %20); the AWS CLI decodes it again.
func encodeDocument(doc string) *string {
	return ptr(strings.ReplaceAll(url.QueryEscape(doc), "+", "%20"))
}

func sdkTags(tags []Tag) []types.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]types.Tag, len(tags))
	for i, t := range tags {
		out[i] = types.Tag{Key: ptr(t.Key), Value: ptr(t.Value)}
	}
	return out
}

func fromSDKTags(tags []types.Tag) []Tag {
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: deref(t.Key), Value: deref(t.Value)}
	}
	return out
}

func boundary(arn string) *types.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &types.AttachedPermissionsBoundary{PermissionsBoundaryArn: ptr(arn), PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy}
}

func (u *User) sdk(withTags bool) *types.User {
	out := &types.User{Arn: ptr(u.ARN), CreateDate: timePtr(u.Created), Path: ptr(u.Path), UserId: ptr(u.ID), UserName: ptr(u.Name),
		PermissionsBoundary: boundary(u.Boundary)}
	if withTags {
		out.Tags = sdkTags(u.Tags)
	}
	return out
}

func (r *Role) sdk(full bool) *types.Role {
	out := &types.Role{Arn: ptr(r.ARN), CreateDate: timePtr(r.Created), Path: ptr(r.Path), RoleId: ptr(r.ID), RoleName: ptr(r.Name),
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy), MaxSessionDuration: ptr(r.MaxSessionDuration)}
	if r.Description != "" {
		out.Description = ptr(r.Description)
	}
	if full {
		out.PermissionsBoundary = boundary(r.Boundary)
		out.Tags = sdkTags(r.Tags)
		out.RoleLastUsed = &types.RoleLastUsed{}
	}
	return out
}

func (p *ManagedPolicy) sdk() *types.Policy {
	out := &types.Policy{Arn: ptr(p.ARN), AttachmentCount: ptr(int32(p.Attachments)), CreateDate: timePtr(p.Created),
		DefaultVersionId: ptr(p.Default), IsAttachable: true, Path: ptr(p.Path), PermissionsBoundaryUsageCount: ptr(int32(p.BoundaryUses)),
		PolicyId: ptr(p.ID), PolicyName: ptr(p.Name), UpdateDate: timePtr(p.Updated), Tags: sdkTags(p.Tags)}
	if p.Description != "" {
		out.Description = ptr(p.Description)
	}
	return out
}

func (p *ManagedPolicy) sdkVersion(v *PolicyVersion, withDocument bool) types.PolicyVersion {
	out := types.PolicyVersion{VersionId: ptr(v.ID), IsDefaultVersion: v.ID == p.Default, CreateDate: timePtr(v.Created)}
	if withDocument {
		out.Document = encodeDocument(v.Document)
	}
	return out
}

// authorize is the single authorization point of every IAM operation.
func (s *Service) authorize(ctx context.Context, p aws.Principal, action, resourceARN string, keys map[string][]string) error {
	return s.authz.Authorize(ctx, p, "iam:"+action, resourceARN, keys)
}

// callerAccount is the account an IAM call acts in: the caller's own.
func callerAccount(p aws.Principal) aws.AccountID { return p.Account }
