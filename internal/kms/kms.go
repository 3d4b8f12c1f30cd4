// Package kms is Ferry's Key Management Service: symmetric KMS keys per
// (account, region), their aliases, tags, grants and key policies, and the
// envelope cryptography built on them (Encrypt, Decrypt, ReEncrypt,
// GenerateDataKey), and multi-Region keys (ReplicateKey). Services call its
// typed methods directly; the JSON 1.1 adapter (kmsapi) translates the wire
// to them.
//
// Key material never reaches disk in plaintext: each key version is 32
// random bytes sealed by the root key (package keyring) and stored in the
// metadata store. Records live in table 'k':
//
//	'k' "root-check"                          sealed check value (keyring)
//	'k' 'K' account region keyID              Key (JSON)
//	'k' 'M' account region keyID version      sealed key material
//	'k' 'A' account region aliasName          Alias (JSON)
//	'k' 'G' account region keyID grantID      Grant (JSON)
//	'k' 's' …                                  SSE-S3 keys (package sse)
//
// Every method takes the calling principal and the region of the request.
// Authorization happens in exactly one function, Service.authorize, which
// hands the call, with its Facts (encryption context, aliases, grants), to
// the Authorizer the world installs (the policy engine, through authz).
package kms

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/memo"
	"github.com/ferrystore/ferry/internal/meta"
)

// Service is the KMS of one Ferry world (every region it hosts).
type Service struct {
	store meta.Store
	root  *keyring.Key
	clock aws.Clock
	authz Authorizer
	// regions are the regions the world hosts (nil: any).
	regions []string
	// principalExists checks the principals of key policies (nil: all exist).
	principalExists func(arn string) bool
	// keyLocks and aliasLocks serialise read-modify-write per key and per
	// alias name. They are separate so that holding an alias lock while a
	// key is read (which may take its lock for a due transition) can never
	// deadlock on a shared stripe.
	keyLocks   [64]sync.Mutex
	aliasLocks [64]sync.Mutex
	// materials caches opened key material (immutable once written) by
	// materialCacheKey, so a hot key costs one metadata read per operation and no
	// root-key decryption.
	materials sync.Map // string → cipher.AEAD
	// keys caches decoded key records by row. Any KMS commit clears it
	// (writes are rare next to the reads of every SSE-KMS request), and
	// callers get a copy of their own.
	keys *memo.Table[string, *Key]
	// aliases caches the alias names of each key (kms:ResourceAliases),
	// cleared with keys.
	aliases *memo.Table[string, []string]
}

// Config holds what a Service needs.
type Config struct {
	Store meta.Store
	Root  *keyring.Key
	Clock aws.Clock
	// Authorizer decides every call; nil keeps the interim owner-account
	// rule (unit tests of this package).
	Authorizer Authorizer
	// Regions are the regions the world hosts: ReplicateKey refuses others
	// (nil: any well-formed region name).
	Regions []string
}

// Authorizer decides whether p may perform action on key k (nil for the
// actions without a key: CreateKey, ListKeys, ListAliases, GenerateRandom),
// with the key policy required as KMS requires it. Denials are KMS's
// AccessDeniedException.
type Authorizer interface {
	AuthorizeKMS(ctx context.Context, p aws.Principal, action string, k *Key) error
}

// New builds the KMS service.
func New(c Config) *Service {
	if c.Clock == nil {
		c.Clock = aws.SystemClock{}
	}
	return &Service{store: c.Store, root: c.Root, clock: c.Clock, authz: c.Authorizer, regions: c.Regions,
		keys: memo.New[string, *Key](4096), aliases: memo.New[string, []string](4096)}
}

// SetAuthorizer hands every later decision to a (the world builds KMS
// before the policy engine, which needs IAM). Call it before serving.
func (s *Service) SetAuthorizer(a Authorizer) { s.authz = a }

// Actions named by the interim authorization; the policy engine uses the same names.
const (
	ActionCreateKey                       = "kms:CreateKey"
	ActionDescribeKey                     = "kms:DescribeKey"
	ActionEncrypt                         = "kms:Encrypt"
	ActionDecrypt                         = "kms:Decrypt"
	ActionReEncryptFrom                   = "kms:ReEncryptFrom"
	ActionReEncryptTo                     = "kms:ReEncryptTo"
	ActionGenerateDataKey                 = "kms:GenerateDataKey"
	ActionGenerateDataKeyWithoutPlaintext = "kms:GenerateDataKeyWithoutPlaintext"
	ActionEnableKey                       = "kms:EnableKey"
	ActionDisableKey                      = "kms:DisableKey"
	ActionScheduleKeyDeletion             = "kms:ScheduleKeyDeletion"
	ActionCancelKeyDeletion               = "kms:CancelKeyDeletion"
	ActionEnableKeyRotation               = "kms:EnableKeyRotation"
	ActionDisableKeyRotation              = "kms:DisableKeyRotation"
	ActionGetKeyRotationStatus            = "kms:GetKeyRotationStatus"
	ActionRotateKeyOnDemand               = "kms:RotateKeyOnDemand"
	ActionGetKeyPolicy                    = "kms:GetKeyPolicy"
	ActionPutKeyPolicy                    = "kms:PutKeyPolicy"
	ActionUpdateKeyDescription            = "kms:UpdateKeyDescription"
	ActionCreateAlias                     = "kms:CreateAlias"
	ActionUpdateAlias                     = "kms:UpdateAlias"
	ActionDeleteAlias                     = "kms:DeleteAlias"
	ActionTagResource                     = "kms:TagResource"
	ActionUntagResource                   = "kms:UntagResource"
	ActionListResourceTags                = "kms:ListResourceTags"
	ActionCreateGrant                     = "kms:CreateGrant"
	ActionListGrants                      = "kms:ListGrants"
	ActionRetireGrant                     = "kms:RetireGrant"
	ActionRevokeGrant                     = "kms:RevokeGrant"
	ActionListKeys                        = "kms:ListKeys"
	ActionListAliases                     = "kms:ListAliases"
	ActionGenerateRandom                  = "kms:GenerateRandom"
	ActionListKeyRotations                = "kms:ListKeyRotations"
	ActionListKeyPolicies                 = "kms:ListKeyPolicies"
)

// authorize is the one place that decides whether p may perform action on
// key k, or, with k nil, an action on no particular key (CreateKey,
// ListKeys, ListAliases, GenerateRandom: resource "*"). The call's Facts
// (encryption context, aliases, grants) travel in the context handed to
// the Authorizer. Without one, an interim rule applies: principals of the
// key's own account may use it, grantees as their grants say, and
// anonymous callers may do nothing.
func (s *Service) authorize(ctx context.Context, p aws.Principal, action string, k *Key) error {
	f := s.facts(ctx, k)
	if s.authz != nil {
		return s.authz.AuthorizeKMS(WithFacts(ctx, f), p, action, k)
	}
	switch {
	case k == nil && p.IsAnonymous():
		return aws.ErrKMSAccessDenied(p.ARN, action, "*")
	case k == nil:
		return nil
	case f.Retiring != nil:
		if f.Retiring.MayRetire(p) != GrantNone {
			return nil
		}
	case !p.IsAnonymous() && p.Account == k.Account:
		return nil
	default:
		grants, err := f.Grants()
		if err != nil {
			return err
		}
		for i := range grants {
			if grants[i].Allows(p, action, f) != GrantNone {
				return nil
			}
		}
	}
	return aws.ErrKMSAccessDenied(p.ARN, action, k.ARN)
}

// lock serialises read-modify-write on one key; it returns the unlock function.
func (s *Service) lock(account aws.AccountID, region, keyID string) func() {
	return stripe(&s.keyLocks, account, region, keyID)
}

// lockAlias serialises changes to one alias name.
func (s *Service) lockAlias(account aws.AccountID, region, name string) func() {
	return stripe(&s.aliasLocks, account, region, name)
}

func stripe(locks *[64]sync.Mutex, account aws.AccountID, region, name string) func() {
	h := fnv.New32a()
	h.Write([]byte(account))
	h.Write([]byte{0})
	h.Write([]byte(region))
	h.Write([]byte{0})
	h.Write([]byte(name))
	m := &locks[h.Sum32()%uint32(len(locks))]
	m.Lock()
	return m.Unlock
}

// Row keys of table 'k'.
func keyRow(a aws.AccountID, region, id string) meta.Key {
	return meta.NewKey('k').Bytes([]byte{'K'}).String(string(a)).String(region).String(id)
}

func keyPrefix(a aws.AccountID, region string) meta.Key {
	return meta.NewKey('k').Bytes([]byte{'K'}).String(string(a)).String(region)
}

func materialRow(a aws.AccountID, region, id string, version uint32) meta.Key {
	return materialPrefix(a, region, id).Uint64(uint64(version))
}

func materialPrefix(a aws.AccountID, region, id string) meta.Key {
	return meta.NewKey('k').Bytes([]byte{'M'}).String(string(a)).String(region).String(id)
}

func aliasRow(a aws.AccountID, region, name string) meta.Key {
	return aliasPrefix(a, region).String(name)
}

func aliasPrefix(a aws.AccountID, region string) meta.Key {
	return meta.NewKey('k').Bytes([]byte{'A'}).String(string(a)).String(region)
}

func grantRow(a aws.AccountID, region, keyID, grantID string) meta.Key {
	return grantPrefix(a, region, keyID).String(grantID)
}

func grantPrefix(a aws.AccountID, region, keyID string) meta.Key {
	return meta.NewKey('k').Bytes([]byte{'G'}).String(string(a)).String(region).String(keyID)
}

// commit commits a batch, mapping a storage failure to KMSInternalException,
// and drops the cached key records (the batch may have changed any).
func (s *Service) commit(b meta.Batch, what string) error {
	defer b.Close()
	err := b.Commit()
	s.keys.Clear()
	s.aliases.Clear()
	if err != nil {
		return aws.ErrKMSInternal(fmt.Errorf("kms: %s: %w", what, err))
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records are plain structs; Marshal cannot fail
	}
	return b
}
