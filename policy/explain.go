package policy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Explain describes the decision for people: the verdict, every policy that
// was evaluated and what it said, and for a denial which statement denied or
// which side had nothing allowing the request.
func (d Decision) Explain() string {
	var b strings.Builder
	req := &d.Request
	verdict := map[Reason]string{Allowed: "ALLOW", ExplicitDeny: "DENY (explicit)", ImplicitDeny: "DENY (implicit)"}[d.Reason]
	fmt.Fprintf(&b, "%s %s on %s for %s", verdict, req.Action, resourceText(req.Resource), req.Principal.Display())
	switch {
	case d.CrossAccount:
		fmt.Fprintf(&b, " (cross-account: principal in %s, resource in %s)", accountText(req.Principal.Account), req.ResourceAccount)
	case req.Principal.hasIdentityPolicies():
		fmt.Fprintf(&b, " (same account %s)", req.Principal.Account)
	}
	b.WriteString("\nevaluated:\n")
	if len(d.Evaluated) == 0 {
		b.WriteString("  (no policies)\n")
	}
	for _, r := range d.Evaluated {
		fmt.Fprintf(&b, "  %-21s %s: ", r.Side, r.Name)
		if len(r.Matched) == 0 {
			b.WriteString("no statement matches\n")
			for _, m := range d.nearMisses(r.policy) {
				b.WriteString("    " + m + "\n")
			}
			continue
		}
		parts := make([]string, len(r.Matched))
		for i, m := range r.Matched {
			verb := "allows"
			if m.Effect == Deny {
				verb = "denies"
			}
			parts[i] = m.Ref() + " " + verb
			if m.grant == grantAccount && m.Effect == Allow {
				parts[i] += " (grants the account: defers to its IAM policies)"
			}
			if m.grant == grantRole && m.Effect == Allow {
				parts[i] += " (names the role: limited like an identity policy)"
			}
		}
		b.WriteString(strings.Join(parts, "; ") + "\n")
	}
	b.WriteString("why: " + d.why() + "\n")
	return b.String()
}

// nearMisses describes the statements of p that match the request's action,
// resource and principal but whose conditions are not met: usually what a
// person debugging a denial is looking for.
func (d Decision) nearMisses(p *Policy) []string {
	if p == nil || d.Reason != ImplicitDeny {
		return nil
	}
	req := d.Request
	st := &evalState{req: &req}
	var out []string
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Effect != Allow || !s.matchAction(req.Action) || !s.matchResource(req.Resource, st) {
			continue
		}
		if s.principals != nil && s.NotPrincipal == nil && s.principals.match(&req.Principal) == grantNone {
			out = append(out, fmt.Sprintf("%s allows %s but names other principals (%s)", s.Ref(), req.Action, principalsText(s.Principal)))
			continue
		}
		for j := range s.conds {
			c := &s.conds[j]
			if c.eval(st) {
				continue
			}
			have := "the request has no " + c.Key
			if v := st.values(c.lkey); v.len() > 0 {
				vals := make([]string, v.len())
				for k := range vals {
					vals[k] = v.at(k)
				}
				have = fmt.Sprintf("the request has %s = %q", c.Key, vals)
			}
			out = append(out, fmt.Sprintf("%s would allow, but its condition %s %s %q is not met: %s", s.Ref(), c.Operator, c.Key, c.Values, have))
			break
		}
	}
	return out
}

// principalsText renders a Principal element compactly.
func principalsText(p Principals) string {
	b, _ := json.Marshal(p.jsonValue())
	return string(b)
}

// why is the one-sentence reason.
func (d Decision) why() string {
	req := &d.Request
	switch d.Reason {
	case ExplicitDeny:
		ds := make([]string, len(d.Deciding))
		for i, r := range d.Deciding {
			ds[i] = fmt.Sprintf("%s of %s %s", r.Ref(), r.Side, r.Policy)
		}
		return "explicitly denied by " + strings.Join(ds, ", ") + "; an explicit deny overrides every allow."
	case Allowed:
		if d.Grant != "" {
			return "allowed by " + d.Grant + ": no policy allows " + req.Action + ", but the grant does (an explicit deny would still win)."
		}
		ds := make([]string, len(d.Deciding))
		for i, r := range d.Deciding {
			ds[i] = fmt.Sprintf("%s of %s", r.Ref(), r.Policy)
		}
		return "allowed by " + strings.Join(ds, ", ") + "."
	}
	res := "the resource-based policy"
	if d.Set.Resource != nil {
		res = "the " + d.Set.Resource.Name
	}
	var missing []string
	for _, s := range d.Missing {
		switch s {
		case SideIdentity:
			missing = append(missing, "no identity-based policy allows "+req.Action)
		case SideBoundary:
			missing = append(missing, "the permissions boundary does not allow "+req.Action+" (a boundary limits identity-based grants)")
		case SideSession:
			missing = append(missing, "no session policy allows "+req.Action+" (session policies limit the role's grants)")
		case SideResource:
			if d.Set.Resource == nil {
				missing = append(missing, "there is no resource-based policy")
			} else {
				missing = append(missing, res+" has no statement allowing "+req.Action+" for "+req.Principal.Display())
			}
		}
	}
	prefix := "no policy allows the request"
	switch {
	case d.CrossAccount && len(d.Missing) == 1 && d.Missing[0] == SideResource:
		prefix = "cross-account: the identity policies allow but " + res + " does not"
	case d.CrossAccount:
		prefix = "cross-account: both the identity side and " + res + " must allow"
	case d.Set.ResourceRequired && len(d.Missing) == 1 && d.Missing[0] == SideResource:
		prefix = res + " is required even in the same account and does not allow the request"
	case d.Set.ResourceRequired:
		prefix = res + " is required and, where it grants the account, identity policies must allow too"
	case !req.Principal.hasIdentityPolicies():
		prefix = req.Principal.Display() + " has no identity policies, so only a resource-based policy can allow it"
	}
	if len(missing) == 0 {
		return prefix + "."
	}
	return prefix + ": " + strings.Join(missing, "; ") + "."
}

// DenialReason is the tail AWS appends to "User: … is not authorized to
// perform: …" for a denied decision: "because no identity-based policy allows
// the s3:GetObject action" or "with an explicit deny in a resource-based
// policy" (for a trust policy: "… no role trust policy …", "… in the role
// trust policy"). It is "" for an allowed decision.
func (d Decision) DenialReason() string {
	switch d.Reason {
	case ExplicitDeny:
		side := d.Deciding[0].Side
		switch {
		case d.trust() && side == SideResource:
			return "with an explicit deny in the role trust policy"
		case side == SideIdentity:
			return "with an explicit deny in an identity-based policy"
		}
		return "with an explicit deny in a " + side.String()
	case ImplicitDeny:
		side := SideIdentity
		if len(d.Missing) > 0 {
			side = d.Missing[0]
			// AWS names the resource policy when it is the one missing
			// across accounts or for keys and roles.
			for _, m := range d.Missing {
				if m == SideResource && (d.CrossAccount || d.Set.ResourceRequired) {
					side = m
				}
			}
		}
		name := side.String()
		if side == SideResource && d.trust() {
			name = "role trust policy"
		}
		return fmt.Sprintf("because no %s allows the %s action", name, d.Request.Action)
	}
	return ""
}

// trust reports whether the resource policy is a role trust policy.
func (d Decision) trust() bool {
	r := d.Set.Resource
	return r != nil && r.Policy != nil && r.Policy.Kind == TrustPolicy
}

// AccessDeniedMessage is AWS's enhanced access-denied message for a denied
// decision: `User: ARN is not authorized to perform: ACTION on resource:
// "ARN" because …` (S3 quotes the resource; pass quote=false for KMS).
func (d Decision) AccessDeniedMessage(quote bool) string {
	req := &d.Request
	res := ""
	if req.Resource != "" {
		r := req.Resource
		if quote {
			r = `"` + r + `"`
		}
		res = " on resource: " + r
	}
	return fmt.Sprintf("User: %s is not authorized to perform: %s%s %s", req.Principal.Display(), req.Action, res, d.DenialReason())
}

// MissingStatements returns, for an implicit deny, one ready-to-apply
// statement per side that lacked an Allow, labelled with where it goes.
// It returns nil for allowed and explicitly denied decisions (removing a
// Deny is a decision for people).
func (d Decision) MissingStatements() []string {
	if d.Reason != ImplicitDeny {
		return nil
	}
	out := make([]string, 0, len(d.Missing))
	for _, s := range d.Missing {
		var where string
		switch {
		case s == SideResource && d.Set.Resource != nil:
			where = "the " + d.Set.Resource.Name
		case s == SideResource:
			where = "a resource-based policy on " + resourceText(d.Request.Resource)
		case s == SideBoundary && d.Set.Boundary != nil:
			where = "the permissions boundary " + d.Set.Boundary.Name
		case s == SideSession:
			where = "a session policy (passed when the session is created)"
		default:
			where = "an identity-based policy of " + d.Request.Principal.policyHolder()
		}
		out = append(out, fmt.Sprintf("add to %s:\n%s", where, MissingStatement(d.Request, s)))
	}
	return out
}

// MissingStatement returns a minimal statement (indented JSON) that would
// allow req on the given side: Effect Allow, the action, the resource, and
// for the resource side the principal (the role ARN for a role session, so
// the grant survives new sessions). A role's resource-based policy is its
// trust policy, whose statements name no Resource.
func MissingStatement(req Request, side Side) string {
	type stmt struct {
		Sid       string `json:"Sid"`
		Effect    Effect `json:"Effect"`
		Principal any    `json:"Principal,omitempty"`
		Action    string `json:"Action"`
		Resource  string `json:"Resource,omitempty"`
	}
	s := stmt{Sid: sidFor(req.Action), Effect: Allow, Action: req.Action, Resource: req.Resource}
	switch {
	case side == SideResource && isRoleARN(req.Resource):
		s.Resource = ""
	case s.Resource == "":
		s.Resource = "*"
	}
	if side == SideResource {
		s.Principal = principalFor(&req.Principal)
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	return string(b)
}

// principalFor is the Principal element naming p in a resource policy.
func principalFor(p *Principal) any {
	switch p.Type {
	case Anonymous, "":
		return "*"
	case Service:
		return map[string]string{"Service": p.Service}
	case WebIdentity:
		return map[string]string{"Federated": p.Federated}
	case AssumedRole:
		if p.RoleARN != "" {
			return map[string]string{"AWS": p.RoleARN}
		}
	case Root:
		return map[string]string{"AWS": "arn:aws:iam::" + p.Account + ":root"}
	}
	return map[string]string{"AWS": p.ARN}
}

// sidFor derives an IAM-valid Sid from the action: "Allows3GetObject".
func sidFor(action string) string {
	var b strings.Builder
	b.WriteString("Allow")
	for _, r := range action {
		if r < 128 && alnum(string(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func resourceText(r string) string {
	if r == "" {
		return "(no resource)"
	}
	return r
}

func accountText(a string) string {
	if a == "" {
		return "no account"
	}
	return a
}

// isRoleARN reports whether arn names an IAM role.
func isRoleARN(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:iam::") && strings.Contains(arn, ":role/")
}
