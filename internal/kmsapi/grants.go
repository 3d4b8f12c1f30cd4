package kmsapi

import (
	"encoding/base64"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
)

// Grants. A grant token names the key and the grant, so RetireGrant works
// with the token alone.

func init() {
	register("CreateGrant", op(createGrant))
	register("ListGrants", op(listGrants))
	register("RetireGrant", op(retireGrant))
	register("RevokeGrant", op(revokeGrant))
	register("ListRetirableGrants", op(listRetirableGrants))
}

func grantToken(keyARN, grantID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(keyARN + "\x00" + grantID))
}

func parseGrantToken(token string) (keyARN, grantID string, err error) {
	raw, derr := base64.RawURLEncoding.DecodeString(token)
	keyARN, grantID, ok := strings.Cut(string(raw), "\x00")
	if derr != nil || !ok {
		return "", "", aws.New("InvalidGrantTokenException", 400, "Invalid grant token")
	}
	return keyARN, grantID, nil
}

func createGrant(c *call, in *sdk.CreateGrantInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	grantee, err := required("granteePrincipal", in.GranteePrincipal)
	if err != nil {
		return nil, err
	}
	if len(in.Operations) == 0 {
		return nil, aws.ErrKMSValidation("1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null")
	}
	ctx := c.ctx
	if dryRun(in) {
		ctx = kms.WithDryRun(ctx)
	}
	g := kms.CreateGrantInput{KeyRef: ref, Name: str(in.Name), GranteePrincipal: grantee, RetiringPrincipal: str(in.RetiringPrincipal)}
	for _, o := range in.Operations {
		g.Operations = append(g.Operations, string(o))
	}
	if in.Constraints != nil {
		g.ContextEquals, g.ContextSubset = in.Constraints.EncryptionContextEquals, in.Constraints.EncryptionContextSubset
	}
	out, err := c.kms.CreateGrant(ctx, c.p, c.region, g)
	if err != nil || dryRun(in) {
		return nil, err
	}
	return struct {
		GrantID    string `json:"GrantId"`
		GrantToken string `json:"GrantToken"`
	}{out.ID, grantToken(out.KeyID, out.ID)}, nil
}

type grantConstraints struct {
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
}

type grantEntry struct {
	KeyID             string            `json:"KeyId"`
	GrantID           string            `json:"GrantId"`
	Name              string            `json:"Name,omitempty"`
	CreationDate      epoch             `json:"CreationDate"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
	IssuingAccount    string            `json:"IssuingAccount"`
	Operations        []string          `json:"Operations"`
	Constraints       *grantConstraints `json:"Constraints,omitempty"`
}

func listGrants(c *call, in *sdk.ListGrantsInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	grants, err := c.kms.ListGrants(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	var entries []grantEntry
	for _, g := range grants {
		if (in.GrantId != nil && *in.GrantId != g.ID) || (in.GranteePrincipal != nil && *in.GranteePrincipal != g.GranteePrincipal) {
			continue
		}
		entries = append(entries, entryOf(g))
	}
	return grantPage(entries, in.Limit, in.Marker)
}

func entryOf(g kms.Grant) grantEntry {
	e := grantEntry{
		KeyID: g.KeyID, GrantID: g.ID, Name: g.Name, CreationDate: epoch(g.Created),
		GranteePrincipal: g.GranteePrincipal, RetiringPrincipal: g.RetiringPrincipal,
		IssuingAccount: g.IssuingAccount, Operations: g.Operations,
	}
	if len(g.ContextEquals) > 0 || len(g.ContextSubset) > 0 {
		e.Constraints = &grantConstraints{g.ContextSubset, g.ContextEquals}
	}
	return e
}

func listRetirableGrants(c *call, in *sdk.ListRetirableGrantsInput) (any, error) {
	retiring, err := required("retiringPrincipal", in.RetiringPrincipal)
	if err != nil {
		return nil, err
	}
	grants, err := c.kms.ListRetirableGrants(c.ctx, c.p, c.region, retiring)
	if err != nil {
		return nil, err
	}
	entries := make([]grantEntry, 0, len(grants))
	for _, g := range grants {
		entries = append(entries, entryOf(g))
	}
	return grantPage(entries, in.Limit, in.Marker)
}

// grantPage is one page of ListGrants or ListRetirableGrants.
func grantPage(entries []grantEntry, limit *int32, marker *string) (any, error) {
	items, pg, err := paginate(entries, limit, marker)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []grantEntry{}
	}
	return struct {
		Grants []grantEntry `json:"Grants"`
		page
	}{items, pg}, nil
}

func retireGrant(c *call, in *sdk.RetireGrantInput) (any, error) {
	ref, id := str(in.KeyId), str(in.GrantId)
	if in.GrantToken != nil {
		var err error
		if ref, id, err = parseGrantToken(*in.GrantToken); err != nil {
			return nil, err
		}
	}
	if ref == "" || id == "" {
		return nil, aws.ErrKMSValidation("Either GrantToken or both KeyId and GrantId must be specified.")
	}
	ctx := c.ctx
	if dryRun(in) {
		ctx = kms.WithDryRun(ctx)
	}
	return empty{}, c.kms.RetireGrant(ctx, c.p, c.region, ref, id)
}

func revokeGrant(c *call, in *sdk.RevokeGrantInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	id, err := required("grantId", in.GrantId)
	if err != nil {
		return nil, err
	}
	ctx := c.ctx
	if dryRun(in) {
		ctx = kms.WithDryRun(ctx)
	}
	return empty{}, c.kms.RevokeGrant(ctx, c.p, c.region, ref, id)
}
