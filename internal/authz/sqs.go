package authz

import (
	"context"
	"fmt"

	"github.com/ferrystore/ferry/internal/sqs"
	"github.com/ferrystore/ferry/policy"
)

// SQS returns the Authorizer as SQS's seam. A queue is decided like an S3
// bucket: the caller's identity policies and the queue's Policy attribute
// (a resource policy that is not required), so in the queue's account
// either may allow and from another account both must; a service principal
// (S3 delivering an event) has no identity side and needs a statement of
// the queue policy naming it, with aws:SourceArn and aws:SourceAccount in
// the context. Denials are SQS's AccessDenied.
func (a *Authorizer) SQS() sqs.Authorizer { return sqsSeam{a} }

type sqsSeam struct{ a *Authorizer }

// AuthorizeSQS implements sqs.Authorizer.
func (s sqsSeam) AuthorizeSQS(ctx context.Context, acc sqs.Access) error {
	req, err := s.request(acc)
	if err != nil {
		return err
	}
	_, err = s.a.Authorize(ctx, req)
	return err
}

// request is the authorization question for acc.
func (s sqsSeam) request(acc sqs.Access) (Request, error) {
	req := Request{Principal: acc.Principal, Action: acc.Action, Resource: acc.Resource,
		ResourceAccount: acc.Account, Keys: policy.ContextOf()}
	if acc.SourceArn != "" {
		req.Keys.Set("aws:SourceArn", acc.SourceArn)
	}
	if acc.SourceAccount != "" {
		req.Keys.Set("aws:SourceAccount", string(acc.SourceAccount))
	}
	if acc.Policy != "" {
		named, err := s.a.Parsed(acc.Policy, policy.QueuePolicy, "queue policy of "+acc.Resource)
		if err != nil {
			return req, sqs.ErrInternal(fmt.Errorf("queue policy of %s: %w", acc.Resource, err))
		}
		req.ResourcePolicy = named
	}
	return req, nil
}

// EvaluateSQS decides acc as the SQS seam would, without recording it
// (S3's destination validation asks it before storing a configuration).
func (a *Authorizer) EvaluateSQS(ctx context.Context, acc sqs.Access) (policy.Decision, error) {
	req, err := sqsSeam{a}.request(acc)
	if err != nil {
		return policy.Decision{}, err
	}
	return a.decide(ctx, req)
}

// ValidateQueuePolicy is SQS's PolicyValidator: the policy engine's
// QueuePolicy kind, answered with SQS's InvalidAttributeValue.
func ValidateQueuePolicy(doc string) error {
	if _, err := policy.Parse(doc, policy.QueuePolicy); err != nil {
		return sqs.ErrInvalidAttributeValue("Policy", "")
	}
	return nil
}
