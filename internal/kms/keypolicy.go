package kms

import (
	"context"
	"errors"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// Key policies are checked as KMS checks them when CreateKey or
// PutKeyPolicy is given one: the grammar and size of a key policy, every
// AWS principal it names must exist, and — unless the caller sets
// BypassPolicyLockoutSafetyCheck — the new policy must still let the
// caller change it (kms:PutKeyPolicy), so that nobody locks a key away by
// accident.

// errLockout is KMS's answer to a policy that would lock the caller out.
func errLockout() *aws.Error {
	return aws.New("MalformedPolicyDocumentException", 400, "The new key policy will not allow you to update the key policy in the future.")
}

// SetPrincipalExists lets key policies be refused when they name a user or
// role that does not exist (the world builds KMS before IAM). nil takes
// every principal as given.
func (s *Service) SetPrincipalExists(f func(arn string) bool) { s.principalExists = f }

// checkPolicy validates doc as the new policy of k, which p is creating or
// changing.
func (s *Service) checkPolicy(ctx context.Context, p aws.Principal, k *Key, doc string, bypassLockout bool) error {
	_, err := policy.ParseOptions(doc, policy.KeyPolicy, policy.Options{PrincipalExists: s.principalExists})
	var pe *policy.Error
	switch {
	case errors.As(err, &pe):
		return aws.New(pe.Code, 400, pe.Message)
	case err != nil:
		return aws.ErrKMSInternal(err)
	case bypassLockout:
		return nil
	}
	probe := *k
	probe.Policy = doc
	err = s.authorize(ctx, p, ActionPutKeyPolicy, &probe)
	if aws.IsCode(err, "AccessDeniedException") {
		return errLockout()
	}
	return err
}
