package iam

import (
	"fmt"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Read access for the policy engine and STS: the policies that apply to a
// principal, and roles and managed policies by ARN. These methods do not
// authorize: they serve other services deciding about a request.

// PolicyDocument is a policy document that applies to a principal.
type PolicyDocument struct {
	// Name is the inline policy's name or the managed policy's name.
	Name string
	// ARN is the managed policy's ARN; "" for an inline policy.
	ARN string
	// Document is the JSON document (the default version for managed ones).
	Document string
}

// PrincipalPolicies is what IAM holds about a principal's permissions.
type PrincipalPolicies struct {
	// Identity holds the inline policies (by name) and then the attached
	// managed policies (in attachment order).
	Identity []PolicyDocument
	// Boundary is the permissions boundary, if any.
	Boundary *PolicyDocument
	// Trust is a role's trust policy ("" for users).
	Trust string
}

// PoliciesFor gathers the identity policies, boundary and (for roles) trust
// policy of an IAM user, a role, or an assumed-role session (through its
// RoleARN). The root user and service principals have none: what they may
// do is decided by rules, not policies.
func (s *Service) PoliciesFor(p aws.Principal) (PrincipalPolicies, error) {
	switch p.Type {
	case aws.PrincipalUser:
		u, _, err := s.user(p.Account, lastSegment(p.ARN))
		if err != nil || u == nil {
			return PrincipalPolicies{}, notFound(err, "user", p.ARN)
		}
		return s.gather(u.Inline, u.Attached, u.Boundary, "")
	case aws.PrincipalAssumedRole:
		r, err := s.RoleByARN(p.RoleARN)
		if err != nil {
			return PrincipalPolicies{}, err
		}
		return s.gather(r.Inline, r.Attached, r.Boundary, r.TrustPolicy)
	}
	return PrincipalPolicies{}, nil
}

// RolePolicies gathers a role's policies by the role's ARN.
func (s *Service) RolePolicies(roleARN string) (PrincipalPolicies, error) {
	r, err := s.RoleByARN(roleARN)
	if err != nil {
		return PrincipalPolicies{}, err
	}
	return s.gather(r.Inline, r.Attached, r.Boundary, r.TrustPolicy)
}

func (s *Service) gather(inline map[string]string, attached []string, boundaryARN, trust string) (PrincipalPolicies, error) {
	out := PrincipalPolicies{Trust: trust}
	for _, name := range sortedNames(inline) {
		out.Identity = append(out.Identity, PolicyDocument{Name: name, Document: inline[name]})
	}
	for _, arn := range attached {
		doc, err := s.ManagedPolicyDocument(arn)
		if err != nil {
			return PrincipalPolicies{}, err
		}
		out.Identity = append(out.Identity, doc)
	}
	if boundaryARN != "" {
		doc, err := s.ManagedPolicyDocument(boundaryARN)
		if err != nil {
			return PrincipalPolicies{}, err
		}
		out.Boundary = &doc
	}
	return out, nil
}

// ManagedPolicyDocument returns a managed policy's default version (customer
// or AWS managed), for attachments, boundaries and session PolicyArns.
func (s *Service) ManagedPolicyDocument(arn string) (PolicyDocument, error) {
	pol, err := s.policy(arn)
	if err != nil || pol == nil {
		return PolicyDocument{}, notFound(err, "policy", arn)
	}
	return PolicyDocument{Name: pol.Name, ARN: pol.ARN, Document: pol.document()}, nil
}

// RoleByARN returns a role by its ARN (the path must match).
func (s *Service) RoleByARN(arn string) (*Role, error) {
	account := arnAccount(arn)
	res, ok := strings.CutPrefix(arnResource(arn), "role/")
	if !ok || account == "" || !strings.HasPrefix(arn, "arn:aws:iam::") {
		return nil, fmt.Errorf("%w: not a role ARN: %s", ErrNoSuchEntity, arn)
	}
	r, _, err := s.role(account, lastSegment(res))
	if err != nil || r == nil || r.ARN != arn {
		return nil, notFound(err, "role", arn)
	}
	return r, nil
}

// UserByARN returns a user by its ARN.
func (s *Service) UserByARN(arn string) (*User, error) {
	u, _, err := s.user(arnAccount(arn), lastSegment(arn))
	if err != nil || u == nil || u.ARN != arn {
		return nil, notFound(err, "user", arn)
	}
	return u, nil
}

// ErrNoSuchEntity is wrapped by the lookups above when nothing matches.
var ErrNoSuchEntity = fmt.Errorf("iam: no such entity")

func notFound(err error, kind, arn string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s %s", ErrNoSuchEntity, kind, arn)
}

func lastSegment(s string) string { return s[strings.LastIndex(s, "/")+1:] }

func arnResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[5]
}
