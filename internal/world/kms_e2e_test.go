package world

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// kms returns a KMS client for an account in a region.
func (e *env) kms(account, region string, mutate ...func(*kms.Options)) *kms.Client {
	k := e.keys[account]
	opts := kms.Options{
		Region:       region,
		BaseEndpoint: aws.String(e.srv.URL),
		HTTPClient:   e.srv.Client(),
		Credentials:  credentials.NewStaticCredentialsProvider(k.ID, k.Secret, ""),
	}
	for _, m := range mutate {
		m(&opts)
	}
	return kms.New(opts)
}

func message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func TestKMSEndToEnd(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	c := e.kms("a", "us-east-1")

	created, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("e2e"),
		Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("ferry")}}})
	if err != nil {
		t.Fatal(err)
	}
	md := created.KeyMetadata
	if md.KeyState != types.KeyStateEnabled || !md.Enabled || md.CreationDate == nil || md.CreationDate.IsZero() ||
		!strings.HasPrefix(*md.Arn, "arn:aws:kms:us-east-1:") || md.KeySpec != types.KeySpecSymmetricDefault {
		t.Fatalf("CreateKey metadata: %+v", md)
	}
	keyID := *md.KeyId
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/e2e"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	aliases, err := c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(keyID)})
	if err != nil || len(aliases.Aliases) != 1 || *aliases.Aliases[0].AliasName != "alias/e2e" {
		t.Fatalf("ListAliases: %+v %v", aliases, err)
	}

	// Encrypt through the alias, decrypt without naming the key.
	ec := map[string]string{"purpose": "test"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/e2e"), Plaintext: []byte("secret"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if *enc.KeyId != *md.Arn || enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatalf("Encrypt: %+v", enc)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil || string(dec.Plaintext) != "secret" || *dec.KeyId != *md.Arn {
		t.Fatalf("Decrypt: %+v %v", dec, err)
	}
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); code(err) != "InvalidCiphertextException" {
		t.Fatalf("Decrypt without context: %v", err)
	}
	re, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: aws.String(keyID)})
	if err != nil || *re.SourceKeyId != *md.Arn {
		t.Fatalf("ReEncrypt: %+v %v", re, err)
	}
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256})
	if err != nil || len(dk.Plaintext) != 32 {
		t.Fatalf("GenerateDataKey: %+v %v", dk, err)
	}
	back, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, KeyId: aws.String(keyID)})
	if err != nil || !bytes.Equal(back.Plaintext, dk.Plaintext) {
		t.Fatalf("Decrypt data key: %v", err)
	}
	nopt, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(keyID), NumberOfBytes: aws.Int32(16)})
	if err != nil || len(nopt.CiphertextBlob) == 0 {
		t.Fatalf("GenerateDataKeyWithoutPlaintext: %+v %v", nopt, err)
	}
	rnd, err := c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(24)})
	if err != nil || len(rnd.Plaintext) != 24 {
		t.Fatalf("GenerateRandom: %v", err)
	}

	// Listing, description, policy, tags, rotation, grants.
	keys, err := c.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(keys.Keys) == 0 {
		t.Fatalf("ListKeys: %+v %v", keys, err)
	}
	if _, err := c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: aws.String(keyID), Description: aws.String("changed")}); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/e2e")})
	if err != nil || *desc.KeyMetadata.Description != "changed" {
		t.Fatalf("DescribeKey: %+v %v", desc, err)
	}
	pol, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default")})
	if err != nil || !strings.Contains(*pol.Policy, "kms:*") {
		t.Fatalf("GetKeyPolicy: %v", err)
	}
	if _, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: pol.Policy}); err != nil {
		t.Fatal(err)
	}
	if names, err := c.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: aws.String(keyID)}); err != nil || len(names.PolicyNames) != 1 {
		t.Fatalf("ListKeyPolicies: %v", err)
	}
	if _, err := c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: aws.String(keyID), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(keyID), Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("ci")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(keyID)})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].TagKey != "env" {
		t.Fatalf("ListResourceTags: %+v %v", tags, err)
	}
	if _, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(keyID), RotationPeriodInDays: aws.Int32(90)}); err != nil {
		t.Fatal(err)
	}
	rs, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(keyID)})
	if err != nil || !rs.KeyRotationEnabled || aws.ToInt32(rs.RotationPeriodInDays) != 90 || rs.NextRotationDate == nil {
		t.Fatalf("GetKeyRotationStatus: %+v %v", rs, err)
	}
	if _, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	rots, err := c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(keyID)})
	if err != nil || len(rots.Rotations) != 1 || rots.Rotations[0].RotationType != types.RotationTypeOnDemand {
		t.Fatalf("ListKeyRotations: %+v %v", rots, err)
	}
	if _, err := c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	if dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); err != nil || string(dec.Plaintext) != "secret" {
		t.Fatalf("Decrypt after rotation: %v", err)
	}
	grant, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String("arn:aws:iam::111111111111:root"),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	if err != nil || grant.GrantId == nil || grant.GrantToken == nil {
		t.Fatalf("CreateGrant: %+v %v", grant, err)
	}
	grants, err := c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(keyID)})
	if err != nil || len(grants.Grants) != 1 || grants.Grants[0].CreationDate == nil {
		t.Fatalf("ListGrants: %+v %v", grants, err)
	}
	if _, err := c.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: grant.GrantToken}); err != nil {
		t.Fatalf("RetireGrant: %v", err)
	}
	grant2, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String("arn:aws:iam::111111111111:root"),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: grant2.GrantId}); err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}

	// Disable, enable, schedule and cancel deletion, with KMS's errors.
	if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
	var disabled *types.DisabledException
	if !errors.As(err, &disabled) || message(err) != *md.Arn+" is disabled." {
		t.Fatalf("Encrypt with a disabled key: %v", err)
	}
	if _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	sched, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
	if err != nil || sched.KeyState != types.KeyStatePendingDeletion || sched.DeletionDate == nil || aws.ToInt32(sched.PendingWindowInDays) != 7 {
		t.Fatalf("ScheduleKeyDeletion: %+v %v", sched, err)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	var invalidState *types.KMSInvalidStateException
	if !errors.As(err, &invalidState) || message(err) != *md.Arn+" is pending deletion." {
		t.Fatalf("Decrypt with a key pending deletion: %v", err)
	}
	if cancel, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)}); err != nil || *cancel.KeyId != *md.Arn {
		t.Fatalf("CancelKeyDeletion: %v", err)
	}
	if _, err := c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/e2e"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/e2e")}); err != nil {
		t.Fatal(err)
	}
}

func TestKMSErrors(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	c := e.kms("a", "us-east-1")

	_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("fake-key-id")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) || message(err) != "Invalid keyId 'fake-key-id'" {
		t.Fatalf("invalid key id: %v", err)
	}
	const missing = "11111111-2222-3333-4444-555555555555"
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(missing), Plaintext: []byte("x")})
	if code(err) != "NotFoundException" || !strings.HasSuffix(message(err), ":key/"+missing+"' does not exist") {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(2000)}); code(err) != "ValidationException" {
		t.Fatalf("GenerateRandom 2000: %v", err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("nope"), TargetKeyId: aws.String(missing)}); code(err) != "ValidationException" {
		t.Fatalf("alias without prefix: %v", err)
	}

	// Keys live per region: a key of us-east-1 is not found in us-west-2.
	k, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	west := e.kms("a", "us-west-2")
	if _, err := west.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyMetadata.KeyId}); code(err) != "NotFoundException" {
		t.Fatalf("key from another region: %v", err)
	}
	// Another account may not use the key (interim rule until key policies).
	other := e.kms("b", "us-east-1")
	if _, err := other.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyMetadata.Arn, Plaintext: []byte("x")}); code(err) != "AccessDeniedException" {
		t.Fatalf("cross-account encrypt: %v", err)
	}
	// Authentication failures use the JSON protocol's codes.
	bad := e.kms("a", "us-east-1", func(o *kms.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(e.keys["a"].ID, "wrong-secret", "")
	})
	if _, err := bad.ListKeys(ctx, &kms.ListKeysInput{}); code(err) != "InvalidSignatureException" {
		t.Fatalf("bad secret: %v", err)
	}
	unknown := e.kms("a", "us-east-1", func(o *kms.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWNUNKNOWN00", "x", "")
	})
	if _, err := unknown.ListKeys(ctx, &kms.ListKeysInput{}); code(err) != "UnrecognizedClientException" {
		t.Fatalf("unknown key: %v", err)
	}
}
