package iam

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// checkTrustPrincipals rejects a trust policy naming a user or role of an
// account hosted here that does not exist, as IAM does when it resolves the
// principals of a policy ("Invalid principal in policy"). Accounts (ids and
// root ARNs), services and principals of accounts Ferry does not host are
// accepted as they are.
func (s *Service) checkTrustPrincipals(doc string) error {
	var p struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &p) != nil {
		return nil // the validator has already judged the syntax
	}
	stmts, err := statements(p.Statement)
	if err != nil {
		return nil
	}
	for _, st := range stmts {
		var principal map[string]json.RawMessage
		if json.Unmarshal(st["Principal"], &principal) != nil {
			continue
		}
		arns, _ := stringsOf(principal["AWS"])
		for _, arn := range arns {
			exists, err := s.principalExists(arn)
			if err != nil {
				return err
			}
			if !exists {
				return ErrMalformedPolicy(`Invalid principal in policy: "AWS":"` + arn + `"`)
			}
		}
	}
	return nil
}

// PrincipalExists reports whether an AWS principal ARN of a resource-based
// policy can be resolved: a user or role of an account hosted here must
// exist; accounts, other principals and other accounts' principals are
// taken as given. A storage failure counts as existing (the policy is
// then judged on its form alone).
func (s *Service) PrincipalExists(arn string) bool {
	ok, err := s.principalExists(arn)
	return ok || err != nil
}

// principalExists reports whether a user or role ARN names an existing
// entity; anything else counts as existing.
func (s *Service) principalExists(arn string) (bool, error) {
	account := arnAccount(arn)
	res := arnResource(arn)
	kind, _, _ := strings.Cut(res, "/")
	if !strings.HasPrefix(arn, "arn:aws:iam::") || (kind != "user" && kind != "role") {
		return true, nil
	}
	if _, err := s.Account(account); errors.Is(err, ErrNoSuchAccount) {
		return true, nil
	} else if err != nil {
		return false, aws.Internal(err)
	}
	if kind == "user" {
		_, err := s.UserByARN(arn)
		return err == nil, ignoreNotFound(err)
	}
	_, err := s.RoleByARN(arn)
	return err == nil, ignoreNotFound(err)
}

func ignoreNotFound(err error) error {
	if err == nil || errors.Is(err, ErrNoSuchEntity) {
		return nil
	}
	return err
}
