package kms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// ManagedS3Alias is the alias of the AWS managed key S3 uses for SSE-KMS
// when no key is named. It is created on first use in each account and region.
const ManagedS3Alias = "alias/aws/s3"

// Alias is a friendly name for a key, per account and region.
type Alias struct {
	Name        string    `json:"name"` // "alias/NAME"
	ARN         string    `json:"arn"`
	TargetKeyID string    `json:"target"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// AliasARN formats an alias ARN.
func AliasARN(region string, account aws.AccountID, name string) string {
	return "arn:aws:kms:" + region + ":" + string(account) + ":" + name
}

// CreateAlias names a key of the caller's account. Names start with
// "alias/"; "alias/aws/" is reserved for AWS managed keys.
func (s *Service) CreateAlias(ctx context.Context, p aws.Principal, region, name, targetKeyRef string) error {
	if err := validAliasName(name); err != nil {
		return err
	}
	k, err := s.aliasTarget(ctx, p, region, targetKeyRef, ActionCreateAlias)
	if err != nil {
		return err
	}
	unlock := s.lockAlias(p.Account, region, name)
	defer unlock()
	if _, err := s.readAlias(p.Account, region, name); err == nil {
		return aws.ErrKMSAliasExists(AliasARN(region, p.Account, name))
	} else if !aws.IsCode(err, "NotFoundException") {
		return err
	}
	now := s.clock.Now().UTC()
	a := Alias{Name: name, ARN: AliasARN(region, p.Account, name), TargetKeyID: k.ID, Created: now, Updated: now}
	b := s.store.NewBatch()
	b.Set(aliasRow(p.Account, region, name), mustJSON(a))
	return s.commit(b, "create alias")
}

// UpdateAlias points an existing alias at another key of the same account.
func (s *Service) UpdateAlias(ctx context.Context, p aws.Principal, region, name, targetKeyRef string) error {
	if err := validAliasName(name); err != nil {
		return err
	}
	k, err := s.aliasTarget(ctx, p, region, targetKeyRef, ActionUpdateAlias)
	if err != nil {
		return err
	}
	unlock := s.lockAlias(p.Account, region, name)
	defer unlock()
	a, err := s.readAlias(p.Account, region, name)
	if err != nil {
		return err
	}
	a.TargetKeyID, a.Updated = k.ID, s.clock.Now().UTC()
	b := s.store.NewBatch()
	b.Set(aliasRow(p.Account, region, name), mustJSON(a))
	return s.commit(b, "update alias")
}

// DeleteAlias removes an alias; the key is unaffected.
func (s *Service) DeleteAlias(ctx context.Context, p aws.Principal, region, name string) error {
	if err := validAliasName(name); err != nil {
		return err
	}
	unlock := s.lockAlias(p.Account, region, name)
	defer unlock()
	a, err := s.readAlias(p.Account, region, name)
	if err != nil {
		return err
	}
	k, err := s.loadKey(p.Account, region, a.TargetKeyID)
	if err == nil {
		err = s.authorize(ctx, p, ActionDeleteAlias, k)
	}
	if err != nil && !aws.IsCode(err, "NotFoundException") {
		return err
	}
	b := s.store.NewBatch()
	b.Delete(aliasRow(p.Account, region, name))
	return s.commit(b, "delete alias")
}

// ListAliases lists the caller's aliases in region, by name; with keyRef
// set, only those that point at that key.
func (s *Service) ListAliases(ctx context.Context, p aws.Principal, region, keyRef string) ([]Alias, error) {
	if err := s.authorize(ctx, p, ActionListAliases, nil); err != nil {
		return nil, err
	}
	var target string
	if keyRef != "" {
		k, err := s.keyFor(ctx, p, region, keyRef, ActionListAliases)
		if err != nil {
			return nil, err
		}
		target = k.ID
	}
	var out []Alias
	err := s.scan(aliasPrefix(p.Account, region), func(_, v []byte) error {
		var a Alias
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if target == "" || a.TargetKeyID == target {
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// aliasTarget resolves the key an alias is to name: a customer managed key
// of the caller's own account, not pending deletion.
func (s *Service) aliasTarget(ctx context.Context, p aws.Principal, region, ref, action string) (*Key, error) {
	k, err := s.keyFor(ctx, p, region, ref, action)
	if err != nil {
		return nil, err
	}
	if k.Account != p.Account { // not a policy decision: aliases never cross accounts
		return nil, aws.ErrKMSAccessDenied(p.ARN, action, k.ARN)
	}
	if k.Manager == ManagerAWS {
		return nil, aws.ErrKMSUnsupported(k.ARN, strings.TrimPrefix(action, "kms:"))
	}
	if k.State == StatePendingDeletion {
		return nil, aws.ErrKMSPendingDeletion(k.ARN)
	}
	return k, nil
}

// validAliasName checks an alias name as CreateAlias does.
func validAliasName(name string) error {
	rest, ok := strings.CutPrefix(name, "alias/")
	if !ok {
		return aws.ErrKMSAliasPrefix()
	}
	if rest == "" || len(name) > 256 {
		return aws.ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must have length between 1 and 256", name))
	}
	for _, c := range []byte(rest) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '_' || c == '-') {
			return aws.ErrKMSAliasChars(name)
		}
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return aws.ErrKMSAliasReserved(name)
	}
	return nil
}

// readAlias reads an alias record.
func (s *Service) readAlias(account aws.AccountID, region, name string) (Alias, error) {
	var a Alias
	raw, err := s.store.Get(aliasRow(account, region, name))
	if errors.Is(err, meta.ErrNotFound) {
		return a, aws.ErrKMSAliasNotFound(AliasARN(region, account, name))
	}
	if err != nil {
		return a, aws.ErrKMSInternal(fmt.Errorf("kms: read alias %s: %w", name, err))
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, aws.ErrKMSInternal(fmt.Errorf("kms: decode alias %s: %w", name, err))
	}
	return a, nil
}

// managedKey returns the AWS managed key behind alias (only aws/s3 is
// supported), creating key and alias on first use.
func (s *Service) managedKey(account aws.AccountID, region, alias string) (*Key, error) {
	unlock := s.lockAlias(account, region, alias)
	defer unlock()
	if a, err := s.readAlias(account, region, alias); err == nil {
		return s.loadKey(account, region, a.TargetKeyID)
	}
	k := s.newKey(account, region, false)
	k.Manager = ManagerAWS
	k.Description = "Default key that protects my S3 objects when no other key is defined"
	k.Policy = managedS3Policy(account, region)
	// AWS managed keys rotate every year, and nobody can turn that off.
	k.RotationEnabled, k.RotationPeriodDays = true, DefaultRotationDays
	k.NextRotation = k.Created.Add(DefaultRotationDays * day)
	b := s.store.NewBatch()
	if err := s.addMaterial(b, k, ""); err != nil {
		b.Close()
		return nil, err
	}
	b.Set(keyRow(account, region, k.ID), mustJSON(k))
	a := Alias{Name: alias, ARN: AliasARN(region, account, alias), TargetKeyID: k.ID, Created: k.Created, Updated: k.Created}
	b.Set(aliasRow(account, region, alias), mustJSON(a))
	if err := s.commit(b, "create managed key"); err != nil {
		return nil, err
	}
	return k, nil
}

// managedS3Policy is the policy of an aws/s3 key: any principal of the
// account may use it through S3 in this region, and the account may read it.
// Nobody can change it, which is why it cannot serve other accounts.
func managedS3Policy(account aws.AccountID, region string) string {
	return `{"Version":"2012-10-17","Id":"auto-s3-2","Statement":[` +
		`{"Sid":"Allow access through S3 for all principals in the account that are authorized to use S3","Effect":"Allow","Principal":{"AWS":"*"},` +
		`"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",` +
		`"Condition":{"StringEquals":{"kms:CallerAccount":"` + string(account) + `","kms:ViaService":"s3.` + region + `.amazonaws.com"}}},` +
		`{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{"AWS":"` + aws.RootARN(account) + `"},` +
		`"Action":["kms:Describe*","kms:Get*","kms:List*"],"Resource":"*"}]}`
}
