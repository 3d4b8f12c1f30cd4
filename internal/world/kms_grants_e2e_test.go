package world

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestKMSGrantsEndToEnd: a grant lets another account use a key whose
// policy names only its owner, for the listed operations and within the
// grant's encryption context constraint, until the grantee retires it.
func TestKMSGrantsEndToEnd(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	owner := e.kms("a", "us-east-1")
	other := e.kms("b", "us-east-1")
	created, err := owner.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.KeyMetadata.Arn)
	rootB := "arn:aws:iam::" + string(e.keys["b"].Principal().Account) + ":root"
	encrypt := func(ec map[string]string) error {
		_, err := other.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: ec})
		return err
	}
	app := map[string]string{"app": "x"}
	if err := encrypt(app); code(err) != "AccessDeniedException" {
		t.Fatalf("before the grant: %v", err)
	}

	_, err = owner.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(rootB),
		Operations: []types.GrantOperation{"Encrypt", "Launch"}})
	if code(err) != "ValidationException" {
		t.Fatalf("CreateGrant with an unknown operation: %v", err)
	}
	grant, err := owner.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(rootB),
		RetiringPrincipal: aws.String(rootB), Name: aws.String("b-app"),
		Operations:  []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: app}})
	if err != nil {
		t.Fatal(err)
	}
	// Effective at once; the grant token is accepted but not needed.
	out, err := other.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("secret"),
		EncryptionContext: map[string]string{"app": "x", "extra": "1"}, GrantTokens: []string{aws.ToString(grant.GrantToken)}})
	if err != nil {
		t.Fatalf("grantee's Encrypt within the constraint: %v", err)
	}
	dec, err := other.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: map[string]string{"app": "x", "extra": "1"}})
	if err != nil || !bytes.Equal(dec.Plaintext, []byte("secret")) {
		t.Fatalf("grantee's Decrypt: %v", err)
	}
	if err := encrypt(map[string]string{"app": "y"}); code(err) != "AccessDeniedException" {
		t.Fatalf("outside the constraint: %v", err)
	}
	if _, err := other.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arn)}); code(err) != "AccessDeniedException" {
		t.Fatalf("DescribeKey is not granted: %v", err)
	}
	if _, err := other.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(arn), GrantId: grant.GrantId}); code(err) != "AccessDeniedException" {
		t.Fatalf("RevokeGrant needs kms:RevokeGrant: %v", err)
	}
	list, err := owner.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(arn)})
	if err != nil || len(list.Grants) != 1 || aws.ToString(list.Grants[0].GrantId) != aws.ToString(grant.GrantId) {
		t.Fatalf("ListGrants: %+v %v", list, err)
	}
	retirable, err := other.ListRetirableGrants(ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(rootB)})
	if err != nil || len(retirable.Grants) != 1 || aws.ToString(retirable.Grants[0].KeyId) != arn {
		t.Fatalf("ListRetirableGrants: %+v %v", retirable, err)
	}
	// The retiring principal retires it with the token alone; it stops allowing at once.
	if _, err := other.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: grant.GrantToken}); err != nil {
		t.Fatalf("RetireGrant by the retiring principal: %v", err)
	}
	err = encrypt(app)
	if code(err) != "AccessDeniedException" || !strings.Contains(message(err), "kms:Encrypt on resource: "+arn) {
		t.Fatalf("after retiring: %v", err)
	}
}

// TestKMSEncryptionContextConditionForS3: S3 calls KMS with the object's
// ARN as the encryption context pair aws:s3:arn, so a key policy can limit
// a key to one bucket.
func TestKMSEncryptionContextConditionForS3(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	c := e.s3("a", "us-east-1")
	k := e.kms("a", "us-east-1")
	acctA := string(e.keys["a"].Principal().Account)
	policy := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},
		 "Action":["kms:Describe*","kms:Get*","kms:Put*","kms:List*","kms:Create*","kms:Decrypt"],"Resource":"*"},
		{"Sid":"OnlyForGood","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":"kms:GenerateDataKey","Resource":"*",
		 "Condition":{"StringLike":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::good-bucket/*"}}}]}`
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(policy)})
	if err != nil {
		t.Fatal(err)
	}
	e.mustBucket(c, "good-bucket")
	e.mustBucket(c, "other-bucket")
	put := func(bucket string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("o"), Body: strings.NewReader("data"),
			ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: key.KeyMetadata.Arn})
		return err
	}
	if err := put("good-bucket"); err != nil {
		t.Fatalf("PUT into the bucket the key policy names: %v", err)
	}
	got, _, err := e.read(c, &s3.GetObjectInput{Bucket: aws.String("good-bucket"), Key: aws.String("o")})
	if err != nil || string(got) != "data" {
		t.Fatalf("GET: %q %v", got, err)
	}
	if err := put("other-bucket"); code(err) != "AccessDenied" {
		t.Fatalf("PUT into another bucket: %s %v", code(err), err)
	}
}
