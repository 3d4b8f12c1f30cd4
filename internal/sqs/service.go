package sqs

import (
	"context"

	"github.com/ferrystore/ferry/internal/aws"
)

// ServiceSend is a message an AWS service sends on behalf of a resource:
// S3 delivering an event notification for a bucket.
type ServiceSend struct {
	// Queue is the destination queue's ARN.
	Queue string
	// Service is the service principal ("s3.amazonaws.com").
	Service string
	// SourceArn and SourceAccount are the resource the message is about
	// and its owner: aws:SourceArn and aws:SourceAccount in the queue
	// policy's conditions.
	SourceArn     string
	SourceAccount aws.AccountID
	Body          string
}

// ServicePrincipal is the principal of an AWS service calling SQS.
func ServicePrincipal(service string) aws.Principal {
	return aws.Principal{Type: aws.PrincipalService, ARN: service, UserID: service}
}

// ServiceSendAccess is the question SendAsService asks: may the service
// send to q a message about sourceArn, owned by sourceAccount?
func ServiceSendAccess(q *Queue, service, sourceArn string, sourceAccount aws.AccountID) Access {
	return Access{Principal: ServicePrincipal(service), Action: ActionSendMessage, Resource: q.ARN(), Account: q.Account,
		Policy: q.Attributes["Policy"], SourceArn: sourceArn, SourceAccount: sourceAccount}
}

// SendAsService sends a message as an AWS service principal. The queue's
// policy decides, as it does in AWS: a service principal has no identity
// policies, so only a statement naming the service allows it. It returns
// ErrQueueDoesNotExist for a missing queue and the denial otherwise.
func (s *Service) SendAsService(ctx context.Context, m ServiceSend) (Sent, error) {
	r, ok := ParseARN(m.Queue)
	if !ok {
		return Sent{}, ErrQueueDoesNotExist()
	}
	s.life.RLock()
	defer s.life.RUnlock()
	q, err := s.load(r)
	if err != nil {
		return Sent{}, ErrInternal(err)
	}
	if q == nil {
		return Sent{}, ErrQueueDoesNotExist()
	}
	if err := s.auth.AuthorizeSQS(ctx, ServiceSendAccess(q, m.Service, m.SourceArn, m.SourceAccount)); err != nil {
		return Sent{}, err
	}
	// [Inf] the SenderId SQS shows for a service is not published.
	out, errs, err := s.enqueue(q, m.Service, []Send{{Body: m.Body}})
	if err != nil {
		return Sent{}, err
	}
	if errs[0] != nil {
		return Sent{}, errs[0]
	}
	return out[0], nil
}
