package iam

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Policy document kinds given to a PolicyValidator.
const (
	// KindIdentity is an identity policy: inline, managed or a boundary.
	KindIdentity = "identity"
	// KindTrust is a role's trust (assume-role) policy.
	KindTrust = "trust"
)

// PolicyValidator checks a policy document's grammar and returns a
// MalformedPolicyDocument error (or nil). The policy engine provides the full
// grammar; BasicValidator is the interim one.
type PolicyValidator func(doc, kind string) error

// ErrMalformedPolicy is IAM's MalformedPolicyDocument (400).
func ErrMalformedPolicy(message string) *aws.Error {
	return aws.New("MalformedPolicyDocument", http.StatusBadRequest, message)
}

// BasicValidator checks JSON syntax and the basic shape of a policy: a
// Version, one or more statements with an Effect and actions; identity
// policies need resources and may not name a principal, trust policies need
// a principal, may not name resources and may only allow sts actions.
func BasicValidator(doc, kind string) error {
	var p struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		if kind == KindTrust {
			return ErrMalformedPolicy("This policy contains invalid Json")
		}
		return ErrMalformedPolicy("Syntax errors in policy.")
	}
	if p.Version != "2012-10-17" && !(kind == KindTrust && p.Version == "2008-10-17") {
		return ErrMalformedPolicy("Policy document must be version 2012-10-17 or greater.")
	}
	stmts, err := statements(p.Statement)
	if err != nil || len(stmts) == 0 {
		return ErrMalformedPolicy("Syntax errors in policy.")
	}
	for _, s := range stmts {
		if err := checkStatement(s, kind); err != nil {
			return err
		}
	}
	return nil
}

// statements accepts a single statement object or a list of them.
func statements(raw json.RawMessage) ([]map[string]json.RawMessage, error) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var one map[string]json.RawMessage
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []map[string]json.RawMessage{one}, nil
}

func checkStatement(s map[string]json.RawMessage, kind string) error {
	var effect string
	if err := json.Unmarshal(s["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
		return ErrMalformedPolicy("Syntax errors in policy.")
	}
	actions, hasActions := stringsOf(s["Action"])
	notActions, hasNot := stringsOf(s["NotAction"])
	if (!hasActions || len(actions) == 0) && (!hasNot || len(notActions) == 0) {
		return ErrMalformedPolicy("Policy statement must contain actions.")
	}
	for _, a := range append(actions, notActions...) {
		if a != "*" && !strings.Contains(a, ":") {
			return ErrMalformedPolicy("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
		}
	}
	_, hasPrincipal := s["Principal"]
	_, hasNotPrincipal := s["NotPrincipal"]
	_, hasResource := s["Resource"]
	_, hasNotResource := s["NotResource"]
	switch kind {
	case KindTrust:
		if hasResource {
			return ErrMalformedPolicy("Has prohibited field Resource")
		}
		for _, a := range actions {
			if !strings.HasPrefix(strings.ToLower(a), "sts:") && a != "*" {
				return ErrMalformedPolicy("AssumeRole policy may only specify STS AssumeRole actions.")
			}
		}
		if !hasPrincipal && !hasNotPrincipal {
			return ErrMalformedPolicy("Syntax errors in policy.")
		}
	default:
		if hasPrincipal || hasNotPrincipal {
			return ErrMalformedPolicy("Policy document should not specify a principal.")
		}
		if !hasResource && !hasNotResource {
			return ErrMalformedPolicy("Policy statement must contain resources.")
		}
	}
	return nil
}

// stringsOf reads a string or a list of strings; ok is false when the value
// is absent or of another type.
func stringsOf(raw json.RawMessage) ([]string, bool) {
	if raw == nil {
		return nil, false
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, true
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, true
	}
	return nil, false
}
