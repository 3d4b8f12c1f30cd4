package kmsapi

import (
	sdk "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
)

// Key management: creation, description, listing, policies and tags.

func init() {
	register("CreateKey", op(createKey))
	register("DescribeKey", op(describeKey))
	register("ListKeys", op(listKeys))
	register("UpdateKeyDescription", op(updateKeyDescription))
	register("GetKeyPolicy", op(getKeyPolicy))
	register("PutKeyPolicy", op(putKeyPolicy))
	register("ListKeyPolicies", op(listKeyPolicies))
	register("TagResource", op(tagResource))
	register("UntagResource", op(untagResource))
	register("ListResourceTags", op(listResourceTags))
	register("ReplicateKey", op(replicateKey))
}

// replicateKey answers with the replica's metadata and its policy and tags.
func replicateKey(c *call, in *sdk.ReplicateKeyInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	replicaRegion, err := required("replicaRegion", in.ReplicaRegion)
	if err != nil {
		return nil, err
	}
	tags, err := kmsTags(in.Tags)
	if err != nil {
		return nil, err
	}
	r, err := c.kms.ReplicateKey(c.ctx, c.p, c.region, kms.ReplicateKeyInput{
		KeyRef: ref, ReplicaRegion: replicaRegion, Policy: str(in.Policy), Description: str(in.Description), Tags: tags,
		BypassPolicyLockoutSafetyCheck: in.BypassPolicyLockoutSafetyCheck,
	})
	if err != nil {
		return nil, err
	}
	return struct {
		ReplicaKeyMetadata keyMetadata `json:"ReplicaKeyMetadata"`
		ReplicaPolicy      string      `json:"ReplicaPolicy"`
		ReplicaTags        []tag       `json:"ReplicaTags"`
	}{metadataOf(c.kms, r), r.Policy, tagsOf(r.Tags)}, nil
}

// policyName is the only key policy name KMS has.
const policyName = "default"

type keyMetadataOutput struct {
	KeyMetadata keyMetadata `json:"KeyMetadata"`
}

func createKey(c *call, in *sdk.CreateKeyInput) (any, error) {
	if spec := string(in.KeySpec); spec != "" && spec != kms.KeySpec {
		return nil, aws.ErrKMSValidation("Ferry supports only SYMMETRIC_DEFAULT keys.")
	}
	if usage := string(in.KeyUsage); usage != "" && usage != kms.KeyUsage {
		return nil, aws.ErrKMSValidation("Ferry supports only ENCRYPT_DECRYPT keys.")
	}
	if origin := string(in.Origin); origin != "" && origin != kms.Origin {
		return nil, aws.ErrKMSValidation("Ferry supports only AWS_KMS key material.")
	}
	tags, err := kmsTags(in.Tags)
	if err != nil {
		return nil, err
	}
	k, err := c.kms.CreateKey(c.ctx, c.p, c.region, kms.CreateKeyInput{
		Description: str(in.Description), Policy: str(in.Policy), MultiRegion: in.MultiRegion != nil && *in.MultiRegion, Tags: tags,
		BypassPolicyLockoutSafetyCheck: in.BypassPolicyLockoutSafetyCheck,
	})
	if err != nil {
		return nil, err
	}
	return keyMetadataOutput{metadataOf(c.kms, k)}, nil
}

func describeKey(c *call, in *sdk.DescribeKeyInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	k, err := c.kms.DescribeKey(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	return keyMetadataOutput{metadataOf(c.kms, k)}, nil
}

type keyListEntry struct {
	KeyID  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
}

func listKeys(c *call, in *sdk.ListKeysInput) (any, error) {
	keys, err := c.kms.ListKeys(c.ctx, c.p, c.region)
	if err != nil {
		return nil, err
	}
	entries := make([]keyListEntry, 0, len(keys))
	for _, k := range keys {
		entries = append(entries, keyListEntry{k.KeyID, k.KeyARN})
	}
	items, pg, err := paginate(entries, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		Keys []keyListEntry `json:"Keys"`
		page
	}{items, pg}, nil
}

func updateKeyDescription(c *call, in *sdk.UpdateKeyDescriptionInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	if in.Description == nil {
		return nil, aws.ErrKMSValidation("1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null")
	}
	return empty{}, c.kms.UpdateKeyDescription(c.ctx, c.p, c.region, ref, *in.Description)
}

// checkPolicyName accepts only "default" (and no name where optional).
func checkPolicyName(name *string, needed bool) error {
	if name == nil && !needed {
		return nil
	}
	if str(name) != policyName {
		return aws.ErrKMSValidation("1 validation error detected: Value '" + str(name) + "' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+")
	}
	return nil
}

func getKeyPolicy(c *call, in *sdk.GetKeyPolicyInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyName(in.PolicyName, false); err != nil {
		return nil, err
	}
	policy, err := c.kms.GetKeyPolicy(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	return struct {
		Policy     string `json:"Policy"`
		PolicyName string `json:"PolicyName"`
	}{policy, policyName}, nil
}

func putKeyPolicy(c *call, in *sdk.PutKeyPolicyInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	policy, err := required("policy", in.Policy)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyName(in.PolicyName, false); err != nil {
		return nil, err
	}
	return empty{}, c.kms.PutKeyPolicy(c.ctx, c.p, c.region, ref, policy, in.BypassPolicyLockoutSafetyCheck)
}

func listKeyPolicies(c *call, in *sdk.ListKeyPoliciesInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := c.kms.ListKeyPolicies(c.ctx, c.p, c.region, ref); err != nil {
		return nil, err
	}
	items, pg, err := paginate([]string{policyName}, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string `json:"PolicyNames"`
		page
	}{items, pg}, nil
}

// kmsTags converts the SDK's tags; a missing key or value is a validation error.
func kmsTags(in []types.Tag) ([]kms.Tag, error) {
	out := make([]kms.Tag, 0, len(in))
	for _, t := range in {
		if t.TagKey == nil || t.TagValue == nil {
			return nil, aws.ErrKMSValidation("1 validation error detected: Value null at 'tags.member.tagKey' failed to satisfy constraint: Member must not be null")
		}
		out = append(out, kms.Tag{Key: *t.TagKey, Value: *t.TagValue})
	}
	return out, nil
}

func tagResource(c *call, in *sdk.TagResourceInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	tags, err := kmsTags(in.Tags)
	if err != nil {
		return nil, err
	}
	return empty{}, c.kms.TagResource(c.ctx, c.p, c.region, ref, tags)
}

func untagResource(c *call, in *sdk.UntagResourceInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	return empty{}, c.kms.UntagResource(c.ctx, c.p, c.region, ref, in.TagKeys)
}

func listResourceTags(c *call, in *sdk.ListResourceTagsInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	tags, err := c.kms.ListResourceTags(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	items, pg, err := paginate(tagsOf(tags), in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags []tag `json:"Tags"`
		page
	}{items, pg}, nil
}
