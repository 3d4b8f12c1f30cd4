package kms

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Multi-Region keys. A key created with MultiRegion has an "mrk-" id; its
// replicas (ReplicateKey) have the same id and the same key material in
// other regions of the same account, so a ciphertext made in one region
// decrypts with the related key in another. The key policy, description,
// tags, aliases, grants and enabled state are each key's own; the material
// is shared: versions the primary gains by rotation reach a replica when
// it next encrypts, or decrypts a ciphertext of a version it lacks. The
// rotation settings are the primary's: a replica reports them and refuses
// to change them.

// Multi-Region key types, as DescribeKey reports them.
const (
	MultiRegionPrimary = "PRIMARY"
	MultiRegionReplica = "REPLICA"
)

// ActionReplicateKey is the permission ReplicateKey needs on the primary key.
const ActionReplicateKey = "kms:ReplicateKey"

// MultiRegionKey names one key of a multi-Region family.
type MultiRegionKey struct {
	ARN    string
	Region string
}

// MultiRegionConfig is DescribeKey's MultiRegionConfiguration.
type MultiRegionConfig struct {
	Type        string // MultiRegionPrimary or MultiRegionReplica
	PrimaryKey  MultiRegionKey
	ReplicaKeys []MultiRegionKey
}

// KeyType is MultiRegionPrimary or MultiRegionReplica for a multi-Region
// key, "" for a single-Region key.
func (k *Key) KeyType() string {
	switch {
	case !k.MultiRegion:
		return ""
	case k.PrimaryRegion != "":
		return MultiRegionReplica
	}
	return MultiRegionPrimary
}

// MultiRegionConfiguration describes k's multi-Region family (nil for a
// single-Region key): its primary and the replicas that still exist.
func (s *Service) MultiRegionConfiguration(k *Key) *MultiRegionConfig {
	if !k.MultiRegion {
		return nil
	}
	primary := k
	if k.PrimaryRegion != "" {
		if p, err := s.readKey(k.Account, k.PrimaryRegion, k.ID); err == nil {
			primary = p
		} else {
			primary = &Key{ARN: KeyARN(k.PrimaryRegion, k.Account, k.ID), Region: k.PrimaryRegion, Replicas: []string{k.Region}}
		}
	}
	c := &MultiRegionConfig{Type: k.KeyType(), PrimaryKey: MultiRegionKey{primary.ARN, primary.Region}, ReplicaKeys: []MultiRegionKey{}}
	for _, r := range primary.Replicas {
		if r == k.Region {
			c.ReplicaKeys = append(c.ReplicaKeys, MultiRegionKey{k.ARN, r})
		} else if rk, err := s.readKey(k.Account, r, k.ID); err == nil {
			c.ReplicaKeys = append(c.ReplicaKeys, MultiRegionKey{rk.ARN, r})
		}
	}
	return c
}

// ReplicateKeyInput holds ReplicateKey's parameters.
type ReplicateKeyInput struct {
	KeyRef        string
	ReplicaRegion string
	// Policy is the replica's key policy; "" gives the default policy.
	Policy                         string
	BypassPolicyLockoutSafetyCheck bool
	Description                    string
	Tags                           []Tag
}

var regionPattern = regexp.MustCompile(`^([a-z]+-){2,3}\d+$`)

// ReplicateKey creates a replica of a multi-Region primary key in another
// region of the same account, with the primary's key material. The caller
// needs kms:ReplicateKey on the primary, and kms:CreateKey (and, with tags,
// kms:TagResource) from IAM, as AWS asks in the replica region; Ferry's
// policies see the calling region in aws:RequestedRegion only. The replica
// is Enabled at once (AWS shows it Creating for a moment). [Inf] the texts
// of its ValidationExceptions; the pattern one is the form KMS uses for
// other members.
func (s *Service) ReplicateKey(ctx context.Context, p aws.Principal, region string, in ReplicateKeyInput) (*Key, error) {
	if !regionPattern.MatchString(in.ReplicaRegion) || len(in.ReplicaRegion) > 32 {
		return nil, aws.ErrKMSValidation("1 validation error detected: Value '" + in.ReplicaRegion +
			"' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$")
	}
	if len(s.regions) > 0 && !slices.Contains(s.regions, in.ReplicaRegion) {
		return nil, aws.ErrKMSValidation(fmt.Sprintf("%s is not a Region this server hosts.", in.ReplicaRegion))
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	k, err := s.keyFor(withReplicaRegion(ctx, in.ReplicaRegion), p, region, in.KeyRef, ActionReplicateKey)
	if err != nil {
		return nil, err
	}
	if k.KeyType() != MultiRegionPrimary {
		return nil, aws.ErrKMSNotMultiRegionPrimary(k.ARN)
	}
	if err := usable(k); err != nil {
		return nil, err
	}
	if in.ReplicaRegion == k.Region {
		return nil, aws.ErrKMSValidation(fmt.Sprintf("The replica region %s must differ from the primary key's region.", in.ReplicaRegion))
	}
	if err := s.authorize(ctx, p, ActionCreateKey, nil); err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		if err := s.authorize(ctx, p, ActionTagResource, nil); err != nil {
			return nil, err
		}
	}
	r := &Key{
		ID: k.ID, ARN: KeyARN(in.ReplicaRegion, k.Account, k.ID), Account: k.Account, Region: in.ReplicaRegion,
		Description: in.Description, State: StateEnabled, Created: s.clock.Now().UTC(), MultiRegion: true,
		Manager: ManagerCustomer, PrimaryRegion: k.Region, Tags: tags, Policy: in.Policy,
	}
	if r.Policy == "" {
		r.Policy = DefaultKeyPolicy(k.Account)
	} else if err := s.checkPolicy(ctx, p, r, r.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
		return nil, err
	}

	unlock := s.lock(k.Account, k.Region, k.ID)
	defer unlock()
	if k, err = s.lockedKey(k.Account, k.Region, k.ID); err != nil {
		return nil, err
	}
	if _, err := s.readKey(k.Account, in.ReplicaRegion, k.ID); err == nil {
		return nil, aws.ErrKMSReplicaExists(r.ARN)
	} else if !aws.IsCode(err, "NotFoundException") {
		return nil, err
	}
	b := s.store.NewBatch()
	if err := s.copyMaterial(b, k, r, k.Versions); err != nil {
		b.Close()
		return nil, err
	}
	if !slices.Contains(k.Replicas, r.Region) {
		k.Replicas = append(k.Replicas, r.Region)
	}
	b.Set(keyRow(r.Account, r.Region, r.ID), mustJSON(r))
	b.Set(keyRow(k.Account, k.Region, k.ID), mustJSON(k))
	if err := s.commit(b, "replicate key"); err != nil {
		return nil, err
	}
	return r, nil
}

// copyMaterial seals the primary's material versions for the replica r
// (each key's material is sealed under its own ARN) and records them on r.
func (s *Service) copyMaterial(b meta.Batch, primary, r *Key, versions []MaterialVersion) error {
	for _, v := range versions {
		sealed, err := s.store.Get(materialRow(primary.Account, primary.Region, primary.ID, v.Version))
		if err != nil {
			return aws.ErrKMSInternal(fmt.Errorf("kms: read material of %s: %w", primary.ARN, err))
		}
		raw, err := s.root.Open(materialPurpose(primary, v.Version), sealed)
		if err != nil {
			return aws.ErrKMSInternal(fmt.Errorf("kms: open material of %s: %w", primary.ARN, err))
		}
		b.Set(materialRow(r.Account, r.Region, r.ID, v.Version), s.root.Seal(materialPurpose(r, v.Version), raw))
		clear(raw)
		r.Versions = append(r.Versions, v)
	}
	return nil
}

// syncReplica brings a replica's material up to its primary's: the
// versions the primary gained by rotation since. A replica whose primary is
// gone keeps what it has.
func (s *Service) syncReplica(k *Key) (*Key, error) {
	if k.KeyType() != MultiRegionReplica {
		return k, nil
	}
	primary, err := s.readKey(k.Account, k.PrimaryRegion, k.ID)
	if err != nil || len(primary.Versions) == 0 || k.hasVersion(primary.Current()) {
		return k, nil
	}
	unlock := s.lock(k.Account, k.Region, k.ID)
	defer unlock()
	if k, err = s.lockedKey(k.Account, k.Region, k.ID); err != nil {
		return nil, err
	}
	var missing []MaterialVersion
	for _, v := range primary.Versions {
		if !k.hasVersion(v.Version) {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return k, nil
	}
	b := s.store.NewBatch()
	if err := s.copyMaterial(b, primary, k, missing); err != nil {
		b.Close()
		return nil, err
	}
	slices.SortFunc(k.Versions, func(a, b MaterialVersion) int { return int(a.Version) - int(b.Version) })
	b.Set(keyRow(k.Account, k.Region, k.ID), mustJSON(k))
	if err := s.commit(b, "sync replica key"); err != nil {
		return nil, err
	}
	return k, nil
}
