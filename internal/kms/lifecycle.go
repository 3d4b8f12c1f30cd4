package kms

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Deletion window bounds, in days.
const (
	MinPendingWindowDays     = 7
	MaxPendingWindowDays     = 30
	DefaultPendingWindowDays = 30
)

const day = 24 * time.Hour

// EnableKey makes a disabled key usable again.
func (s *Service) EnableKey(ctx context.Context, p aws.Principal, region, keyRef string) error {
	return s.mutate(ctx, p, region, keyRef, ActionEnableKey, func(k *Key) error {
		if err := notManaged(k, "EnableKey"); err != nil {
			return err
		}
		if k.State == StatePendingDeletion {
			return aws.ErrKMSPendingDeletion(k.ARN)
		}
		k.State = StateEnabled
		return nil
	})
}

// DisableKey stops a key from being used for cryptographic operations.
func (s *Service) DisableKey(ctx context.Context, p aws.Principal, region, keyRef string) error {
	return s.mutate(ctx, p, region, keyRef, ActionDisableKey, func(k *Key) error {
		if err := notManaged(k, "DisableKey"); err != nil {
			return err
		}
		if k.State == StatePendingDeletion {
			return aws.ErrKMSPendingDeletion(k.ARN)
		}
		k.State = StateDisabled
		return nil
	})
}

// ScheduleKeyDeletion puts a key in PendingDeletion for pendingDays (7 to
// 30; 0 means 30). When the clock passes the deletion date the key, its
// material, aliases and grants are deleted, and its ciphertexts can never be
// decrypted again.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, p aws.Principal, region, keyRef string, pendingDays int) (*Key, error) {
	if pendingDays == 0 {
		pendingDays = DefaultPendingWindowDays
	}
	if pendingDays < MinPendingWindowDays || pendingDays > MaxPendingWindowDays {
		return nil, aws.ErrKMSPendingWindow(pendingDays)
	}
	var out *Key
	err := s.mutate(ctx, p, region, keyRef, ActionScheduleKeyDeletion, func(k *Key) error {
		if err := notManaged(k, "ScheduleKeyDeletion"); err != nil {
			return err
		}
		if k.State == StatePendingDeletion {
			return aws.ErrKMSPendingDeletion(k.ARN)
		}
		k.State = StatePendingDeletion
		k.PendingWindowDays = pendingDays
		k.DeletionDate = s.clock.Now().UTC().Add(time.Duration(pendingDays) * day)
		out = k
		return nil
	})
	return out, err
}

// CancelKeyDeletion takes a key out of PendingDeletion; as in AWS it comes
// back Disabled.
func (s *Service) CancelKeyDeletion(ctx context.Context, p aws.Principal, region, keyRef string) (*Key, error) {
	var out *Key
	err := s.mutate(ctx, p, region, keyRef, ActionCancelKeyDeletion, func(k *Key) error {
		if k.State != StatePendingDeletion {
			return aws.ErrKMSNotPendingDeletion(k.ARN)
		}
		k.State, k.DeletionDate, k.PendingWindowDays = StateDisabled, time.Time{}, 0
		out = k
		return nil
	})
	return out, err
}

// EnableKeyRotation turns on automatic rotation every periodDays (90 to
// 2560; 0 means 365), counted from now.
func (s *Service) EnableKeyRotation(ctx context.Context, p aws.Principal, region, keyRef string, periodDays int) error {
	if periodDays == 0 {
		periodDays = DefaultRotationDays
	}
	if periodDays < MinRotationDays || periodDays > MaxRotationDays {
		return aws.ErrKMSRotationPeriod(periodDays)
	}
	return s.mutate(ctx, p, region, keyRef, ActionEnableKeyRotation, func(k *Key) error {
		if err := usable(k); err != nil {
			return err
		}
		if err := notManaged(k, "EnableKeyRotation"); err != nil {
			return err
		}
		if k.KeyType() == MultiRegionReplica {
			return aws.ErrKMSReplicaRotation(k.ARN, "EnableKeyRotation")
		}
		k.RotationEnabled, k.RotationPeriodDays = true, periodDays
		k.NextRotation = s.clock.Now().UTC().Add(time.Duration(periodDays) * day)
		return nil
	})
}

// DisableKeyRotation turns automatic rotation off; existing versions stay.
func (s *Service) DisableKeyRotation(ctx context.Context, p aws.Principal, region, keyRef string) error {
	return s.mutate(ctx, p, region, keyRef, ActionDisableKeyRotation, func(k *Key) error {
		if err := usable(k); err != nil {
			return err
		}
		if err := notManaged(k, "DisableKeyRotation"); err != nil {
			return err
		}
		if k.KeyType() == MultiRegionReplica {
			return aws.ErrKMSReplicaRotation(k.ARN, "DisableKeyRotation")
		}
		k.RotationEnabled, k.NextRotation = false, time.Time{}
		return nil
	})
}

// RotationStatus is GetKeyRotationStatus's answer.
type RotationStatus struct {
	// KeyARN is the key asked about (a replica's, not its primary's).
	KeyARN       string
	Enabled      bool
	PeriodDays   int
	NextRotation time.Time
	// OnDemandRotationStart is set while an on-demand rotation is running;
	// Ferry rotates synchronously, so it is always zero.
	OnDemandRotationStart time.Time
}

// GetKeyRotationStatus reports whether automatic rotation is on.
func (s *Service) GetKeyRotationStatus(ctx context.Context, p aws.Principal, region, keyRef string) (RotationStatus, error) {
	k, err := s.keyFor(ctx, p, region, keyRef, ActionGetKeyRotationStatus)
	if err != nil {
		return RotationStatus{}, err
	}
	arn := k.ARN
	if k.KeyType() == MultiRegionReplica {
		// Rotation is a shared property of multi-Region keys: the primary's.
		if primary, err := s.readKey(k.Account, k.PrimaryRegion, k.ID); err == nil {
			k = primary
		}
	}
	return RotationStatus{KeyARN: arn, Enabled: k.RotationEnabled, PeriodDays: k.RotationPeriodDays, NextRotation: k.NextRotation}, nil
}

// ListKeyRotations lists the rotations of a key's material, oldest first:
// every version but the original one, with its date and whether it came
// from automatic or on-demand rotation.
func (s *Service) ListKeyRotations(ctx context.Context, p aws.Principal, region, keyRef string) (keyID string, rotations []MaterialVersion, err error) {
	k, err := s.keyFor(ctx, p, region, keyRef, ActionListKeyRotations)
	if err != nil {
		return "", nil, err
	}
	return k.ID, k.Versions[1:], nil
}

// RotateKeyOnDemand adds a new material version now; new encryptions use it
// and old ciphertexts still decrypt with their own version. It returns the
// key's id and the new version number.
func (s *Service) RotateKeyOnDemand(ctx context.Context, p aws.Principal, region, keyRef string) (keyID string, version uint32, err error) {
	err = s.mutateWith(ctx, p, region, keyRef, ActionRotateKeyOnDemand, func(b meta.Batch, k *Key) error {
		if err := usable(k); err != nil {
			return err
		}
		if err := notManaged(k, "RotateKeyOnDemand"); err != nil {
			return err
		}
		if k.KeyType() == MultiRegionReplica {
			return aws.ErrKMSReplicaRotation(k.ARN, "RotateKeyOnDemand")
		}
		if k.OnDemandRotations >= MaxOnDemandRotations {
			return aws.ErrKMSRotationLimit(k.ARN)
		}
		k.OnDemandRotations++
		if err := s.addMaterial(b, k, "ON_DEMAND"); err != nil {
			return err
		}
		keyID, version = k.ID, k.Current()
		return nil
	})
	return keyID, version, err
}

// mutateWith is mutate for changes that write rows besides the key record.
func (s *Service) mutateWith(ctx context.Context, p aws.Principal, region, keyRef, action string, fn func(meta.Batch, *Key) error) error {
	k, err := s.keyFor(ctx, p, region, keyRef, action)
	if err != nil {
		return err
	}
	unlock := s.lock(k.Account, k.Region, k.ID)
	defer unlock()
	if k, err = s.lockedKey(k.Account, k.Region, k.ID); err != nil {
		return err
	}
	b := s.store.NewBatch()
	if err := fn(b, k); err != nil {
		b.Close()
		return err
	}
	b.Set(keyRow(k.Account, k.Region, k.ID), mustJSON(k))
	return s.commit(b, "update key")
}

// addMaterial appends a fresh material version to k and writes it, sealed
// by the root key, into b.
func (s *Service) addMaterial(b meta.Batch, k *Key, rotation string) error {
	var version uint32 = 1
	if len(k.Versions) > 0 {
		version = k.Current() + 1
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return aws.ErrKMSInternal(fmt.Errorf("kms: generate key material: %w", err))
	}
	b.Set(materialRow(k.Account, k.Region, k.ID, version), s.root.Seal(materialPurpose(k, version), raw))
	clear(raw)
	k.Versions = append(k.Versions, MaterialVersion{Version: version, Created: s.clock.Now().UTC(), Rotation: rotation})
	return nil
}

// materialPurpose names a material version for the root key's associated
// data, so a sealed version cannot be swapped for another key's or version's.
func materialPurpose(k *Key, version uint32) string {
	return "kms/material/" + k.ARN + "/" + strconv.FormatUint(uint64(version), 10)
}

// usable is the key-state check of every cryptographic operation.
func usable(k *Key) error {
	switch k.State {
	case StateEnabled:
		return nil
	case StateDisabled:
		return aws.ErrKMSDisabled(k.ARN)
	case StatePendingDeletion:
		return aws.ErrKMSPendingDeletion(k.ARN)
	}
	return aws.New("KMSInvalidStateException", 400, fmt.Sprintf("%s is %s.", k.ARN, k.State))
}

// notManaged refuses lifecycle operations on AWS managed keys.
func notManaged(k *Key, op string) error {
	if k.Manager == ManagerAWS {
		return aws.ErrKMSUnsupported(k.ARN, op)
	}
	return nil
}

// expired reports whether a key's deletion date has passed.
func (s *Service) expired(k *Key) bool {
	return k.State == StatePendingDeletion && !s.clock.Now().Before(k.DeletionDate)
}

// rotationDue reports whether automatic rotation should add a version.
func (s *Service) rotationDue(k *Key) bool {
	return k.RotationEnabled && k.State == StateEnabled && !k.NextRotation.IsZero() && !s.clock.Now().Before(k.NextRotation)
}

// transition applies due clock-driven changes to a key whose lock the caller
// holds: deletion after the window, or the automatic rotations that have
// come due.
func (s *Service) transition(k *Key) (*Key, error) {
	b := s.store.NewBatch()
	switch {
	case s.expired(k):
		if err := s.deleteKeyRows(b, k); err != nil {
			b.Close()
			return nil, err
		}
		if err := s.commit(b, "delete key"); err != nil {
			return nil, err
		}
		s.forgetMaterials(k)
		return nil, aws.ErrKMSNotFound(k.ARN)
	case s.rotationDue(k):
		now := s.clock.Now()
		for k.RotationPeriodDays > 0 && !now.Before(k.NextRotation) {
			if err := s.addMaterial(b, k, "AUTOMATIC"); err != nil {
				b.Close()
				return nil, err
			}
			k.NextRotation = k.NextRotation.Add(time.Duration(k.RotationPeriodDays) * day)
		}
		b.Set(keyRow(k.Account, k.Region, k.ID), mustJSON(k))
		if err := s.commit(b, "rotate key"); err != nil {
			return nil, err
		}
		return k, nil
	}
	b.Close()
	return k, nil
}

// deleteKeyRows removes a key with its material, grants and aliases.
func (s *Service) deleteKeyRows(b meta.Batch, k *Key) error {
	b.Delete(keyRow(k.Account, k.Region, k.ID))
	mp := materialPrefix(k.Account, k.Region, k.ID)
	b.DeleteRange(mp, meta.PrefixEnd(mp))
	gp := grantPrefix(k.Account, k.Region, k.ID)
	b.DeleteRange(gp, meta.PrefixEnd(gp))
	return s.scan(aliasPrefix(k.Account, k.Region), func(row, v []byte) error {
		var a Alias
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if a.TargetKeyID == k.ID {
			b.Delete(row)
		}
		return nil
	})
}

// PurgeExpired deletes every key whose deletion date has passed and returns
// how many it deleted. Keys are also deleted lazily when next looked up; a
// background ticker can call this to reclaim space.
func (s *Service) PurgeExpired() (int, error) {
	type ref struct {
		account aws.AccountID
		region  string
		id      string
	}
	var due []ref
	prefix := meta.NewKey('k').Bytes([]byte{'K'})
	err := s.scan(prefix, func(_, v []byte) error {
		var k Key
		if err := json.Unmarshal(v, &k); err != nil {
			return err
		}
		if s.expired(&k) {
			due = append(due, ref{k.Account, k.Region, k.ID})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		if _, err := s.loadKey(r.account, r.region, r.id); aws.IsCode(err, "NotFoundException") {
			n++
		} else if err != nil {
			return n, err
		}
	}
	return n, nil
}
