package policy

import (
	"strings"
)

// PrincipalType says what kind of identity made a request. The values match
// aws:PrincipalType where AWS defines one.
type PrincipalType string

// The principal types.
const (
	Anonymous     PrincipalType = "Anonymous"
	Root          PrincipalType = "Account" // an account's root user
	User          PrincipalType = "User"
	AssumedRole   PrincipalType = "AssumedRole"
	FederatedUser PrincipalType = "FederatedUser"
	Service       PrincipalType = "AWSService" // a service principal such as s3.amazonaws.com
	// WebIdentity is a caller presenting a SAML or OIDC token to
	// AssumeRoleWithSAML/WithWebIdentity; Principal.Federated names the
	// provider.
	WebIdentity PrincipalType = "WebIdentity"
)

// Principal is who makes a request.
type Principal struct {
	Type PrincipalType
	// ARN is the caller's own ARN: arn:aws:iam::A:root, arn:aws:iam::A:user/N,
	// arn:aws:sts::A:assumed-role/R/S, arn:aws:sts::A:federated-user/N.
	ARN string
	// Account is the caller's account id ("" for anonymous and services).
	Account string
	// UserID is the unique id: AIDA… for users, AROA…:session for role
	// sessions, the account id for root (aws:userid).
	UserID string
	// RoleARN is, for a role session, the role's ARN
	// (arn:aws:iam::A:role/path/R): aws:PrincipalArn, and what a policy
	// naming the role matches. For a federated user session
	// (GetFederationToken) it is the ARN of the IAM user who federated: a
	// resource policy naming that user matches the session, limited by the
	// session policy as AWS documents.
	RoleARN string
	// Service is the service principal name (s3.amazonaws.com).
	Service string
	// Federated is the identity provider for WebIdentity callers
	// (cognito-identity.amazonaws.com, arn:aws:iam::A:saml-provider/P).
	Federated string
	// CanonicalUser is the S3 canonical user id of the caller's account.
	CanonicalUser string
	// Tags are the principal's tags (aws:PrincipalTag/key); for sessions,
	// the session tags merged over the role's.
	Tags map[string]string
}

// hasIdentityPolicies reports whether IAM policies can apply to p at all.
func (p *Principal) hasIdentityPolicies() bool {
	return p.Type != Anonymous && p.Type != Service && p.Type != WebIdentity && p.Type != ""
}

// principalARN is aws:PrincipalArn: the role ARN for a role session.
func (p *Principal) principalARN() string {
	if p.Type == AssumedRole && p.RoleARN != "" {
		return p.RoleARN
	}
	return p.ARN
}

// Display is the ARN AWS prints in "User: … is not authorized" messages.
func (p *Principal) Display() string {
	switch {
	case p.ARN != "":
		return p.ARN
	case p.Type == Service:
		return p.Service
	case p.Type == WebIdentity:
		return p.Federated
	}
	return "anonymous"
}

// policyHolder names the identity whose policies apply: the role for a role
// session, else the caller.
func (p *Principal) policyHolder() string {
	if p.Type == AssumedRole && p.RoleARN != "" {
		return p.RoleARN
	}
	return p.Display()
}

// principalKey derives the principal's global condition keys (lkey is lower
// case). It never allocates.
func (p *Principal) principalKey(lkey string) (string, bool) {
	switch lkey {
	case "aws:principalarn":
		if a := p.principalARN(); a != "" {
			return a, true
		}
	case "aws:principalaccount":
		if p.Account != "" {
			return p.Account, true
		}
	case "aws:userid":
		if p.UserID != "" {
			return p.UserID, true
		}
	case "aws:username":
		if p.Type == User {
			if i := strings.LastIndexByte(p.ARN, '/'); i >= 0 {
				return p.ARN[i+1:], true
			}
		}
	case "aws:principaltype":
		if p.Type != "" {
			return string(p.Type), true
		}
	case "aws:principalservicename":
		if p.Type == Service {
			return p.Service, true
		}
	case "aws:principalisawsservice":
		if p.Type == Service {
			return "true", true
		}
		return "false", true
	default:
		const tagPrefix = "aws:principaltag/"
		if len(lkey) > len(tagPrefix) && lkey[:len(tagPrefix)] == tagPrefix {
			want := lkey[len(tagPrefix):]
			for k, v := range p.Tags {
				if strings.EqualFold(k, want) {
					return v, true
				}
			}
		}
	}
	return "", false
}

// grantKind says how a resource-based policy statement matched a principal,
// which decides whether its Allow stands on its own (direct), counts like an
// identity grant limited by boundary and session policy (role), or only
// delegates to the account's own IAM policies (account).
type grantKind uint8

const (
	grantNone    grantKind = iota
	grantDirect            // "*", user ARN, session ARN, service, provider
	grantRole              // the role ARN of a role session
	grantAccount           // account id or arn:aws:iam::A:root
)

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	any       bool
	aws       []awsPrincipal
	services  []string
	federated []string
	canonical []string
}

type awsKind uint8

const (
	awsAccount  awsKind = iota // 123456789012 or arn:aws:iam::123456789012:root
	awsUser                    // arn:aws:iam::A:user/…
	awsRole                    // arn:aws:iam::A:role/…
	awsSession                 // arn:aws:sts::A:assumed-role/R/S, federated-user/N
	awsUniqueID                // AIDA…, AROA…
)

type awsPrincipal struct {
	kind  awsKind
	value string // account id, ARN or unique id
}

// parseAWSPrincipal classifies one "AWS" principal value.
func parseAWSPrincipal(v string) (awsPrincipal, bool) {
	if isAccountID(v) {
		return awsPrincipal{awsAccount, v}, true
	}
	if isUniqueID(v) {
		return awsPrincipal{awsUniqueID, v}, true
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !validPartition(parts[1]) || parts[3] != "" || !isAccountID(parts[4]) {
		return awsPrincipal{}, false
	}
	if strings.ContainsAny(v, "*?") {
		return awsPrincipal{}, false
	}
	res := parts[5]
	switch parts[2] {
	case "iam":
		switch {
		case res == "root":
			return awsPrincipal{awsAccount, parts[4]}, true
		case strings.HasPrefix(res, "user/") && len(res) > 5:
			return awsPrincipal{awsUser, v}, true
		case strings.HasPrefix(res, "role/") && len(res) > 5:
			return awsPrincipal{awsRole, v}, true
		}
	case "sts":
		if strings.HasPrefix(res, "assumed-role/") && strings.Count(res, "/") >= 2 ||
			strings.HasPrefix(res, "federated-user/") && len(res) > len("federated-user/") {
			return awsPrincipal{awsSession, v}, true
		}
	}
	return awsPrincipal{}, false
}

// match reports whether the set names p, and how.
func (s *principalSet) match(p *Principal) grantKind {
	if s.any {
		return grantDirect
	}
	best := grantNone
	for i := range s.aws {
		if g := s.aws[i].match(p); g != grantNone && (best == grantNone || g < best) {
			best = g
		}
	}
	if best == grantDirect {
		return best
	}
	if p.Type == Service {
		for _, svc := range s.services {
			if strings.EqualFold(svc, p.Service) {
				return grantDirect
			}
		}
	}
	if p.Federated != "" {
		for _, f := range s.federated {
			if f == p.Federated {
				return grantDirect
			}
		}
	}
	if p.CanonicalUser != "" && best == grantNone {
		for _, c := range s.canonical {
			if c == p.CanonicalUser {
				return grantAccount
			}
		}
	}
	return best
}

func (a *awsPrincipal) match(p *Principal) grantKind {
	if !p.hasIdentityPolicies() {
		return grantNone
	}
	switch a.kind {
	case awsAccount:
		if p.Account == a.value {
			return grantAccount
		}
	case awsUser, awsSession:
		if p.ARN == a.value {
			return grantDirect
		}
		if a.kind == awsUser && p.Type == FederatedUser && p.RoleARN == a.value {
			return grantRole
		}
	case awsRole:
		if p.Type == AssumedRole && p.RoleARN == a.value {
			return grantRole
		}
	case awsUniqueID:
		if p.UserID == a.value {
			return grantDirect
		}
		if i := strings.IndexByte(p.UserID, ':'); i > 0 && p.UserID[:i] == a.value {
			return grantRole
		}
	}
	return grantNone
}

// excludes reports whether a NotPrincipal element leaves p out. AWS evaluates
// a session as its whole chain (session ARN, role ARN, account), so every link
// must be listed for the session to be excluded; the same holds for a user
// (user ARN and account).
func (s *principalSet) excludes(p *Principal) bool {
	if s.any {
		return true
	}
	switch p.Type {
	case Anonymous, "":
		return false
	case Service:
		for _, svc := range s.services {
			if strings.EqualFold(svc, p.Service) {
				return true
			}
		}
		return false
	case WebIdentity:
		for _, f := range s.federated {
			if f == p.Federated {
				return true
			}
		}
		return false
	}
	account, self, role := false, p.Type == Root, p.Type != AssumedRole
	for i := range s.aws {
		a := &s.aws[i]
		switch {
		case a.kind == awsAccount && a.value == p.Account:
			account = true
		case (a.kind == awsUser || a.kind == awsSession) && a.value == p.ARN:
			self = true
		case a.kind == awsUniqueID && a.value == p.UserID:
			self = true
		case a.kind == awsRole && p.Type == AssumedRole && a.value == p.RoleARN:
			role = true
		}
	}
	return account && self && role
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isUniqueID recognises IAM unique ids (AIDA… users, AROA… roles, AIDA/AROA
// followed by 17 or more upper-case letters and digits).
func isUniqueID(s string) bool {
	if len(s) < 16 || !(strings.HasPrefix(s, "AIDA") || strings.HasPrefix(s, "AROA")) {
		return false
	}
	for i := 4; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

var partitions = map[string]bool{
	"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true, "aws-iso-b": true,
	"aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true,
}

func validPartition(p string) bool { return partitions[p] }
