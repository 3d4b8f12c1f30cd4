package authz

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/policy"
)

// principal converts Ferry's principal to the policy engine's and gathers
// what applies to it: identity policies, boundary, session policies, tags
// and the STS session behind temporary credentials. The root user has no
// policies (IAM policies cannot limit it); anonymous callers and services
// have none either.
func (a *Authorizer) principal(p aws.Principal) (policy.Principal, *identity, error) {
	out := policy.Principal{ARN: p.ARN, Account: string(p.Account), UserID: p.UserID, RoleARN: p.RoleARN}
	if p.Account != "" {
		out.CanonicalUser = canonicalUser(p.Account)
	}
	switch p.Type {
	case aws.PrincipalRoot:
		out.Type = policy.Root
		if out.ARN == "" {
			out.ARN = aws.RootARN(p.Account)
		}
		if out.UserID == "" {
			out.UserID = string(p.Account)
		}
	case aws.PrincipalUser:
		out.Type = policy.User
	case aws.PrincipalAssumedRole:
		out.Type = policy.AssumedRole
	case aws.PrincipalService:
		return policy.Principal{Type: policy.Service, Service: p.ARN}, &identity{}, nil
	default: // anonymous, and the operator's admin principal, which no policy names
		return policy.Principal{Type: policy.Anonymous}, &identity{}, nil
	}
	if a.src == nil {
		return out, &identity{}, nil
	}
	id, err := a.identities.get(a, p)
	if err != nil {
		return out, nil, err
	}
	out.Tags = id.tags
	return out, id, nil
}

var canonicalIDs sync.Map // account → S3 canonical user id

// canonicalUser is aws.CanonicalUserID, remembered (it hashes).
func canonicalUser(account aws.AccountID) string {
	if v, ok := canonicalIDs.Load(account); ok {
		return v.(string)
	}
	id := aws.CanonicalUserID(account)
	canonicalIDs.Store(account, id)
	return id
}

// identity is what authz gathered about a principal at one IAM generation.
type identity struct {
	gen  uint64
	set  policy.Set // Identity, Boundary and Session
	tags map[string]string
	sess *sts.Session
}

// load gathers a principal's identity from the source.
func (a *Authorizer) load(p aws.Principal, gen uint64) (*identity, error) {
	id := &identity{gen: gen}
	if p.SessionToken != "" {
		s, err := a.src.Session(p)
		if err != nil && !errors.Is(err, sts.ErrNoSuchSession) && !aws.IsCode(err, "ExpiredToken") {
			return nil, fmt.Errorf("session of %s: %w", p.ARN, err)
		}
		id.sess = s
	}
	if p.Type == aws.PrincipalRoot {
		return id, nil
	}
	tags, err := a.src.Tags(p)
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", p.PrincipalARN(), err)
	}
	id.tags = mergeTags(tags, id.sess)
	if id.set, err = a.policySet(p, id.sess); err != nil {
		return nil, err
	}
	return id, nil
}

// mergeTags lays session tags over the role's, case-insensitively.
func mergeTags(tags map[string]string, sess *sts.Session) map[string]string {
	if sess == nil || len(sess.Tags) == 0 {
		return tags
	}
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range sess.Tags {
		for old := range out {
			if strings.EqualFold(old, k) {
				delete(out, old)
			}
		}
		out[k] = v
	}
	return out
}

// policySet gathers the identity policies, boundary and session policies
// of a user or role session.
func (a *Authorizer) policySet(p aws.Principal, sess *sts.Session) (policy.Set, error) {
	var set policy.Set
	pols, err := a.src.Policies(p)
	if err != nil {
		return set, fmt.Errorf("policies of %s: %w", p.PrincipalARN(), err)
	}
	owner := ownerName(p)
	for _, d := range pols.Identity {
		n, err := a.named(d.Document, policy.Identity, documentName(d.ARN, d.Name, owner))
		if err != nil {
			return set, err
		}
		set.Identity = append(set.Identity, *n)
	}
	if b := pols.Boundary; b != nil {
		n, err := a.named(b.Document, policy.Boundary, "permissions boundary "+b.ARN)
		if err != nil {
			return set, err
		}
		set.Boundary = n
	}
	if sess == nil {
		return set, nil
	}
	if sess.Policy != "" {
		n, err := a.named(sess.Policy, policy.Session, "inline session policy of "+p.ARN)
		if err != nil {
			return set, err
		}
		set.Session = append(set.Session, *n)
	}
	for _, arn := range sess.PolicyARNs {
		d, err := a.src.ManagedPolicy(arn)
		if err != nil {
			return set, fmt.Errorf("session policy %s: %w", arn, err)
		}
		n, err := a.named(d.Document, policy.Identity, "session policy "+arn)
		if err != nil {
			return set, err
		}
		set.Session = append(set.Session, *n)
	}
	return set, nil
}

// named parses a stored document (through the cache) and names it.
func (a *Authorizer) named(doc string, kind policy.Kind, name string) (*policy.Named, error) {
	pol, err := a.parsed.parse(doc, kind, policy.Options{MaxSize: -1})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &policy.Named{Name: name, Policy: pol}, nil
}

// Parsed parses a stored resource policy (bucket, trust or key policy)
// through the Authorizer's cache and names it for explanations.
func (a *Authorizer) Parsed(doc string, kind policy.Kind, name string) (*policy.Named, error) {
	return a.named(doc, kind, name)
}

func ownerName(p aws.Principal) string {
	if p.Type == aws.PrincipalAssumedRole {
		return "role " + p.RoleARN
	}
	return "user " + p.ARN
}

func documentName(arn, name, owner string) string {
	if arn != "" {
		return arn
	}
	return "inline policy " + name + " of " + owner
}
