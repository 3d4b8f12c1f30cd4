package authz

import (
	"context"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/policy"
)

// This file answers "what would happen if…" questions for diagnostics: the
// same decisions as Authorize, the KMS seam and the trust seam take, but
// not recorded among the recent decisions and never turned into errors, so
// that a pre-flight check changes nothing and leaves the log of real
// requests alone.

// Evaluate decides req as Authorize would, without recording it.
func (a *Authorizer) Evaluate(ctx context.Context, req Request) (policy.Decision, error) {
	return a.decide(ctx, req)
}

// EvaluateKMS decides a KMS action on key k as the KMS seam would for a
// call made through via ("" for a direct call; "s3.REGION.amazonaws.com"
// when S3 calls KMS for the principal), without recording it. Facts
// attached to ctx (kms.WithFacts) supply the call's encryption context and
// the key's grants.
func (a *Authorizer) EvaluateKMS(ctx context.Context, p aws.Principal, action string, k *kms.Key, via string) (policy.Decision, error) {
	if via != "" {
		ctx = kms.WithViaService(ctx, via)
	}
	_, d, err := kmsSeam{a}.evaluate(ctx, p, action, k)
	return d, err
}

// EvaluateTrust decides whether caller may perform action (sts:AssumeRole)
// on role under its trust policy, with the request's condition keys, as
// the trust seam would, without recording it. A role without a readable
// trust policy lets nobody in: the decision is an implicit deny with the
// role's required (absent) resource policy.
func (a *Authorizer) EvaluateTrust(ctx context.Context, caller aws.Principal, role *iam.Role, action string, keys map[string][]string) (policy.Decision, error) {
	req, err := a.trustRequest(caller, role, action, keys)
	if err != nil {
		return policy.Decision{}, err
	}
	return a.decide(ctx, req)
}
