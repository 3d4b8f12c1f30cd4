package policy

// Request is one authorization question: may Principal perform Action on
// Resource, given Context?
type Request struct {
	Principal Principal
	// Action is "service:Operation" (s3:GetObject); matched case-insensitively.
	Action string
	// Resource is the ARN acted on; "" for actions without a resource
	// (s3:ListAllMyBuckets), which only Resource "*" matches.
	Resource string
	// ResourceAccount owns the resource; "" means the principal's account.
	ResourceAccount string
	// Context holds the request's condition keys.
	Context Context
}

// crossAccount reports whether the resource belongs to another account.
func (r *Request) crossAccount() bool {
	return r.ResourceAccount != "" && r.Principal.Account != "" && r.ResourceAccount != r.Principal.Account
}

// Named is a policy with the name explanations use for it:
// "arn:aws:iam::111122223333:policy/ReadOnly", "inline policy p of role r",
// "bucket policy of amzn-s3-demo-bucket", "key policy of key 1234…".
type Named struct {
	Name   string
	Policy *Policy
}

// Set is every policy that applies to a request.
type Set struct {
	// Identity are the principal's identity-based policies: inline and
	// managed policies of the user (and its groups) or of the session's role.
	Identity []Named
	// Boundary is the user's or role's permissions boundary, if any.
	Boundary *Named
	// Session are the session policies passed when the session was created
	// (inline and managed); they are one layer, allowing what any of them
	// allows.
	Session []Named
	// Resource is the resource-based policy: bucket policy, key policy or
	// trust policy. nil when the resource has none.
	Resource *Named
	// ResourceRequired makes the resource-based policy necessary even in
	// the same account, as for KMS key policies and role trust policies:
	// identity policies then count only where it grants the account. It is
	// implied when Resource is a KeyPolicy or TrustPolicy; set it when the
	// resource has no policy at all but needs one.
	ResourceRequired bool
}

// Side is where a policy sits in the evaluation.
type Side uint8

// The sides.
const (
	SideIdentity Side = iota
	SideResource
	SideBoundary
	SideSession
)

var sideNames = [...]string{"identity-based policy", "resource-based policy", "permissions boundary", "session policy"}

// String is AWS's name for the policy type, as in access-denied messages.
func (s Side) String() string {
	if int(s) < len(sideNames) {
		return sideNames[s]
	}
	return "policy"
}

// StatementRef points at one statement that matched the request.
type StatementRef struct {
	Policy string // Named.Name
	Side   Side
	Sid    string
	Index  int // position in the document, from 0
	Effect Effect
	// Start and End locate the statement in the document's text.
	Start, End Position
	grant      grantKind
}

// Ref is "statement "Sid"" or "statement #n".
func (r StatementRef) Ref() string {
	if r.Sid != "" {
		return "statement \"" + r.Sid + "\""
	}
	return "statement #" + itoa(r.Index+1)
}

// PolicyResult is what one policy said about the request.
type PolicyResult struct {
	Name string
	Side Side
	Kind Kind
	// Matched are the statements that applied (Allow and Deny).
	Matched []StatementRef

	policy *Policy
}

// Reason is why a decision came out as it did.
type Reason uint8

// The reasons.
const (
	ImplicitDeny Reason = iota // nothing allowed the request
	ExplicitDeny               // a Deny statement matched
	Allowed                    // allowed
)

// Decision is the outcome of Evaluate, with what it needs to explain itself.
type Decision struct {
	Allowed bool
	Reason  Reason
	// Deciding are the statements that decided: the matching Deny
	// statements for ExplicitDeny, the Allow statements that granted for
	// Allowed, none for ImplicitDeny.
	Deciding []StatementRef
	// Evaluated lists every policy looked at, in evaluation order.
	Evaluated []PolicyResult
	// Missing are, for an implicit deny, the sides that had no Allow for
	// the request (the layers a fix must add a statement to).
	Missing []Side
	// CrossAccount is set when the resource belongs to another account.
	CrossAccount bool
	// Request is the request decided.
	Request Request
	// Set is the policy set the decision was made with.
	Set Set
	// Grant names what allowed the request when no policy did: a KMS grant
	// on the key ("grant 0123…", set by Ferry's KMS authorization, which
	// consults grants only after an implicit deny). Empty otherwise.
	Grant string

	refs []StatementRef // one backing array for Matched and Deciding
}

// Evaluate decides req against the policies in set, in AWS's order:
//
//  1. Any matching Deny in any policy (identity, boundary, session,
//     resource) is an explicit deny.
//  2. The identity side allows when an identity policy allows (the root user
//     always does) and, if present, the permissions boundary and a session
//     policy allow too. In the same account, a resource policy that names
//     the session's role ARN also counts as an identity-side grant (it is
//     limited by boundary and session policy).
//  3. A resource policy statement naming the principal directly (user ARN,
//     session ARN, "*", a service) grants on its own in the same account,
//     whatever the identity side, boundary or session policy say; one naming
//     only the account (root or account id) delegates to IAM.
//  4. Same account: allowed if the identity side or a direct resource grant
//     allows. With ResourceRequired (KMS key, trust policy) the resource
//     policy must also allow in some form.
//  5. Cross-account: allowed only if the identity side allows and the
//     resource policy allows the principal (directly, by role, or by account).
//  6. Anonymous callers and service principals have no identity side: only a
//     resource policy can allow them.
func Evaluate(req Request, set Set) Decision {
	st := evalState{req: &req}
	if r := set.Resource; r != nil && r.Policy != nil && (r.Policy.Kind == KeyPolicy || r.Policy.Kind == TrustPolicy) {
		set.ResourceRequired = true
	}
	d := Decision{Request: req, Set: set, CrossAccount: req.crossAccount()}
	n := len(set.Identity) + len(set.Session)
	if set.Boundary != nil {
		n++
	}
	if set.Resource != nil {
		n++
	}
	d.Evaluated = make([]PolicyResult, 0, n)
	d.refs = make([]StatementRef, 0, 2)

	var idAllow, boundaryAllow, sessionAllow bool
	var resGrant grantKind // best grant from the resource policy
	for _, np := range set.Identity {
		r := evalPolicy(&st, np, SideIdentity, &d)
		idAllow = idAllow || r.allow
	}
	if set.Boundary != nil {
		r := evalPolicy(&st, *set.Boundary, SideBoundary, &d)
		boundaryAllow = r.allow
	}
	for _, np := range set.Session {
		r := evalPolicy(&st, np, SideSession, &d)
		sessionAllow = sessionAllow || r.allow
	}
	if set.Resource != nil {
		r := evalPolicy(&st, *set.Resource, SideResource, &d)
		resGrant = r.grant
	}
	if len(d.Deciding) > 0 { // Deny statements were collected
		d.Reason = ExplicitDeny
		return d
	}

	p := &req.Principal
	boundaryOK := set.Boundary == nil || boundaryAllow
	sessionOK := len(set.Session) == 0 || sessionAllow
	identityGrant := p.Type == Root || idAllow
	hasIdentity := p.hasIdentityPolicies()
	if p.Type == Root {
		boundaryOK, sessionOK = true, true
	}

	var allowed bool
	switch {
	case !hasIdentity:
		allowed = resGrant == grantDirect
	case d.CrossAccount:
		allowed = identityGrant && boundaryOK && sessionOK && resGrant != grantNone
	default:
		identitySide := (identityGrant || resGrant == grantRole) && boundaryOK && sessionOK
		allowed = identitySide || resGrant == grantDirect
		if set.ResourceRequired && resGrant == grantNone {
			allowed = false
		}
	}
	if allowed {
		d.Allowed, d.Reason = true, Allowed
		d.Deciding = granting(&d, identityGrant && boundaryOK && sessionOK)
		return d
	}

	// Implicit deny: say which layers had nothing.
	switch {
	case !hasIdentity:
		d.Missing = append(d.Missing, SideResource)
	default:
		if !identityGrant && !(resGrant == grantRole && !d.CrossAccount) {
			d.Missing = append(d.Missing, SideIdentity)
		}
		if !boundaryOK {
			d.Missing = append(d.Missing, SideBoundary)
		}
		if !sessionOK {
			d.Missing = append(d.Missing, SideSession)
		}
		if resGrant == grantNone && (d.CrossAccount || set.ResourceRequired) {
			d.Missing = append(d.Missing, SideResource)
		}
	}
	return d
}

// policyOutcome is what one policy contributed.
type policyOutcome struct {
	allow bool
	grant grantKind
}

// evalPolicy evaluates every statement of np, records the result in d and
// collects matching Deny statements in d.Deciding.
func evalPolicy(st *evalState, np Named, side Side, d *Decision) policyOutcome {
	var out policyOutcome
	res := PolicyResult{Name: np.Name, Side: side}
	if np.Policy == nil {
		d.Evaluated = append(d.Evaluated, res)
		return out
	}
	res.Kind = np.Policy.Kind
	res.policy = np.Policy
	withBoundary := d.Set.Boundary != nil
	start := len(d.refs)
	for i := range np.Policy.Statements {
		s := &np.Policy.Statements[i]
		g, ok := s.applies(st, withBoundary)
		if !ok {
			continue
		}
		ref := StatementRef{Policy: np.Name, Side: side, Sid: s.Sid, Index: s.Index, Effect: s.Effect,
			Start: s.Start, End: s.End, grant: g}
		d.refs = append(d.refs, ref)
		if s.Effect == Deny {
			d.Deciding = append(d.Deciding, ref)
			continue
		}
		out.allow = true
		if g != grantNone && (out.grant == grantNone || g < out.grant) {
			out.grant = g
		}
	}
	if end := len(d.refs); end > start {
		res.Matched = d.refs[start:end:end]
	}
	d.Evaluated = append(d.Evaluated, res)
	return out
}

// applies reports whether the statement matches the request, and for
// statements with a Principal how it named the principal.
func (s *Statement) applies(st *evalState, withBoundary bool) (grantKind, bool) {
	req := st.req
	if !s.matchAction(req.Action) || !s.matchResource(req.Resource, st) {
		return grantNone, false
	}
	g := grantNone
	if s.principals != nil {
		if s.NotPrincipal != nil {
			// AWS: a Deny with NotPrincipal always applies to principals
			// that have a permissions boundary.
			if s.principals.excludes(&req.Principal) && !(s.Effect == Deny && withBoundary) {
				return grantNone, false
			}
			g = grantDirect
		} else if g = s.principals.match(&req.Principal); g == grantNone {
			return grantNone, false
		}
	}
	for i := range s.conds {
		if !s.conds[i].eval(st) {
			return grantNone, false
		}
	}
	return g, true
}

func (s *Statement) matchAction(action string) bool {
	for i := range s.actions {
		if s.actions[i].match(action, nil) {
			return s.NotAction == nil
		}
	}
	return s.NotAction != nil
}

func (s *Statement) matchResource(resource string, st *evalState) bool {
	for i := range s.resources {
		if s.resources[i].match(resource, st) {
			return s.NotResource == nil
		}
	}
	return s.NotResource != nil
}

// granting picks the Allow statements that decided an allowed request: the
// identity-side ones when the identity side allowed, else the resource
// policy's.
func granting(d *Decision, identitySide bool) []StatementRef {
	start := len(d.refs)
	for _, r := range d.Evaluated {
		if r.Side != SideResource && !identitySide {
			continue
		}
		for _, m := range r.Matched {
			if m.Effect == Allow {
				d.refs = append(d.refs, m)
			}
		}
	}
	end := len(d.refs)
	return d.refs[start:end:end]
}
