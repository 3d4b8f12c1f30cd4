package kms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Grant is a stored KMS grant. Ferry keeps grants as records only: the
// policy engine will consult them when it replaces Service.authorize.
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

// CreateGrant stores a grant on a key and returns it with its id.
func (s *Service) CreateGrant(ctx context.Context, p aws.Principal, region string, in CreateGrantInput) (Grant, error) {
	if strings.HasPrefix(in.KeyRef, "alias/") || strings.Contains(in.KeyRef, ":alias/") {
		return Grant{}, aws.ErrKMSAliasARNNotSupported()
	}
	if in.GranteePrincipal == "" || len(in.Operations) == 0 {
		return Grant{}, aws.ErrKMSValidation("GranteePrincipal and Operations are required.")
	}
	k, err := s.keyFor(ctx, p, region, in.KeyRef, ActionCreateGrant)
	if err != nil {
		return Grant{}, err
	}
	if k.State == StatePendingDeletion {
		return Grant{}, aws.ErrKMSPendingDeletion(k.ARN)
	}
	var id [32]byte
	rand.Read(id[:])
	g := Grant{
		ID: hex.EncodeToString(id[:]), KeyID: k.ARN, Name: in.Name,
		GranteePrincipal: in.GranteePrincipal, RetiringPrincipal: in.RetiringPrincipal,
		IssuingAccount: aws.RootARN(p.Account), Operations: in.Operations,
		ContextSubset: in.ContextSubset, ContextEquals: in.ContextEquals, Created: s.clock.Now().UTC(),
	}
	b := s.store.NewBatch()
	b.Set(grantRow(k.Account, k.Region, k.ID, g.ID), mustJSON(g))
	return g, commit(b, "create grant")
}

// ListGrants lists a key's grants, by grant id.
func (s *Service) ListGrants(ctx context.Context, p aws.Principal, region, keyRef string) ([]Grant, error) {
	k, err := s.keyFor(ctx, p, region, keyRef, ActionListGrants)
	if err != nil {
		return nil, err
	}
	var out []Grant
	err = s.scan(grantPrefix(k.Account, k.Region, k.ID), func(_, v []byte) error {
		var g Grant
		if err := json.Unmarshal(v, &g); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

// RevokeGrant deletes a grant (by the key's administrators).
func (s *Service) RevokeGrant(ctx context.Context, p aws.Principal, region, keyRef, grantID string) error {
	return s.deleteGrant(ctx, p, region, keyRef, grantID, ActionRevokeGrant)
}

// RetireGrant deletes a grant (by its retiring or grantee principal; for now
// the interim rule of authorize applies).
func (s *Service) RetireGrant(ctx context.Context, p aws.Principal, region, keyRef, grantID string) error {
	return s.deleteGrant(ctx, p, region, keyRef, grantID, ActionRetireGrant)
}

func (s *Service) deleteGrant(ctx context.Context, p aws.Principal, region, keyRef, grantID, action string) error {
	k, err := s.keyFor(ctx, p, region, keyRef, action)
	if err != nil {
		return err
	}
	row := grantRow(k.Account, k.Region, k.ID, grantID)
	if _, err := s.store.Get(row); errors.Is(err, meta.ErrNotFound) {
		return aws.ErrKMSGrantNotFound(grantID)
	} else if err != nil {
		return aws.ErrKMSInternal(err)
	}
	b := s.store.NewBatch()
	b.Delete(row)
	return commit(b, "delete grant")
}
