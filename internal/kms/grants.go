package kms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Grants, as AWS KMS has them: a grant lets its grantee principal perform
// the listed operations on one key, without any key policy or IAM policy
// saying so, and with the encryption context constraints it may carry. A
// grant only ever allows: an explicit Deny in the key policy or in the
// caller's IAM policies still wins. Ferry is strongly consistent, so a
// grant is effective as soon as CreateGrant returns and stops allowing as
// soon as it is retired or revoked; grant tokens are accepted but never
// needed.
//
// A grantee is an IAM user or role ARN, an assumed-role session ARN or an
// account's root ARN. A role ARN covers the role's sessions. The root ARN
// works as it does in a key policy: the root user may use the grant, and
// the account's users and roles may where their IAM policies allow the
// operation (the grant delegates to the account, whose administrators
// delegate further with IAM).

// Grant is a stored KMS grant.
type Grant struct {
	ID                string            `json:"id"`
	KeyID             string            `json:"keyId"` // the key ARN
	Name              string            `json:"name,omitempty"`
	GranteePrincipal  string            `json:"grantee"`
	RetiringPrincipal string            `json:"retiring,omitempty"`
	IssuingAccount    string            `json:"issuer"`
	Operations        []string          `json:"ops"`
	ContextSubset     EncryptionContext `json:"ctxSubset,omitempty"`
	ContextEquals     EncryptionContext `json:"ctxEquals,omitempty"`
	Created           time.Time         `json:"created"`
}

// GrantOperations are the operations a grant can list (the API's
// GrantOperation values).
var GrantOperations = []string{
	"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
	"Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey",
	"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
}

// symmetricGrantOps are the grant operations a symmetric encryption key
// supports; the others belong to asymmetric and HMAC keys.
var symmetricGrantOps = map[string]bool{
	"Decrypt": true, "Encrypt": true, "GenerateDataKey": true, "GenerateDataKeyWithoutPlaintext": true,
	"ReEncryptFrom": true, "ReEncryptTo": true, "CreateGrant": true, "RetireGrant": true, "DescribeKey": true,
	"GenerateDataKeyPair": true, "GenerateDataKeyPairWithoutPlaintext": true,
}

// CreateGrantInput holds CreateGrant's parameters; KeyRef is a key id or key
// ARN (aliases are refused, as in AWS).
type CreateGrantInput struct {
	KeyRef            string
	Name              string
	GranteePrincipal  string
	RetiringPrincipal string
	Operations        []string
	ContextSubset     EncryptionContext
	ContextEquals     EncryptionContext
}

// AWS's limits on grant constraints.
const (
	maxConstraintPairs = 8
	maxConstraintValue = 384
)

// validateGrant checks a CreateGrant request as KMS does before touching
// the key: the operations are GrantOperation values that a symmetric
// encryption key supports, the principals are ARNs, and the constraints
// are within AWS's limits (8 pairs, values up to 384 characters). [Inf]
// the texts of these ValidationExceptions: no capture of them is known;
// the enum one follows the form KMS uses for other members.
func validateGrant(in *CreateGrantInput) error {
	if in.GranteePrincipal == "" || len(in.Operations) == 0 {
		return aws.ErrKMSValidation("GranteePrincipal and Operations are required.")
	}
	for _, op := range in.Operations {
		if !slices.Contains(GrantOperations, op) {
			return aws.ErrKMSValidation("1 validation error detected: Value '[" + strings.Join(in.Operations, ", ") +
				"]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [" +
				strings.Join(GrantOperations, ", ") + "]]")
		}
		if !symmetricGrantOps[op] {
			return aws.ErrKMSValidation("Grant operation " + op + " is not valid for a symmetric encryption KMS key.")
		}
	}
	for _, c := range []EncryptionContext{in.ContextEquals, in.ContextSubset} {
		if len(c) > maxConstraintPairs {
			return aws.ErrKMSValidation(fmt.Sprintf("A grant constraint can include at most %d encryption context pairs.", maxConstraintPairs))
		}
		for _, v := range c {
			if len(v) > maxConstraintValue {
				return aws.ErrKMSValidation(fmt.Sprintf("A grant constraint value cannot exceed %d characters.", maxConstraintValue))
			}
		}
	}
	for _, p := range []string{in.GranteePrincipal, in.RetiringPrincipal} {
		if p != "" && !validPrincipalARN(p) {
			return aws.ErrKMSValidation("Invalid principal: " + p)
		}
	}
	return nil
}

// validPrincipalARN accepts the ARNs a grant may name: an account root, an
// IAM user or role, or an assumed-role session.
func validPrincipalARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || !aws.AccountID(parts[4]).Valid() {
		return false
	}
	switch res := parts[5]; {
	case parts[2] == "iam" && res == "root":
		return true
	case parts[2] == "iam" && (strings.HasPrefix(res, "user/") || strings.HasPrefix(res, "role/")):
		return true
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		return true
	}
	return false
}

// GrantMatch says how a grant names a caller.
type GrantMatch uint8

// The ways a grant can name a caller.
const (
	// GrantNone: the grant does not apply.
	GrantNone GrantMatch = iota
	// GrantDirect: the grant names the caller (its ARN, its role, or the
	// root of its account when the caller is that root): it allows on its
	// own.
	GrantDirect
	// GrantAccount: the grant names the caller's account root and the
	// caller is a user or role of it: it allows where the caller's IAM
	// policies allow the operation.
	GrantAccount
)

// matchPrincipal says how the principal ARN named in a grant covers p.
func matchPrincipal(arn string, p aws.Principal) GrantMatch {
	switch {
	case arn == "" || p.IsAnonymous() || p.Type == aws.PrincipalService:
		return GrantNone
	case arn == p.ARN || (p.RoleARN != "" && arn == p.RoleARN):
		return GrantDirect
	case p.Account != "" && arn == aws.RootARN(p.Account):
		if p.Type == aws.PrincipalRoot {
			return GrantDirect
		}
		return GrantAccount
	}
	return GrantNone
}

// Allows says whether and how g allows p to perform action ("kms:Decrypt")
// on its key, for a call with facts f: the grant must name p, list the
// operation, and its constraints must hold for the call's encryption
// context. CreateGrant from a grant is narrower, as in AWS: the new grant
// may list only operations of this one and must keep its constraints.
func (g *Grant) Allows(p aws.Principal, action string, f *Facts) GrantMatch {
	op, ok := strings.CutPrefix(action, "kms:")
	if !ok || !slices.Contains(g.Operations, op) {
		return GrantNone
	}
	m := matchPrincipal(g.GranteePrincipal, p)
	if m == GrantNone {
		return GrantNone
	}
	if f == nil {
		f = &Facts{}
	}
	switch {
	case op == "CreateGrant":
		if f.NewGrant == nil || !g.covers(f.NewGrant) {
			return GrantNone
		}
	case f.HasContext && !g.contextHolds(f.Context):
		return GrantNone
	}
	return m
}

// contextHolds checks the grant's constraints against a request's context:
// EncryptionContextEquals must be exactly the context, and every pair of
// EncryptionContextSubset must be in it. As in AWS, a constraint's keys are
// compared case-insensitively and its values case-sensitively.
func (g *Grant) contextHolds(ec EncryptionContext) bool {
	return g.ContextEquals.holdsIn(ec, true) && g.ContextSubset.holdsIn(ec, false)
}

// holdsIn reports whether the constraint c (nil: none) holds for ec: every
// pair of c is in ec (key case aside) and, if exact, ec has no other pair.
func (c EncryptionContext) holdsIn(ec EncryptionContext, exact bool) bool {
	if c == nil {
		return true
	}
	if exact && len(ec) != len(c) {
		return false
	}
	folded := make(map[string]string, len(ec))
	for k, v := range ec {
		folded[strings.ToLower(k)] = v
	}
	for k, v := range c {
		if got, ok := folded[strings.ToLower(k)]; !ok || got != v {
			return false
		}
	}
	return true
}

// covers reports whether a grant derived by the grantee stays within g:
// its operations are among g's and its constraint is equally strict or
// stricter.
func (g *Grant) covers(n *CreateGrantInput) bool {
	for _, op := range n.Operations {
		if !slices.Contains(g.Operations, op) {
			return false
		}
	}
	if g.ContextEquals != nil && (n.ContextEquals == nil || !g.ContextEquals.holdsIn(n.ContextEquals, true)) {
		return false
	}
	if g.ContextSubset != nil {
		// Whatever context the new grant admits must satisfy g's subset.
		admitted := n.ContextSubset
		if n.ContextEquals != nil {
			admitted = n.ContextEquals
		}
		if admitted == nil || !g.ContextSubset.holdsIn(admitted, false) {
			return false
		}
	}
	return true
}

// MayRetire says whether and how g lets p retire it: its retiring
// principal may, its grantee may when the grant lists RetireGrant, and the
// account that created the grant may.
func (g *Grant) MayRetire(p aws.Principal) GrantMatch {
	cands := []GrantMatch{matchPrincipal(g.RetiringPrincipal, p), matchPrincipal(g.IssuingAccount, p)}
	if slices.Contains(g.Operations, "RetireGrant") {
		cands = append(cands, matchPrincipal(g.GranteePrincipal, p))
	}
	best := GrantNone
	for _, m := range cands {
		if m == GrantDirect {
			return m
		}
		if m == GrantAccount {
			best = m
		}
	}
	return best
}

// CreateGrant stores a grant on a key and returns it with its id. The
// caller needs kms:CreateGrant from a policy, or from a grant that covers
// the new one. A grant with the same Name and parameters as an existing one
// is that grant (so that retries create no duplicates).
func (s *Service) CreateGrant(ctx context.Context, p aws.Principal, region string, in CreateGrantInput) (Grant, error) {
	if strings.HasPrefix(in.KeyRef, "alias/") || strings.Contains(in.KeyRef, ":alias/") {
		return Grant{}, aws.ErrKMSAliasARNNotSupported()
	}
	if err := validateGrant(&in); err != nil {
		return Grant{}, err
	}
	k, err := s.keyFor(withNewGrant(ctx, &in), p, region, in.KeyRef, ActionCreateGrant)
	if err != nil {
		return Grant{}, err
	}
	if k.State == StatePendingDeletion {
		return Grant{}, aws.ErrKMSPendingDeletion(k.ARN)
	}
	if dryRun(ctx) {
		return Grant{}, nil
	}
	unlock := s.lock(k.Account, k.Region, k.ID)
	defer unlock()
	existing, err := s.grantsOf(k)
	if err != nil {
		return Grant{}, err
	}
	ops := slices.Clone(in.Operations)
	sort.Strings(ops)
	ops = slices.Compact(ops)
	g := Grant{
		KeyID: k.ARN, Name: in.Name,
		GranteePrincipal: in.GranteePrincipal, RetiringPrincipal: in.RetiringPrincipal,
		IssuingAccount: aws.RootARN(p.Account), Operations: ops,
		ContextSubset: in.ContextSubset, ContextEquals: in.ContextEquals,
	}
	if in.Name != "" {
		for _, e := range existing {
			if e.Name == in.Name && sameGrant(&e, &g) {
				return e, nil
			}
		}
	}
	var id [32]byte
	rand.Read(id[:])
	g.ID, g.Created = hex.EncodeToString(id[:]), s.clock.Now().UTC()
	b := s.store.NewBatch()
	b.Set(grantRow(k.Account, k.Region, k.ID, g.ID), mustJSON(g))
	return g, s.commit(b, "create grant")
}

// sameGrant compares what a client chose about two grants.
func sameGrant(a, b *Grant) bool {
	return a.GranteePrincipal == b.GranteePrincipal && a.RetiringPrincipal == b.RetiringPrincipal &&
		slices.Equal(a.Operations, b.Operations) && a.IssuingAccount == b.IssuingAccount &&
		maps.Equal(a.ContextSubset, b.ContextSubset) && maps.Equal(a.ContextEquals, b.ContextEquals)
}

// ListGrants lists a key's grants, by grant id.
func (s *Service) ListGrants(ctx context.Context, p aws.Principal, region, keyRef string) ([]Grant, error) {
	k, err := s.keyFor(ctx, p, region, keyRef, ActionListGrants)
	if err != nil {
		return nil, err
	}
	return s.grantsOf(k)
}

// ActionListRetirableGrants is ListRetirableGrants' permission (from IAM:
// the call names no key).
const ActionListRetirableGrants = "kms:ListRetirableGrants"

// ListRetirableGrants lists the grants in region, on keys of any account,
// whose retiring principal is retiring, a principal of the caller's own
// account; ordered by key and grant id.
func (s *Service) ListRetirableGrants(ctx context.Context, p aws.Principal, region, retiring string) ([]Grant, error) {
	if err := s.authorize(ctx, p, ActionListRetirableGrants, nil); err != nil {
		return nil, err
	}
	if !validPrincipalARN(retiring) {
		// [Inf] the text of this InvalidArnException.
		return nil, aws.New("InvalidArnException", 400, "Invalid principal: "+retiring)
	}
	if parts := strings.SplitN(retiring, ":", 6); aws.AccountID(parts[4]) != p.Account {
		// [Inf] the reason KMS gives.
		return nil, aws.ErrKMSAccessDeniedBecause(p.ARN, ActionListRetirableGrants, "",
			"because the retiring principal "+retiring+" is not in the caller's account")
	}
	var out []Grant
	prefix := meta.NewKey('k').Bytes([]byte{'G'})
	err := s.scan(prefix, func(_, v []byte) error {
		var g Grant
		if err := json.Unmarshal(v, &g); err != nil {
			return err
		}
		if g.RetiringPrincipal == retiring && strings.HasPrefix(g.KeyID, "arn:aws:kms:"+region+":") {
			out = append(out, g)
		}
		return nil
	})
	return out, err
}

// grantsOf reads a key's grants, by grant id.
func (s *Service) grantsOf(k *Key) ([]Grant, error) {
	var out []Grant
	err := s.scan(grantPrefix(k.Account, k.Region, k.ID), func(_, v []byte) error {
		var g Grant
		if err := json.Unmarshal(v, &g); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

// RevokeGrant deletes a grant; the caller needs kms:RevokeGrant from the
// key policy or IAM.
func (s *Service) RevokeGrant(ctx context.Context, p aws.Principal, region, keyRef, grantID string) error {
	k, err := s.keyFor(ctx, p, region, keyRef, ActionRevokeGrant)
	if err != nil {
		return err
	}
	if _, err := s.readGrant(k, grantID); err != nil || dryRun(ctx) {
		return err
	}
	return s.deleteGrant(k, grantID)
}

// RetireGrant deletes a grant. The grant decides who may: its retiring
// principal, its grantee when it lists RetireGrant, and the account that
// created it (see Grant.MayRetire); an explicit Deny still wins.
func (s *Service) RetireGrant(ctx context.Context, p aws.Principal, region, keyRef, grantID string) error {
	k, err := s.resolve(p, region, keyRef)
	if err != nil {
		return err
	}
	g, err := s.readGrant(k, grantID)
	if err != nil {
		return err
	}
	if err := s.authorize(withRetiring(ctx, &g), p, ActionRetireGrant, k); err != nil || dryRun(ctx) {
		return err
	}
	return s.deleteGrant(k, grantID)
}

func (s *Service) readGrant(k *Key, grantID string) (Grant, error) {
	raw, err := s.store.Get(grantRow(k.Account, k.Region, k.ID, grantID))
	if errors.Is(err, meta.ErrNotFound) {
		return Grant{}, aws.ErrKMSGrantNotFound(grantID)
	} else if err != nil {
		return Grant{}, aws.ErrKMSInternal(err)
	}
	var g Grant
	if err := json.Unmarshal(raw, &g); err != nil {
		return Grant{}, aws.ErrKMSInternal(err)
	}
	return g, nil
}

func (s *Service) deleteGrant(k *Key, grantID string) error {
	b := s.store.NewBatch()
	b.Delete(grantRow(k.Account, k.Region, k.ID, grantID))
	return s.commit(b, "delete grant")
}
