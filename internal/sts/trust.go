package sts

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
)

// TrustRequest is what a role-assumption decision is about.
type TrustRequest struct {
	// Caller is the principal calling AssumeRole. For AssumeRoleAsService it
	// is a service principal (Type aws.PrincipalService) whose ARN is the
	// service name, e.g. "s3.amazonaws.com".
	Caller aws.Principal
	// Role is the role to assume; Role.TrustPolicy is its trust policy.
	Role *iam.Role
	// Action is "sts:AssumeRole".
	Action string
	// Context holds the request's condition keys: aws:PrincipalArn,
	// aws:PrincipalAccount, sts:RoleSessionName, sts:ExternalId,
	// sts:SourceIdentity, aws:RequestTag/KEY, aws:TagKeys and, for a service
	// caller, aws:SourceAccount and aws:SourceArn.
	Context map[string][]string
}

// TrustEvaluator decides whether a caller may assume a role: the role's trust
// policy and (for AWS principals) the caller's own identity policies. It
// returns nil to allow or the error to send (normally ErrAssumeDenied).
// STS calls it at exactly one point. internal/authz provides the real one
// (the composition root wires it); NamesCaller is the default of a bare
// Service.
type TrustEvaluator interface {
	AllowAssumeRole(ctx context.Context, req TrustRequest) error
}

// NamesCaller allows an assumption when an Allow statement of the trust
// policy with an sts:AssumeRole action names the caller: its account (id or
// root ARN), its ARN, its role's ARN (for a session) or, for a service
// caller, its service name; "*" names everyone. A Deny statement naming the
// caller denies. Conditions are not evaluated: that is the policy engine's
// job.
type NamesCaller struct{}

// AllowAssumeRole implements TrustEvaluator.
func (NamesCaller) AllowAssumeRole(_ context.Context, req TrustRequest) error {
	var doc struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(req.Role.TrustPolicy), &doc); err != nil {
		return ErrAssumeDenied(req.Caller, req.Role.ARN)
	}
	var stmts []trustStatement
	if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
		var one trustStatement
		if json.Unmarshal(doc.Statement, &one) != nil {
			return ErrAssumeDenied(req.Caller, req.Role.ARN)
		}
		stmts = []trustStatement{one}
	}
	allowed := false
	for _, s := range stmts {
		if !s.allowsAction(req.Action) || !s.names(req.Caller) {
			continue
		}
		if s.Effect == "Deny" {
			return ErrAssumeDenied(req.Caller, req.Role.ARN)
		}
		allowed = allowed || s.Effect == "Allow"
	}
	if !allowed {
		return ErrAssumeDenied(req.Caller, req.Role.ARN)
	}
	return nil
}

type trustStatement struct {
	Effect    string
	Action    stringList
	Principal json.RawMessage
}

func (s trustStatement) allowsAction(action string) bool {
	return slices.ContainsFunc(s.Action, func(a string) bool {
		return a == "*" || strings.EqualFold(a, "sts:*") || strings.EqualFold(a, action)
	})
}

// names reports whether the statement's Principal names the caller.
func (s trustStatement) names(p aws.Principal) bool {
	var star string
	if json.Unmarshal(s.Principal, &star) == nil {
		return star == "*"
	}
	var m map[string]stringList
	if json.Unmarshal(s.Principal, &m) != nil {
		return false
	}
	if p.Type == aws.PrincipalService {
		return slices.Contains(m["Service"], p.ARN)
	}
	for _, v := range m["AWS"] {
		if v == "*" || v == string(p.Account) || v == aws.RootARN(p.Account) || v == p.ARN || (p.RoleARN != "" && v == p.RoleARN) {
			return true
		}
	}
	return false
}

// stringList reads a JSON string or list of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// ErrAssumeDenied is STS's AccessDenied for a role the caller may not assume
// (or that does not exist: STS does not tell the difference).
func ErrAssumeDenied(caller aws.Principal, roleARN string) *aws.Error {
	return aws.New("AccessDenied", http.StatusForbidden, "User: "+caller.ARN+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
}
