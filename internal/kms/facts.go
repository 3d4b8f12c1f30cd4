package kms

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
)

// Facts are what a KMS call carries for its authorization besides the
// principal, the action and the key: the values of KMS's condition keys
// (kms:EncryptionContext:…, kms:EncryptionContextKeys, kms:RequestAlias,
// kms:ResourceAliases, kms:GrantOperations, kms:GranteePrincipal,
// kms:RetiringPrincipal) and the key's grants, which allow what no policy
// does. Service.authorize attaches them to the context it hands the
// Authorizer; FactsOf reads them back.
type Facts struct {
	// Context is the request's encryption context; for CreateGrant it is
	// the new grant's constraints (EncryptionContextEquals and
	// EncryptionContextSubset together), as AWS evaluates them.
	Context EncryptionContext
	// HasContext is true for operations that take an encryption context
	// (Encrypt, Decrypt, ReEncrypt, GenerateDataKey…): only they are
	// subject to a grant's encryption context constraints.
	HasContext bool
	// RequestAlias is the alias ("alias/NAME") the call named the key by,
	// "" when it used a key id or key ARN.
	RequestAlias string
	// ResourceAliases are the aliases ("alias/NAME") that point at the key.
	ResourceAliases []string
	// NewGrant is, for CreateGrant, the grant asked for.
	NewGrant *CreateGrantInput
	// Retiring is, for RetireGrant, the grant to retire: the grant itself
	// decides who may retire it.
	Retiring *Grant
	// ReplicaRegion is, for ReplicateKey, the region asked for
	// (kms:ReplicaRegion).
	ReplicaRegion string
	// Grants reads the key's grants. It is called only when the policies
	// alone do not allow the request; nil means the key has none.
	Grants func() ([]Grant, error)
}

type factsKey struct{}

// FactsOf returns the facts of the KMS call ctx belongs to, nil when it
// carries none (diagnostics asking about a bare action).
func FactsOf(ctx context.Context) *Facts {
	f, _ := ctx.Value(factsKey{}).(*Facts)
	return f
}

// WithFacts attaches f to ctx, as Service.authorize does; diagnostics use
// it to ask the Authorizer about a call with a given encryption context.
func WithFacts(ctx context.Context, f *Facts) context.Context {
	return context.WithValue(ctx, factsKey{}, f)
}

// callKey carries what an operation knows about its call (the encryption
// context, the alias it was named by, the grant to create or retire) down
// to Service.authorize.
type callKey struct{}

type call struct {
	ec         EncryptionContext
	hasContext bool
	alias      string
	newGrant   *CreateGrantInput
	retiring   *Grant
	replica    string
}

func callOf(ctx context.Context) call {
	c, _ := ctx.Value(callKey{}).(call)
	return c
}

// withContext records the encryption context of the call.
func withContext(ctx context.Context, ec EncryptionContext) context.Context {
	c := callOf(ctx)
	c.ec, c.hasContext = ec, true
	return context.WithValue(ctx, callKey{}, c)
}

// withAlias records that the call named its key by alias.
func withAlias(ctx context.Context, alias string) context.Context {
	c := callOf(ctx)
	c.alias = alias
	return context.WithValue(ctx, callKey{}, c)
}

func withNewGrant(ctx context.Context, g *CreateGrantInput) context.Context {
	c := callOf(ctx)
	c.newGrant = g
	return context.WithValue(ctx, callKey{}, c)
}

func withReplicaRegion(ctx context.Context, region string) context.Context {
	c := callOf(ctx)
	c.replica = region
	return context.WithValue(ctx, callKey{}, c)
}

func withRetiring(ctx context.Context, g *Grant) context.Context {
	c := callOf(ctx)
	c.retiring = g
	return context.WithValue(ctx, callKey{}, c)
}

// facts gathers the Facts of a call on key k (nil: no key).
func (s *Service) facts(ctx context.Context, k *Key) *Facts {
	c := callOf(ctx)
	f := &Facts{Context: c.ec, HasContext: c.hasContext, RequestAlias: c.alias, NewGrant: c.newGrant, Retiring: c.retiring, ReplicaRegion: c.replica}
	if g := c.newGrant; g != nil {
		f.Context, f.HasContext = EncryptionContext{}, true
		for k, v := range g.ContextSubset {
			f.Context[k] = v
		}
		for k, v := range g.ContextEquals {
			f.Context[k] = v
		}
	}
	if k == nil {
		return f
	}
	f.ResourceAliases = s.aliasesOf(k)
	f.Grants = func() ([]Grant, error) { return s.grantsOf(k) }
	return f
}

// FactsFor returns the facts a call on k without an encryption context
// would carry (its aliases and its grants), for diagnostics that ask the
// Authorizer about a key without making a call: grants then count, but not
// their encryption context constraints, which depend on each call.
func (s *Service) FactsFor(k *Key) *Facts {
	return s.facts(context.Background(), k)
}

// aliasesOf lists the names of the aliases pointing at k, sorted. A storage
// failure leaves the list empty: conditions on kms:ResourceAliases then do
// not match, which can only deny.
func (s *Service) aliasesOf(k *Key) []string {
	row := string(keyRow(k.Account, k.Region, k.ID))
	names, gen, ok := s.aliases.Get(row)
	if ok {
		return slices.Clone(names)
	}
	var out []string
	err := s.scan(aliasPrefix(k.Account, k.Region), func(_, v []byte) error {
		var a Alias
		if err := json.Unmarshal(v, &a); err == nil && a.TargetKeyID == k.ID {
			out = append(out, a.Name)
		}
		return nil
	})
	sort.Strings(out)
	if err == nil {
		s.aliases.Put(row, slices.Clone(out), gen)
	}
	return out
}

type dryRunKey struct{}

// WithDryRun marks ctx as a DryRun request: operations that support it
// (CreateGrant, RetireGrant, RevokeGrant) validate and authorize as usual
// and then stop before changing anything.
func WithDryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

func dryRun(ctx context.Context) bool {
	v, _ := ctx.Value(dryRunKey{}).(bool)
	return v
}
