package policy

import "strings"

// Whether a resource policy is "public" is S3's judgement ("The meaning of
// public" in the Amazon S3 User Guide), which S3 Block Public Access and
// GetBucketPolicyStatus rely on. S3 starts from "public" and looks for a
// reason to think otherwise: a policy is non-public when every Allow
// statement grants only to fixed values — a named AWS principal, user,
// role or service, or, for a statement open to everyone, a condition that
// pins one of a few keys (where the request comes from, which
// organization, which access point, …) to values without wildcards or
// policy variables. An aws:SourceIp range counts only when it is no wider
// than /8 for IPv4 and /32 for IPv6. Deny statements never make a policy
// public.

// Public reports whether the policy grants public access: whether any of
// its Allow statements is public.
func (p *Policy) Public() bool {
	for i := range p.Statements {
		if p.Statements[i].Public() {
			return true
		}
	}
	return false
}

// Public reports whether the statement grants public access: an Allow
// statement for everyone (Principal "*", {"AWS": "*"} or a NotPrincipal)
// that no condition narrows to fixed values of the keys S3 accepts
// (see fixedKeys).
func (s *Statement) Public() bool {
	if s.Effect != Allow || !s.everyone() {
		return false
	}
	for i := range s.conds {
		if s.conds[i].fixesSource() {
			return false
		}
	}
	return true
}

// everyone reports whether the statement's principal element admits any
// caller: the wildcard, an AWS wildcard, or a NotPrincipal (which names
// those left out, so admits everyone else).
func (s *Statement) everyone() bool {
	if s.NotPrincipal != nil {
		return true
	}
	for _, typ := range []string{"*", "AWS"} {
		for _, v := range s.Principal[typ] {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

// fixedKeys are the condition keys whose fixed values keep a statement for
// everyone from being public (lower case). aws:SourceIp is handled apart.
var fixedKeys = map[string]bool{
	"aws:sourcearn":             true,
	"aws:sourcevpc":             true,
	"aws:sourcevpce":            true,
	"aws:sourceowner":           true,
	"aws:sourceaccount":         true,
	"aws:principalorgid":        true,
	"aws:userid":                true,
	"s3:dataaccesspointarn":     true,
	"s3:dataaccesspointaccount": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
}

// fixesSource reports whether the condition pins a key of fixedKeys (or
// aws:SourceIp) to fixed values: a positive operator that fails when the
// key is absent (no IfExists, no ForAllValues), and no value that is open —
// a wildcard, a policy variable, or an address range wider than /8 (IPv4)
// or /32 (IPv6).
func (c *condition) fixesSource() bool {
	if c.negated || c.ifExists || c.qual == qualAll || len(c.Values) == 0 {
		return false
	}
	if c.lkey == "aws:sourceip" {
		if c.base != opIPAddress {
			return false
		}
		for _, n := range c.nets {
			if n.Addr().Is4() && n.Bits() < 8 || !n.Addr().Is4() && n.Bits() < 32 {
				return false
			}
		}
		return true
	}
	if !fixedKeys[c.lkey] {
		return false
	}
	switch c.base {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opArnLike:
	default:
		return false
	}
	for _, v := range c.Values {
		if strings.ContainsAny(v, "*?") || strings.Contains(v, "${") {
			return false
		}
	}
	return true
}

// Denials returns the policy with only its Deny statements: what still
// applies to callers for whom S3 Block Public Access
// (RestrictPublicBuckets) sets aside the grants of a public policy.
func (p *Policy) Denials() *Policy {
	out := &Policy{Kind: p.Kind, Version: p.Version, ID: p.ID}
	for i := range p.Statements {
		if p.Statements[i].Effect == Deny {
			out.Statements = append(out.Statements, p.Statements[i])
		}
	}
	return out
}
