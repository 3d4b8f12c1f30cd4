// Package sqs is Ferry's Amazon SQS: standard queues per account and
// region, kept in the metadata store, with messages that are committed
// (synced) before SendMessage answers. Every call is decided by the
// Authorizer the world installs (identity policies of the caller and the
// queue's Policy attribute, as AWS decides SQS requests); the wire protocol
// is in internal/sqsapi.
//
// Records, table 'q':
//
//	'q' 'q' account region name → Queue   (JSON)
//	'q' 'm' queueID seq         → Message (JSON; oldest first)
//	'q' 'd' account region name → when the name was last deleted
//
// A queue's messages are keyed by the queue's id, which a new queue of the
// same name does not share, so deleting a queue drops its messages with
// one range deletion.
package sqs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// table is SQS's table byte in the metadata store.
const table = 'q'

// Actions SQS authorizes (IAM action names).
const (
	ActionCreateQueue             = "sqs:CreateQueue"
	ActionDeleteQueue             = "sqs:DeleteQueue"
	ActionGetQueueURL             = "sqs:GetQueueUrl"
	ActionListQueues              = "sqs:ListQueues"
	ActionGetQueueAttributes      = "sqs:GetQueueAttributes"
	ActionSetQueueAttributes      = "sqs:SetQueueAttributes"
	ActionSendMessage             = "sqs:SendMessage"
	ActionReceiveMessage          = "sqs:ReceiveMessage"
	ActionDeleteMessage           = "sqs:DeleteMessage"
	ActionChangeMessageVisibility = "sqs:ChangeMessageVisibility"
	ActionPurgeQueue              = "sqs:PurgeQueue"
	ActionTagQueue                = "sqs:TagQueue"
	ActionUntagQueue              = "sqs:UntagQueue"
	ActionListQueueTags           = "sqs:ListQueueTags"
)

// Access is one authorization question: may Principal perform Action on
// the queue (Queue nil for CreateQueue and ListQueues, where Resource
// names what is asked about)?
type Access struct {
	Principal aws.Principal
	Action    string
	// Resource is the queue ARN (or, for ListQueues, the region's ARN
	// prefix with "*"); Account owns it.
	Resource string
	Account  aws.AccountID
	// Policy is the queue's Policy attribute, "" when it has none.
	Policy string
	// SourceArn and SourceAccount are aws:SourceArn and aws:SourceAccount
	// when an AWS service (S3 delivering an event) calls.
	SourceArn     string
	SourceAccount aws.AccountID
}

// Authorizer decides SQS requests; internal/authz provides it. A denial
// is returned as the error to send (ErrAccessDenied).
type Authorizer interface {
	AuthorizeSQS(ctx context.Context, a Access) error
}

// OwnerOnly is the Authorizer of a bare service (unit tests): principals
// of the queue's account may do anything, others nothing.
type OwnerOnly struct{}

// AuthorizeSQS implements Authorizer.
func (OwnerOnly) AuthorizeSQS(_ context.Context, a Access) error {
	if a.Principal.Account != "" && a.Principal.Account == a.Account {
		return nil
	}
	return ErrAccessDenied("User: " + a.Principal.ARN + " is not authorized to perform: " + a.Action +
		" on resource: " + a.Resource)
}

// PolicyValidator checks a Policy attribute, returning SQS's error for a
// document it refuses (internal/authz: the policy engine's QueuePolicy).
type PolicyValidator func(doc string) error

// Config builds a Service.
type Config struct {
	Store meta.Store
	Clock aws.Clock
	// Authorizer decides every call (nil: OwnerOnly).
	Authorizer Authorizer
	// ValidatePolicy checks Policy attributes (nil: any JSON object).
	ValidatePolicy PolicyValidator
	Logger         *slog.Logger
	// PollInterval is how often a long poll looks again for messages that
	// became visible by the clock (default 100 ms); a send wakes it at once.
	PollInterval time.Duration
}

// Service is Ferry's SQS. It is safe for concurrent use.
type Service struct {
	cfg  Config
	auth Authorizer
	seq  atomic.Uint64
	// mu serialises changes to queue records and to messages' receive
	// state (receive, delete, visibility, purge), so two receivers never
	// take the same message.
	mu sync.Mutex
	// life is held shared by sends, from their read of the queue to their
	// commit, and exclusively by DeleteQueue, so no message is written
	// under the id of a queue being deleted.
	life sync.RWMutex
	// wake is closed, and replaced, whenever a message is sent.
	wakeMu sync.Mutex
	wake   chan struct{}
}

// New returns the service over cfg.Store.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = aws.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	s := &Service{cfg: cfg, auth: cfg.Authorizer, wake: make(chan struct{})}
	if s.auth == nil {
		s.auth = OwnerOnly{}
	}
	// Sequence numbers only order a queue's messages: seeded from the
	// wall clock, they keep growing across restarts.
	s.seq.Store(uint64(time.Now().UnixNano()))
	return s
}

// SetAuthorizer installs the Authorizer (the world's authz seam).
func (s *Service) SetAuthorizer(a Authorizer) { s.auth = a }

// SetPolicyValidator installs the Policy attribute validator.
func (s *Service) SetPolicyValidator(v PolicyValidator) { s.cfg.ValidatePolicy = v }

func (s *Service) now() time.Time { return s.cfg.Clock.Now() }

// signal wakes every long poll.
func (s *Service) signal() {
	s.wakeMu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.wakeMu.Unlock()
}

// waiter returns the channel the next signal closes.
func (s *Service) waiter() <-chan struct{} {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	return s.wake
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newMessageID is a UUID, as SQS's message ids are.
func newMessageID() string { return aws.NewUUID() }
