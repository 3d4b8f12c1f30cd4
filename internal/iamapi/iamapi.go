// Package iamapi is IAM's Query-protocol front: it decodes each Action into
// its aws-sdk-go-v2 input struct, calls the iam.Service method of the same
// name and encodes the result or the error. It decides nothing itself.
package iamapi

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/query"
)

// API serves IAM. IAM is global: requests signed for any region reach the
// same data (AWS signs IAM for us-east-1; clients pointed at a custom
// endpoint sign with their own region).
type API struct {
	q *query.API
}

// New returns the IAM API over svc.
func New(svc *iam.Service, log *slog.Logger) *API {
	m := query.IAM
	h := map[string]query.Handler{
		"CreateUser":   query.Op(m, "CreateUser", svc.CreateUser),
		"GetUser":      query.Op(m, "GetUser", svc.GetUser),
		"ListUsers":    query.Op(m, "ListUsers", svc.ListUsers),
		"DeleteUser":   query.Op(m, "DeleteUser", svc.DeleteUser),
		"TagUser":      query.Op(m, "TagUser", svc.TagUser),
		"UntagUser":    query.Op(m, "UntagUser", svc.UntagUser),
		"ListUserTags": query.Op(m, "ListUserTags", svc.ListUserTags),

		"CreateAccessKey": query.Op(m, "CreateAccessKey", svc.CreateAccessKey),
		"ListAccessKeys":  query.Op(m, "ListAccessKeys", svc.ListAccessKeys),
		"UpdateAccessKey": query.Op(m, "UpdateAccessKey", svc.UpdateAccessKey),
		"DeleteAccessKey": query.Op(m, "DeleteAccessKey", svc.DeleteAccessKey),

		"CreateRole":             query.Op(m, "CreateRole", svc.CreateRole),
		"GetRole":                query.Op(m, "GetRole", svc.GetRole),
		"ListRoles":              query.Op(m, "ListRoles", svc.ListRoles),
		"DeleteRole":             query.Op(m, "DeleteRole", svc.DeleteRole),
		"UpdateRole":             query.Op(m, "UpdateRole", svc.UpdateRole),
		"UpdateAssumeRolePolicy": query.Op(m, "UpdateAssumeRolePolicy", svc.UpdateAssumeRolePolicy),
		"TagRole":                query.Op(m, "TagRole", svc.TagRole),
		"UntagRole":              query.Op(m, "UntagRole", svc.UntagRole),
		"ListRoleTags":           query.Op(m, "ListRoleTags", svc.ListRoleTags),

		"PutRolePolicy":    query.Op(m, "PutRolePolicy", svc.PutRolePolicy),
		"GetRolePolicy":    query.Op(m, "GetRolePolicy", svc.GetRolePolicy),
		"ListRolePolicies": query.Op(m, "ListRolePolicies", svc.ListRolePolicies),
		"DeleteRolePolicy": query.Op(m, "DeleteRolePolicy", svc.DeleteRolePolicy),
		"PutUserPolicy":    query.Op(m, "PutUserPolicy", svc.PutUserPolicy),
		"GetUserPolicy":    query.Op(m, "GetUserPolicy", svc.GetUserPolicy),
		"ListUserPolicies": query.Op(m, "ListUserPolicies", svc.ListUserPolicies),
		"DeleteUserPolicy": query.Op(m, "DeleteUserPolicy", svc.DeleteUserPolicy),

		"CreatePolicy":            query.Op(m, "CreatePolicy", svc.CreatePolicy),
		"GetPolicy":               query.Op(m, "GetPolicy", svc.GetPolicy),
		"ListPolicies":            query.Op(m, "ListPolicies", svc.ListPolicies),
		"DeletePolicy":            query.Op(m, "DeletePolicy", svc.DeletePolicy),
		"CreatePolicyVersion":     query.Op(m, "CreatePolicyVersion", svc.CreatePolicyVersion),
		"GetPolicyVersion":        query.Op(m, "GetPolicyVersion", svc.GetPolicyVersion),
		"ListPolicyVersions":      query.Op(m, "ListPolicyVersions", svc.ListPolicyVersions),
		"SetDefaultPolicyVersion": query.Op(m, "SetDefaultPolicyVersion", svc.SetDefaultPolicyVersion),
		"DeletePolicyVersion":     query.Op(m, "DeletePolicyVersion", svc.DeletePolicyVersion),

		"AttachRolePolicy":         query.Op(m, "AttachRolePolicy", svc.AttachRolePolicy),
		"DetachRolePolicy":         query.Op(m, "DetachRolePolicy", svc.DetachRolePolicy),
		"ListAttachedRolePolicies": query.Op(m, "ListAttachedRolePolicies", svc.ListAttachedRolePolicies),
		"AttachUserPolicy":         query.Op(m, "AttachUserPolicy", svc.AttachUserPolicy),
		"DetachUserPolicy":         query.Op(m, "DetachUserPolicy", svc.DetachUserPolicy),
		"ListAttachedUserPolicies": query.Op(m, "ListAttachedUserPolicies", svc.ListAttachedUserPolicies),

		"PutRolePermissionsBoundary":    query.Op(m, "PutRolePermissionsBoundary", svc.PutRolePermissionsBoundary),
		"DeleteRolePermissionsBoundary": query.Op(m, "DeleteRolePermissionsBoundary", svc.DeleteRolePermissionsBoundary),
		"PutUserPermissionsBoundary":    query.Op(m, "PutUserPermissionsBoundary", svc.PutUserPermissionsBoundary),
		"DeleteUserPermissionsBoundary": query.Op(m, "DeleteUserPermissionsBoundary", svc.DeleteUserPermissionsBoundary),

		"SimulatePrincipalPolicy": query.Op(m, "SimulatePrincipalPolicy", svc.SimulatePrincipalPolicy),
		"SimulateCustomPolicy":    query.Op(m, "SimulateCustomPolicy", svc.SimulateCustomPolicy),
	}
	return &API{q: &query.API{Model: m, Handlers: h, Log: log, Refuse: refuseSessionToken}}
}

// refuseSessionToken turns away credentials from GetSessionToken (a user or
// root signing with a session token): AWS lets them call IAM only with MFA,
// which Ferry has not, and answers InvalidClientTokenId.
func refuseSessionToken(p aws.Principal) error {
	if p.SessionToken != "" && (p.Type == aws.PrincipalUser || p.Type == aws.PrincipalRoot) {
		return query.ErrSessionTokenRefused()
	}
	return nil
}

// Serve answers an authenticated IAM request (body is the verified body)
// and returns the action.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, body io.Reader) string {
	return a.q.Serve(w, r, p, body)
}

// WriteError answers with err as an IAM error (authentication failures are
// worded as IAM words them).
func (a *API) WriteError(w http.ResponseWriter, err error) {
	a.q.WriteError(w, err, query.NewRequestID())
}
