package kms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// KeyState is a KMS key state.
type KeyState string

// The key states Ferry uses (AWS also has Creating, PendingImport,
// PendingReplicaDeletion, Unavailable and Updating).
const (
	StateEnabled         KeyState = "Enabled"
	StateDisabled        KeyState = "Disabled"
	StatePendingDeletion KeyState = "PendingDeletion"
)

// Key managers.
const (
	ManagerCustomer = "CUSTOMER"
	ManagerAWS      = "AWS"
)

// Rotation bounds and defaults, in days.
const (
	DefaultRotationDays = 365
	MinRotationDays     = 90
	MaxRotationDays     = 2560
	// MaxOnDemandRotations is AWS's per-key limit for RotateKeyOnDemand.
	MaxOnDemandRotations = 25
)

// What every Ferry key is, for DescribeKey: Ferry implements symmetric
// encryption keys with material it generates.
const (
	KeySpec  = "SYMMETRIC_DEFAULT"
	KeyUsage = "ENCRYPT_DECRYPT"
	Origin   = "AWS_KMS"
)

// Key is a symmetric encryption KMS key (KeySpec, KeyUsage and Origin
// above). Its material is stored separately, sealed.
type Key struct {
	ID          string        `json:"id"`
	ARN         string        `json:"arn"`
	Account     aws.AccountID `json:"account"`
	Region      string        `json:"region"`
	Description string        `json:"description,omitempty"`
	State       KeyState      `json:"state"`
	Created     time.Time     `json:"created"`
	// DeletionDate is set while the key is PendingDeletion.
	DeletionDate      time.Time `json:"deletionDate,omitzero"`
	PendingWindowDays int       `json:"pendingWindowDays,omitempty"`
	MultiRegion       bool      `json:"multiRegion,omitempty"`
	// PrimaryRegion is set on a multi-Region replica key: the region of
	// its primary key.
	PrimaryRegion string `json:"primaryRegion,omitempty"`
	// Replicas lists, on a multi-Region primary key, the regions it was
	// replicated to.
	Replicas []string `json:"replicas,omitempty"`
	Manager  string   `json:"manager"`
	// Policy is the key policy document, stored verbatim.
	Policy string `json:"policy"`
	// Versions lists the key material versions, oldest first; the last one
	// encrypts. Old versions stay so that old ciphertexts still decrypt.
	Versions           []MaterialVersion `json:"versions"`
	RotationEnabled    bool              `json:"rotationEnabled,omitempty"`
	RotationPeriodDays int               `json:"rotationPeriodDays,omitempty"`
	NextRotation       time.Time         `json:"nextRotation,omitzero"`
	OnDemandRotations  int               `json:"onDemandRotations,omitempty"`
	Tags               []Tag             `json:"tags,omitempty"`
}

// MaterialVersion describes one version of a key's material.
type MaterialVersion struct {
	Version uint32    `json:"v"`
	Created time.Time `json:"created"`
	// Rotation is "", "AUTOMATIC" or "ON_DEMAND": how the version came to be.
	Rotation string `json:"rotation,omitempty"`
}

// Tag is a key tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// Current returns the version that new encryptions use.
func (k *Key) Current() uint32 { return k.Versions[len(k.Versions)-1].Version }

// KeyARN formats a key ARN.
func KeyARN(region string, account aws.AccountID, id string) string {
	return "arn:aws:kms:" + region + ":" + string(account) + ":key/" + id
}

// CreateKeyInput holds CreateKey's optional parameters.
type CreateKeyInput struct {
	Description string
	// Policy is the key policy; "" gives the default policy, which lets the
	// account (and so its IAM policies) use the key.
	Policy      string
	MultiRegion bool
	Tags        []Tag
	// BypassPolicyLockoutSafetyCheck accepts a Policy that would not let
	// the caller change it later.
	BypassPolicyLockoutSafetyCheck bool
}

// CreateKey creates an enabled symmetric key in the caller's account.
func (s *Service) CreateKey(ctx context.Context, p aws.Principal, region string, in CreateKeyInput) (*Key, error) {
	if err := s.authorize(ctx, p, ActionCreateKey, nil); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	k := s.newKey(p.Account, region, in.MultiRegion)
	k.Description, k.Tags, k.Manager = in.Description, tags, ManagerCustomer
	k.Policy = in.Policy
	if k.Policy == "" {
		k.Policy = DefaultKeyPolicy(p.Account)
	} else if err := s.checkPolicy(ctx, p, k, k.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
		return nil, err
	}
	if err := s.insertKey(k); err != nil {
		return nil, err
	}
	return k, nil
}

// newKey builds an enabled key record with a fresh id and no material yet.
func (s *Service) newKey(account aws.AccountID, region string, multiRegion bool) *Key {
	id := newKeyID(multiRegion)
	return &Key{
		ID: id, ARN: KeyARN(region, account, id), Account: account, Region: region,
		State: StateEnabled, Created: s.clock.Now().UTC(), MultiRegion: multiRegion,
	}
}

// insertKey writes a new key with its first material version.
func (s *Service) insertKey(k *Key) error {
	b := s.store.NewBatch()
	if err := s.addMaterial(b, k, ""); err != nil {
		b.Close()
		return err
	}
	b.Set(keyRow(k.Account, k.Region, k.ID), mustJSON(k))
	return s.commit(b, "create key")
}

// newKeyID returns a key id in AWS's forms: a random (version 4) UUID, or
// "mrk-" and 32 hex digits for a multi-Region key.
func newKeyID(multiRegion bool) string {
	if multiRegion {
		var b [16]byte
		rand.Read(b[:])
		return "mrk-" + hex.EncodeToString(b[:])
	}
	return aws.NewUUID()
}

// DefaultKeyPolicy is the policy a key gets when none is given: the
// account's root principal may do everything, which delegates the key's use
// to the account's IAM policies.
func DefaultKeyPolicy(account aws.AccountID) string {
	return `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"` +
		aws.RootARN(account) + `"},"Action":"kms:*","Resource":"*"}]}`
}

// DescribeKey returns a key's metadata.
func (s *Service) DescribeKey(ctx context.Context, p aws.Principal, region, keyRef string) (*Key, error) {
	return s.keyFor(ctx, p, region, keyRef, ActionDescribeKey)
}

// KeyListEntry is one row of ListKeys.
type KeyListEntry struct {
	KeyID  string
	KeyARN string
}

// ListKeys lists the keys of the caller's account in region (including keys
// pending deletion, as AWS does), ordered by key id.
func (s *Service) ListKeys(ctx context.Context, p aws.Principal, region string) ([]KeyListEntry, error) {
	if err := s.authorize(ctx, p, ActionListKeys, nil); err != nil {
		return nil, err
	}
	prefix := keyPrefix(p.Account, region)
	var out []KeyListEntry
	err := s.scan(prefix, func(_, v []byte) error {
		var k Key
		if err := json.Unmarshal(v, &k); err != nil {
			return err
		}
		if !s.expired(&k) {
			out = append(out, KeyListEntry{KeyID: k.ID, KeyARN: k.ARN})
		}
		return nil
	})
	return out, err
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, p aws.Principal, region, keyRef, description string) error {
	return s.mutate(ctx, p, region, keyRef, ActionUpdateKeyDescription, func(k *Key) error {
		k.Description = description
		return nil
	})
}

// GetKeyPolicy returns the key policy document.
func (s *Service) GetKeyPolicy(ctx context.Context, p aws.Principal, region, keyRef string) (string, error) {
	k, err := s.keyFor(ctx, p, region, keyRef, ActionGetKeyPolicy)
	if err != nil {
		return "", err
	}
	return k.Policy, nil
}

// ListKeyPolicies checks that the key exists and p may list its policies
// (kms:ListKeyPolicies); a key has one policy, named "default".
func (s *Service) ListKeyPolicies(ctx context.Context, p aws.Principal, region, keyRef string) error {
	_, err := s.keyFor(ctx, p, region, keyRef, ActionListKeyPolicies)
	return err
}

// PutKeyPolicy replaces a key's policy with a valid document whose
// principals exist and which, unless bypassLockout, still lets p change it.
func (s *Service) PutKeyPolicy(ctx context.Context, p aws.Principal, region, keyRef, policy string, bypassLockout bool) error {
	return s.mutate(ctx, p, region, keyRef, ActionPutKeyPolicy, func(k *Key) error {
		if k.Manager == ManagerAWS {
			return aws.ErrKMSUnsupported(k.ARN, "PutKeyPolicy")
		}
		if err := s.checkPolicy(ctx, p, k, policy, bypassLockout); err != nil {
			return err
		}
		k.Policy = policy
		return nil
	})
}

// TagResource adds or replaces tags on a key.
func (s *Service) TagResource(ctx context.Context, p aws.Principal, region, keyRef string, tags []Tag) error {
	return s.mutate(ctx, p, region, keyRef, ActionTagResource, func(k *Key) error {
		merged, err := mergeTags(k.Tags, tags)
		k.Tags = merged
		return err
	})
}

// UntagResource removes tags by key.
func (s *Service) UntagResource(ctx context.Context, p aws.Principal, region, keyRef string, tagKeys []string) error {
	return s.mutate(ctx, p, region, keyRef, ActionUntagResource, func(k *Key) error {
		drop := map[string]bool{}
		for _, t := range tagKeys {
			drop[t] = true
		}
		kept := k.Tags[:0]
		for _, t := range k.Tags {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		k.Tags = kept
		return nil
	})
}

// ListResourceTags returns a key's tags, ordered by tag key.
func (s *Service) ListResourceTags(ctx context.Context, p aws.Principal, region, keyRef string) ([]Tag, error) {
	k, err := s.keyFor(ctx, p, region, keyRef, ActionListResourceTags)
	if err != nil {
		return nil, err
	}
	return k.Tags, nil
}

// mergeTags validates tags as AWS does and merges them into old.
func mergeTags(old, tags []Tag) ([]Tag, error) {
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case strings.HasPrefix(t.Key, "aws:"):
			return nil, aws.ErrKMSTagReserved()
		case seen[t.Key]:
			return nil, aws.ErrKMSTagDuplicate()
		case len(t.Key) < 1 || len(t.Key) > 128:
			return nil, aws.ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128", t.Key))
		case len(t.Value) > 256:
			return nil, aws.ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value))
		}
		seen[t.Key] = true
	}
	byKey := map[string]string{}
	for _, t := range old {
		byKey[t.Key] = t.Value
	}
	for _, t := range tags {
		byKey[t.Key] = t.Value
	}
	if len(byKey) > 50 {
		return nil, aws.ErrKMSTooManyTags()
	}
	out := make([]Tag, 0, len(byKey))
	for k, v := range byKey {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// keyFor resolves keyRef, authorizes action and returns the key in any state.
func (s *Service) keyFor(ctx context.Context, p aws.Principal, region, keyRef, action string) (*Key, error) {
	k, err := s.resolve(p, region, keyRef)
	if err != nil {
		return nil, err
	}
	if alias := aliasNamed(keyRef); alias != "" {
		ctx = withAlias(ctx, alias)
	}
	if err := s.authorize(ctx, p, action, k); err != nil {
		return nil, err
	}
	return k, nil
}

// mutate applies fn to a key under its lock and stores the result.
func (s *Service) mutate(ctx context.Context, p aws.Principal, region, keyRef, action string, fn func(*Key) error) error {
	k, err := s.keyFor(ctx, p, region, keyRef, action)
	if err != nil {
		return err
	}
	unlock := s.lock(k.Account, k.Region, k.ID)
	defer unlock()
	if k, err = s.lockedKey(k.Account, k.Region, k.ID); err != nil { // re-read under the lock
		return err
	}
	if err := fn(k); err != nil {
		return err
	}
	b := s.store.NewBatch()
	b.Set(keyRow(k.Account, k.Region, k.ID), mustJSON(k))
	return s.commit(b, "update key")
}

// loadKey reads a key record. A key whose deletion date has passed is
// deleted now and reported as not found; a key whose automatic rotation is
// due is rotated first. Both transitions follow the injected clock.
func (s *Service) loadKey(account aws.AccountID, region, id string) (*Key, error) {
	k, err := s.readKey(account, region, id)
	if err != nil {
		return nil, err
	}
	if s.expired(k) || s.rotationDue(k) {
		unlock := s.lock(account, region, id)
		defer unlock()
		return s.lockedKey(account, region, id)
	}
	return k, nil
}

// lockedKey is loadKey for a caller that holds the key's lock.
func (s *Service) lockedKey(account aws.AccountID, region, id string) (*Key, error) {
	k, err := s.readKey(account, region, id)
	if err != nil {
		return nil, err
	}
	return s.transition(k)
}

// readKey decodes a key record without any transition.
func (s *Service) readKey(account aws.AccountID, region, id string) (*Key, error) {
	row := keyRow(account, region, id)
	cached, gen, ok := s.keys.Get(string(row))
	if ok {
		return cached.clone(), nil
	}
	raw, err := s.store.Get(row)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, aws.ErrKMSNotFound(KeyARN(region, account, id))
	}
	if err != nil {
		return nil, aws.ErrKMSInternal(fmt.Errorf("kms: read key %s: %w", id, err))
	}
	var k Key
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, aws.ErrKMSInternal(fmt.Errorf("kms: decode key %s: %w", id, err))
	}
	s.keys.Put(string(row), k.clone(), gen)
	return &k, nil
}

// clone returns a copy of k that shares nothing mutable with it.
func (k *Key) clone() *Key {
	c := *k
	c.Replicas = slices.Clone(k.Replicas)
	c.Versions = slices.Clone(k.Versions)
	c.Tags = slices.Clone(k.Tags)
	return &c
}

// scan calls fn for every row under prefix.
func (s *Service) scan(prefix []byte, fn func(k, v []byte) error) error {
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return aws.ErrKMSInternal(err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			it.Close()
			return aws.ErrKMSInternal(err)
		}
	}
	if err := it.Close(); err != nil {
		return aws.ErrKMSInternal(err)
	}
	return nil
}
