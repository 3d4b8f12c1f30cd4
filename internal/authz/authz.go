// Package authz decides every request Ferry serves. A service (S3, IAM, STS)
// calls Authorize once per action with the principal, the action, the
// resource ARN and its owning account, the resource-based policy (bucket
// policy, trust policy) and the request's own condition keys. The
// Authorizer gathers the principal's identity policies, permissions
// boundary and session policies from IAM and STS, adds the global condition
// keys AWS defines (aws:PrincipalArn, aws:SourceIp, aws:CurrentTime, …),
// evaluates the request with the policy engine (package policy) and returns
// the Decision together with, on a denial, the calling service's AWS error.
//
// The last decisions are kept with their explanations (Recent) so that
// diagnostics can show why a request was denied; denials are also logged
// at debug level.
package authz

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/policy"
)

// Request is one authorization question.
type Request struct {
	Principal aws.Principal
	// Action is "service:Operation", e.g. "s3:GetObject".
	Action string
	// Resource is the ARN acted on; "" for actions without a resource
	// (s3:ListAllMyBuckets).
	Resource string
	// ResourceAccount owns the resource; "" means the caller's account.
	ResourceAccount aws.AccountID
	// ResourcePolicy is the resource's policy, nil when it has none. Use
	// Authorizer.Parsed to get one from a stored document.
	ResourcePolicy *policy.Named
	// ResourceRequired makes the resource policy necessary even in the
	// same account (implied for trust and key policies).
	ResourceRequired bool
	// Keys are the request's service-specific condition keys (s3:prefix,
	// sts:ExternalId, aws:SourceArn for a service caller, …). Authorize
	// adds the global keys to it and keeps it with the decision: build a
	// new one for every call.
	Keys policy.Context
}

// Source is how one gets at the identity data authz needs. *iam.Service
// and *sts.Service provide it (see New); tests may supply their own.
type Source interface {
	// Policies returns the identity policies and boundary of a user or of
	// the role behind a session.
	Policies(p aws.Principal) (iam.PrincipalPolicies, error)
	// Tags returns the tags of the user or role behind p.
	Tags(p aws.Principal) (map[string]string, error)
	// Session returns the STS session behind temporary credentials, or
	// nil when p signed with long-term credentials.
	Session(p aws.Principal) (*sts.Session, error)
	// ManagedPolicy returns a managed policy's default version by ARN.
	ManagedPolicy(arn string) (iam.PolicyDocument, error)
	// Generation changes whenever identity data may have changed (an IAM
	// write); what was gathered at one generation is reused until then.
	Generation() uint64
}

// Config builds an Authorizer.
type Config struct {
	// Source supplies identity policies, tags and sessions. nil means no
	// principal has identity policies: only root users and resource
	// policies allow anything (unit tests of a single service).
	Source Source
	Clock  aws.Clock
	Logger *slog.Logger
	// Keep is how many recent decisions Recent returns (default 256).
	Keep int
}

// Authorizer decides requests. It is safe for concurrent use.
type Authorizer struct {
	src        Source
	clock      aws.Clock
	log        *slog.Logger
	parsed     parseCache
	identities identityCache
	recent     ring
}

// New returns an Authorizer.
func New(c Config) *Authorizer {
	if c.Clock == nil {
		c.Clock = aws.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Keep <= 0 {
		c.Keep = 256
	}
	a := &Authorizer{src: c.Source, clock: c.Clock, log: c.Logger}
	a.parsed.init(1024)
	a.identities.init(4096)
	a.recent.init(c.Keep)
	return a
}

// Authorize decides req. It returns the decision and, when the request is
// denied, the AWS error the calling service sends (the service is the
// action's prefix: S3's "Access Denied" or its detailed form, IAM's and
// STS's "User: … is not authorized to perform: …"). A failure to gather
// the principal's policies is an InternalError.
func (a *Authorizer) Authorize(ctx context.Context, req Request) (policy.Decision, error) {
	d, err := a.decide(ctx, req)
	if err != nil {
		return d, err
	}
	return a.conclude(ctx, req, d)
}

// decide evaluates req without recording the decision.
func (a *Authorizer) decide(ctx context.Context, req Request) (policy.Decision, error) {
	preq, set, err := a.build(ctx, req)
	if err != nil {
		return policy.Decision{}, aws.Internal(fmt.Errorf("authz: %s for %s: %w", req.Action, req.Principal.ARN, err))
	}
	return policy.Evaluate(preq, set), nil
}

// conclude records a decision and returns the service's error for a denial.
func (a *Authorizer) conclude(ctx context.Context, req Request, d policy.Decision) (policy.Decision, error) {
	a.record(ctx, d)
	if d.Allowed {
		return d, nil
	}
	return d, deniedError(req, d)
}

// Allowed is Authorize for questions whose denial is not an error of its
// own, such as "may the caller list the bucket?" to choose between
// NoSuchKey and AccessDenied. It records the decision like Authorize.
func (a *Authorizer) Allowed(ctx context.Context, req Request) bool {
	d, err := a.Authorize(ctx, req)
	return err == nil && d.Allowed
}

// build turns req into the policy engine's request and policy set.
func (a *Authorizer) build(ctx context.Context, req Request) (policy.Request, policy.Set, error) {
	info := InfoFrom(ctx)
	p, id, err := a.principal(req.Principal)
	if err != nil {
		return policy.Request{}, policy.Set{}, err
	}
	set := id.set
	set.Resource = req.ResourcePolicy
	set.ResourceRequired = req.ResourceRequired
	account := req.ResourceAccount
	if account == "" {
		account = req.Principal.Account
	}
	preq := policy.Request{Principal: p, Action: req.Action, Resource: req.Resource,
		ResourceAccount: string(account), Context: a.context(req, info, id.sess)}
	return preq, set, nil
}

// record keeps the decision and logs denials with their explanation.
func (a *Authorizer) record(ctx context.Context, d policy.Decision) {
	a.recent.add(Entry{Time: a.clock.Now().UTC(), RequestID: InfoFrom(ctx).RequestID, Decision: d})
	if !d.Allowed && a.log.Enabled(ctx, slog.LevelDebug) {
		a.log.DebugContext(ctx, "access denied", "principal", d.Request.Principal.Display(), "action", d.Request.Action,
			"resource", d.Request.Resource, "explanation", strings.TrimSpace(d.Explain()))
	}
}
