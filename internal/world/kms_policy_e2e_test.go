package world

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// TestKMSKeyPolicies: the key policy decides, as in KMS. With the default
// policy (the account root: IAM decides) another account is refused by the
// key policy; once the key policy names that account, its root may use the
// key; taking the grant away refuses it again.
func TestKMSKeyPolicies(t *testing.T) {
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
	acctA, acctB := string(e.keys["a"].Principal().Account), string(e.keys["b"].Principal().Account)
	rootB := "arn:aws:iam::" + acctB + ":root"
	encrypt := func() error {
		_, err := other.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
		return err
	}

	err = encrypt()
	want := "User: " + rootB + " is not authorized to perform: kms:Encrypt on resource: " + arn +
		" because no resource-based policy allows the kms:Encrypt action"
	if code(err) != "AccessDeniedException" || message(err) != want {
		t.Fatalf("cross-account without a grant: %s %q", code(err), message(err))
	}

	grant := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":"kms:*","Resource":"*"},
		{"Sid":"UseFromB","Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`
	if _, err := owner.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String("default"), Policy: aws.String(grant)}); err != nil {
		t.Fatal(err)
	}
	if err := encrypt(); err != nil {
		t.Fatalf("cross-account with a key-policy grant: %v", err)
	}
	if _, err := other.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arn)}); code(err) != "AccessDeniedException" {
		t.Fatalf("DescribeKey is not in the grant: %v", err)
	}

	deny := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":"kms:*","Resource":"*"},
		{"Sid":"NoEncryptFromB","Effect":"Deny","Principal":{"AWS":"` + acctB + `"},"Action":"kms:Encrypt","Resource":"*"}]}`
	if _, err := owner.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String("default"), Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	err = encrypt()
	want = "User: " + rootB + " is not authorized to perform: kms:Encrypt on resource: " + arn +
		" with an explicit deny in a resource-based policy"
	if code(err) != "AccessDeniedException" || message(err) != want {
		t.Fatalf("explicit deny: %s %q", code(err), message(err))
	}
}

// TestKMSKeyPolicyChecks: CreateKey and PutKeyPolicy refuse a key policy
// naming a role that does not exist, and one that would not let the caller
// change it later unless BypassPolicyLockoutSafetyCheck is set.
func TestKMSKeyPolicyChecks(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	owner := e.kms("a", "us-east-1")
	acctA, acctB := string(e.keys["a"].Principal().Account), string(e.keys["b"].Principal().Account)
	doc := func(principal string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"kms:*","Resource":"*"}]}`)
	}
	invalid := "Policy contains a statement with one or more invalid principals."
	lockout := "The new key policy will not allow you to update the key policy in the future."
	cases := []struct {
		name, principal string
		bypass          bool
		msg             string
	}{
		{"missing role", "arn:aws:iam::" + acctA + ":role/nobody", false, invalid},
		{"missing role, bypass", "arn:aws:iam::" + acctA + ":role/nobody", true, invalid},
		{"another account only", "arn:aws:iam::" + acctB + ":root", false, lockout},
		{"another account only, bypass", "arn:aws:iam::" + acctB + ":root", true, ""},
		{"the owner", "arn:aws:iam::" + acctA + ":root", false, ""},
	}
	for _, tc := range cases {
		_, err := owner.CreateKey(ctx, &kms.CreateKeyInput{Policy: doc(tc.principal), BypassPolicyLockoutSafetyCheck: tc.bypass})
		if tc.msg == "" && err != nil || tc.msg != "" && (code(err) != "MalformedPolicyDocumentException" || message(err) != tc.msg) {
			t.Errorf("CreateKey, %s: %v", tc.name, err)
		}
	}
	created, err := owner.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	put := func(principal string, bypass bool) error {
		_, err := owner.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: created.KeyMetadata.KeyId, PolicyName: aws.String("default"),
			Policy: doc(principal), BypassPolicyLockoutSafetyCheck: bypass})
		return err
	}
	if err := put("arn:aws:iam::"+acctB+":root", false); message(err) != lockout {
		t.Fatalf("PutKeyPolicy locking the owner out: %v", err)
	}
	if err := put("arn:aws:iam::"+acctB+":root", true); err != nil {
		t.Fatalf("PutKeyPolicy with the bypass: %v", err)
	}
	if err := put("arn:aws:iam::"+acctA+":root", false); code(err) != "AccessDeniedException" {
		t.Fatalf("PutKeyPolicy after locking the key away: %v", err)
	}
}
