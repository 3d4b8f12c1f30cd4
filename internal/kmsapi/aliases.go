package kmsapi

import (
	sdk "github.com/aws/aws-sdk-go-v2/service/kms"
)

// Aliases.

func init() {
	register("CreateAlias", op(createAlias))
	register("UpdateAlias", op(updateAlias))
	register("DeleteAlias", op(deleteAlias))
	register("ListAliases", op(listAliases))
}

func createAlias(c *call, in *sdk.CreateAliasInput) (any, error) {
	name, err := required("aliasName", in.AliasName)
	if err != nil {
		return nil, err
	}
	target, err := required("targetKeyId", in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	return empty{}, c.kms.CreateAlias(c.ctx, c.p, c.region, name, target)
}

func updateAlias(c *call, in *sdk.UpdateAliasInput) (any, error) {
	name, err := required("aliasName", in.AliasName)
	if err != nil {
		return nil, err
	}
	target, err := required("targetKeyId", in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	return empty{}, c.kms.UpdateAlias(c.ctx, c.p, c.region, name, target)
}

func deleteAlias(c *call, in *sdk.DeleteAliasInput) (any, error) {
	name, err := required("aliasName", in.AliasName)
	if err != nil {
		return nil, err
	}
	return empty{}, c.kms.DeleteAlias(c.ctx, c.p, c.region, name)
}

type aliasEntry struct {
	AliasName       string `json:"AliasName"`
	AliasArn        string `json:"AliasArn"`
	TargetKeyID     string `json:"TargetKeyId,omitempty"`
	CreationDate    *epoch `json:"CreationDate,omitempty"`
	LastUpdatedDate *epoch `json:"LastUpdatedDate,omitempty"`
}

func listAliases(c *call, in *sdk.ListAliasesInput) (any, error) {
	aliases, err := c.kms.ListAliases(c.ctx, c.p, c.region, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	entries := make([]aliasEntry, 0, len(aliases))
	for _, a := range aliases {
		entries = append(entries, aliasEntry{a.Name, a.ARN, a.TargetKeyID, epochPtr(a.Created), epochPtr(a.Updated)})
	}
	items, pg, err := paginate(entries, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		Aliases []aliasEntry `json:"Aliases"`
		page
	}{items, pg}, nil
}
