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
// answering with IAM's exact MalformedPolicyDocument messages. Rules that
// need IAM's data (do the principals of a trust policy exist, size quotas
// of an entity's aggregate) stay in IAM.
type Validator struct{}

// Validate implements iam.PolicyValidator for identity policies (inline,
// managed, boundaries) and trust policies.
func (Validator) Validate(doc, kind string) error {
	k := policy.Identity
	if kind == iam.KindTrust {
		k = policy.TrustPolicy
	}
	_, err := policy.ParseOptions(doc, k, policy.Options{MaxSize: -1})
	return awsError(err)
}

// ValidateSession implements iam.PolicyValidator for STS session policies
// (AssumeRole's Policy): STS's limits and messages.
func (Validator) ValidateSession(doc, _ string) error {
	_, err := policy.Parse(doc, policy.Session)
	return awsError(err)
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
