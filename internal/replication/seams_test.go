package replication

import (
	"context"
	"errors"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// TestPolicyAuthorizer: allow, explicit and implicit denials (which the
// policy engine's callers may also report as AccessDenied) are decisions;
// any other error is a fault.
func TestPolicyAuthorizer(t *testing.T) {
	answer := func(d policy.Decision, err error) PolicyAuthorizer {
		return PolicyAuthorizer{Decide: func(context.Context, aws.Principal, string, string, map[string][]string) (policy.Decision, error) {
			return d, err
		}}
	}
	req := AccessRequest{Action: ActionReplicateTags, Resource: "arn:aws:s3:::dst/k"}
	ctx := context.Background()
	if d, err := answer(policy.Decision{Allowed: true}, nil).Authorize(ctx, req); err != nil || !d.Allowed {
		t.Fatalf("allow: %+v, %v", d, err)
	}
	d, err := answer(policy.Decision{Reason: policy.ExplicitDeny}, aws.ErrAccessDenied()).Authorize(ctx, req)
	if err != nil || d.Allowed || !d.Explicit {
		t.Fatalf("explicit deny: %+v, %v", d, err)
	}
	d, err = answer(policy.Decision{}, nil).Authorize(ctx, req)
	if err != nil || d.Allowed || d.Explicit {
		t.Fatalf("implicit deny: %+v, %v", d, err)
	}
	if _, err := answer(policy.Decision{}, errors.New("store down")).Authorize(ctx, req); err == nil {
		t.Fatal("a fault became a decision")
	}
}
