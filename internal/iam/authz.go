package iam

import (
	"context"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Authorizer decides whether a principal may perform an IAM action on a
// resource. Every IAM operation calls it exactly once, before touching
// anything, with the action ("iam:CreateRole"), the ARN of the resource
// (for list actions a path prefix such as arn:aws:iam::ACCT:user/) and the
// request's condition keys. It returns nil to allow, or the error to send
// (normally ErrAccessDenied). internal/authz provides the real one (the
// composition root wires it); OwnerOnly is the default of a bare Service.
type Authorizer interface {
	Authorize(ctx context.Context, p aws.Principal, action, resourceARN string, context map[string][]string) error
}

// OwnerOnly allows the principals of the account that owns the resource
// (and every account's principals on AWS managed policies, which IAM only
// lets them read and attach, and on "*", the resource of actions about no
// entity such as iam:SimulateCustomPolicy) and denies everyone else: the
// default of a Service built without an Authorizer, as in this package's
// unit tests.
type OwnerOnly struct{}

// Authorize implements Authorizer.
func (OwnerOnly) Authorize(_ context.Context, p aws.Principal, action, resourceARN string, _ map[string][]string) error {
	owner := arnAccount(resourceARN)
	if !p.IsAnonymous() && p.Account != "" && (p.Account == owner || owner == "aws" || resourceARN == "*") {
		return nil
	}
	return ErrAccessDenied(p, action, resourceARN)
}

// ErrAccessDenied is IAM's AccessDenied: "User: ARN is not authorized to
// perform: iam:X on resource: R because no identity-based policy allows the
// iam:X action", where R names users and roles as "user NAME" and "role NAME"
// and other resources by ARN.
func ErrAccessDenied(p aws.Principal, action, resourceARN string) *aws.Error {
	return ErrAccessDeniedBecause(p, action, resourceARN, "because no identity-based policy allows the "+action+" action")
}

// ErrAccessDeniedBecause is IAM's AccessDenied with the policy engine's
// reason ("because no identity-based policy allows the iam:X action",
// "with an explicit deny in an identity-based policy", …).
func ErrAccessDeniedBecause(p aws.Principal, action, resourceARN, reason string) *aws.Error {
	caller := p.ARN
	if caller == "" {
		caller = "anonymous"
	}
	return aws.New("AccessDenied", http.StatusForbidden, "User: "+caller+" is not authorized to perform: "+action+
		" on resource: "+describeResource(resourceARN)+" "+reason)
}

// describeResource writes a user or role ARN as "user NAME"/"role NAME" (as
// AWS's IAM messages do) and anything else as the ARN itself.
func describeResource(arn string) string {
	_, rest, ok := strings.Cut(arn, ":iam::")
	if !ok {
		return arn
	}
	_, res, _ := strings.Cut(rest, ":")
	for _, kind := range []string{"user", "role"} {
		if p, ok := strings.CutPrefix(res, kind+"/"); ok && p != "" && !strings.HasSuffix(p, "/") {
			return kind + " " + p[strings.LastIndex(p, "/")+1:]
		}
	}
	return arn
}

// arnAccount returns the account field of an ARN ("" when absent).
func arnAccount(arn string) aws.AccountID {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return aws.AccountID(parts[4])
}
