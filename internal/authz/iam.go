package authz

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/policy"
)

// IAM returns the Authorizer as IAM's authorization seam: every IAM call is
// an identity-policy decision on an IAM resource ARN. IAM resources have no
// resource policies, so another account's principals are always denied;
// AWS managed policies (account "aws") are treated as the caller's own, as
// every account may read and attach them.
func (a *Authorizer) IAM() iam.Authorizer { return iamSeam{a} }

type iamSeam struct{ a *Authorizer }

// Authorize implements iam.Authorizer.
func (s iamSeam) Authorize(ctx context.Context, p aws.Principal, action, resourceARN string, keys map[string][]string) error {
	account := arnAccount(resourceARN)
	if account == "aws" || account == "" {
		account = p.Account
	}
	_, err := s.a.Authorize(ctx, Request{Principal: p, Action: action, Resource: resourceARN,
		ResourceAccount: account, Keys: contextOf(keys)})
	return err
}

// Validator checks policy documents for IAM and STS with the policy engine,
// answering with IAM's exact MalformedPolicyDocument messages. IAM, when
// set, lets it reject trust policies naming users or roles that do not exist
// in an account Ferry hosts ("Invalid principal in policy"), as IAM does.
type Validator struct {
	IAM *iam.Service
}

// Validate implements iam.PolicyValidator for identity policies (inline,
// managed, boundaries) and trust policies. Size quotas are left to IAM,
// which knows the entity's aggregate.
func (v *Validator) Validate(doc, kind string) error {
	opt := policy.Options{MaxSize: -1}
	k := policy.Identity
	if kind == iam.KindTrust {
		k = policy.TrustPolicy
		opt.PrincipalExists = v.principalExists
	}
	_, err := policy.ParseOptions(doc, k, opt)
	return awsError(err)
}

// ValidateSession implements iam.PolicyValidator for STS session policies
// (AssumeRole's Policy): STS's limits and messages.
func (v *Validator) ValidateSession(doc, _ string) error {
	_, err := policy.Parse(doc, policy.Session)
	return awsError(err)
}

// principalExists reports whether a user or role ARN names an existing
// entity; principals of accounts Ferry does not host are taken as given.
func (v *Validator) principalExists(arn string) bool {
	if v.IAM == nil {
		return true
	}
	account := arnAccount(arn)
	if _, err := v.IAM.Account(account); err != nil {
		return true
	}
	res := arnResource(arn)
	switch {
	case strings.HasPrefix(res, "user/"):
		_, err := v.IAM.UserByARN(arn)
		return !errors.Is(err, iam.ErrNoSuchEntity)
	case strings.HasPrefix(res, "role/"):
		_, err := v.IAM.RoleByARN(arn)
		return !errors.Is(err, iam.ErrNoSuchEntity)
	}
	return true
}

// awsError turns the policy engine's validation error into the AWS error
// the service sends.
func awsError(err error) error {
	if err == nil {
		return nil
	}
	var pe *policy.Error
	if !errors.As(err, &pe) {
		return aws.Internal(err)
	}
	status := http.StatusBadRequest
	if pe.Code == policy.CodeLimitExceeded {
		status = http.StatusConflict
	}
	return aws.New(pe.Code, status, pe.Message)
}

// contextOf converts a service's key map to a policy context.
func contextOf(keys map[string][]string) policy.Context {
	var c policy.Context
	for k, v := range keys {
		c.Set(k, v...)
	}
	return c
}

// arnAccount is the account field of an ARN ("" when absent).
func arnAccount(arn string) aws.AccountID {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return aws.AccountID(parts[4])
}

func arnResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[5]
}
