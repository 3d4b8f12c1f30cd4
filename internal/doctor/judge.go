package doctor

import (
	"errors"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/policy"
)

// view says which sides of a decision the viewer may read: the identity
// side (the role's policies) and the resource side (bucket, key or trust
// policy); what names them for "cannot see".
// scope, when set, is the resource fix statements name instead of the
// request's (a rule's key pattern rather than one object).
type view struct {
	identity, resource bool
	what               string
	scope              string
}

func (v view) sees(s policy.Side) bool {
	if s == policy.SideResource {
		return v.resource
	}
	return v.identity
}

// judge turns a decision into the check's outcome: OK when allowed, Fail
// with the explanation and the fixes when refused on a side the viewer can
// read, Unknown when the answer depends on a document it cannot.
func (r *run) judge(c *Check, d policy.Decision, err error, v view) {
	if err != nil {
		c.Status, c.Detail = Unknown, "could not evaluate: "+err.Error()
		return
	}
	all := v.identity && v.resource
	switch d.Reason {
	case policy.Allowed:
		c.Status, c.Reason = OK, ""
		if !all {
			c.Status, c.Detail = Unknown, "cannot see all of "+v.what+": run as the operator to check this hop"
		}
		return
	case policy.ExplicitDeny:
		for _, s := range d.Deciding {
			if v.sees(s.Side) {
				c.Fixes = append(c.Fixes, Fix{Account: r.sideAccount(d, s.Side), Document: s.Policy,
					Action: "remove or narrow " + s.Ref() + " (Effect Deny): an explicit deny overrides every allow"})
			}
		}
	case policy.ImplicitDeny:
		for _, s := range d.Missing {
			if v.sees(s) {
				c.Fixes = append(c.Fixes, r.missing(d, s, v.scope))
			}
		}
	}
	if len(c.Fixes) == 0 {
		c.Status, c.Reason, c.Detail = Unknown, "", "cannot see all of "+v.what+": run as the operator to check this hop"
		return
	}
	c.Status = Fail
	if all {
		c.Detail = strings.TrimSpace(d.Explain())
	} else {
		c.Detail = "refused by what this account can see; the other account's side was not checked"
	}
}

// missing is the fix for an implicit deny on one side: the statement to
// add and the document and account it belongs to.
func (r *run) missing(d policy.Decision, s policy.Side, scope string) Fix {
	req := d.Request
	if scope != "" {
		req.Resource = scope
	}
	f := Fix{Account: r.sideAccount(d, s)}
	switch {
	case s == policy.SideResource && d.Set.Resource != nil:
		f.Document = d.Set.Resource.Name
	case s == policy.SideResource:
		f.Document = "a resource-based policy on " + req.Resource
		if bucket, ok := strings.CutPrefix(req.Resource, "arn:aws:s3:::"); ok {
			bucket, _, _ = strings.Cut(bucket, "/")
			f.Document = "the bucket policy of " + bucket + " (it has none)"
		}
	case s == policy.SideBoundary && d.Set.Boundary != nil:
		f.Document = "the permissions boundary " + d.Set.Boundary.Name
	default:
		f.Document = "a permissions policy of role " + r.roleName()
	}
	if s == policy.SideResource && strings.HasPrefix(req.Resource, "arn:aws:kms:") {
		req.Resource = "*" // a key policy's statements are about the key itself
	}
	f.Statement = policy.MissingStatement(req, s)
	return f
}

// sideAccount is the account that owns a side's document: the role's for
// identity policies and boundaries, the resource's for the resource policy.
func (r *run) sideAccount(d policy.Decision, s policy.Side) aws.AccountID {
	if s == policy.SideResource && d.Request.ResourceAccount != "" {
		return aws.AccountID(d.Request.ResourceAccount)
	}
	return roleAccount(r.roleARN)
}

func isNoSuchEntity(err error) bool { return errors.Is(err, iam.ErrNoSuchEntity) }
