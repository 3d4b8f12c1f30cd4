package kms

import (
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func TestGrantAllows(t *testing.T) {
	const acct = "111111111111"
	userP := aws.Principal{Type: aws.PrincipalUser, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/app"}
	sess := aws.Principal{Type: aws.PrincipalAssumedRole, Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/worker/s1",
		RoleARN: "arn:aws:iam::" + acct + ":role/worker"}
	rootP := principal(acct)
	other := aws.Principal{Type: aws.PrincipalUser, Account: "222222222222", ARN: "arn:aws:iam::222222222222:user/app"}
	ec := func(kv ...string) *Facts {
		f := &Facts{HasContext: true, Context: EncryptionContext{}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Context[kv[i]] = kv[i+1]
		}
		return f
	}
	tests := []struct {
		name   string
		g      Grant
		p      aws.Principal
		action string
		f      *Facts
		want   GrantMatch
	}{
		{"user named", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}}, userP, ActionDecrypt, nil, GrantDirect},
		{"operation not listed", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}}, userP, ActionEncrypt, nil, GrantNone},
		{"another user", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}}, other, ActionDecrypt, nil, GrantNone},
		{"role covers its sessions", Grant{GranteePrincipal: sess.RoleARN, Operations: []string{"Encrypt"}}, sess, ActionEncrypt, nil, GrantDirect},
		{"session ARN names that session", Grant{GranteePrincipal: sess.ARN, Operations: []string{"Encrypt"}}, sess, ActionEncrypt, nil, GrantDirect},
		{"root grant: the root user", Grant{GranteePrincipal: rootP.ARN, Operations: []string{"Decrypt"}}, rootP, ActionDecrypt, nil, GrantDirect},
		{"root grant: a user of the account needs IAM", Grant{GranteePrincipal: rootP.ARN, Operations: []string{"Decrypt"}}, userP, ActionDecrypt, nil, GrantAccount},
		{"root grant: not another account", Grant{GranteePrincipal: rootP.ARN, Operations: []string{"Decrypt"}}, other, ActionDecrypt, nil, GrantNone},
		{"anonymous never", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}}, aws.Anonymous, ActionDecrypt, nil, GrantNone},
		{"equals holds", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}, ContextEquals: EncryptionContext{"dept": "a"}},
			userP, ActionDecrypt, ec("dept", "a"), GrantDirect},
		{"equals: an extra pair breaks it", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}, ContextEquals: EncryptionContext{"dept": "a"}},
			userP, ActionDecrypt, ec("dept", "a", "x", "y"), GrantNone},
		{"equals: values are case-sensitive", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}, ContextEquals: EncryptionContext{"dept": "a"}},
			userP, ActionDecrypt, ec("dept", "A"), GrantNone},
		{"equals: keys compared case-insensitively", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Decrypt"}, ContextEquals: EncryptionContext{"Dept": "a"}},
			userP, ActionDecrypt, ec("dept", "a"), GrantDirect},
		{"subset: extra pairs are fine", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Encrypt"}, ContextSubset: EncryptionContext{"dept": "a"}},
			userP, ActionEncrypt, ec("dept", "a", "x", "y"), GrantDirect},
		{"subset: a missing pair", Grant{GranteePrincipal: userP.ARN, Operations: []string{"Encrypt"}, ContextSubset: EncryptionContext{"dept": "a"}},
			userP, ActionEncrypt, ec("x", "y"), GrantNone},
		{"constraints do not apply to DescribeKey", Grant{GranteePrincipal: userP.ARN, Operations: []string{"DescribeKey"}, ContextSubset: EncryptionContext{"dept": "a"}},
			userP, ActionDescribeKey, &Facts{}, GrantDirect},
		{"CreateGrant within the grant", Grant{GranteePrincipal: userP.ARN, Operations: []string{"CreateGrant", "Decrypt"}},
			userP, ActionCreateGrant, &Facts{NewGrant: &CreateGrantInput{Operations: []string{"Decrypt"}}}, GrantDirect},
		{"CreateGrant beyond the grant's operations", Grant{GranteePrincipal: userP.ARN, Operations: []string{"CreateGrant", "Decrypt"}},
			userP, ActionCreateGrant, &Facts{NewGrant: &CreateGrantInput{Operations: []string{"Encrypt"}}}, GrantNone},
		{"CreateGrant dropping the constraint", Grant{GranteePrincipal: userP.ARN, Operations: []string{"CreateGrant", "Decrypt"}, ContextSubset: EncryptionContext{"d": "1"}},
			userP, ActionCreateGrant, &Facts{NewGrant: &CreateGrantInput{Operations: []string{"Decrypt"}}}, GrantNone},
		{"CreateGrant keeping the constraint", Grant{GranteePrincipal: userP.ARN, Operations: []string{"CreateGrant", "Decrypt"}, ContextSubset: EncryptionContext{"d": "1"}},
			userP, ActionCreateGrant, &Facts{NewGrant: &CreateGrantInput{Operations: []string{"Decrypt"}, ContextEquals: EncryptionContext{"d": "1", "e": "2"}}}, GrantDirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Allows(tt.p, tt.action, tt.f); got != tt.want {
				t.Fatalf("Allows = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestGrantMayRetire(t *testing.T) {
	const acct = "111111111111"
	issuer := principal(acct)
	grantee := aws.Principal{Type: aws.PrincipalUser, Account: "222222222222", ARN: "arn:aws:iam::222222222222:user/app"}
	retirer := aws.Principal{Type: aws.PrincipalUser, Account: "333333333333", ARN: "arn:aws:iam::333333333333:user/ops"}
	issuerUser := aws.Principal{Type: aws.PrincipalUser, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/admin"}
	base := Grant{GranteePrincipal: grantee.ARN, RetiringPrincipal: retirer.ARN, IssuingAccount: issuer.ARN, Operations: []string{"Decrypt"}}
	withRetire := base
	withRetire.Operations = []string{"Decrypt", "RetireGrant"}
	tests := []struct {
		name string
		g    Grant
		p    aws.Principal
		want GrantMatch
	}{
		{"retiring principal", base, retirer, GrantDirect},
		{"grantee without RetireGrant", base, grantee, GrantNone},
		{"grantee with RetireGrant", withRetire, grantee, GrantDirect},
		{"issuing account's root", base, issuer, GrantDirect},
		{"issuing account's user: by its IAM policies", base, issuerUser, GrantAccount},
		{"anyone else", base, principal("444444444444"), GrantNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.MayRetire(tt.p); got != tt.want {
				t.Fatalf("MayRetire = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestValidateGrant(t *testing.T) {
	tests := []struct {
		name string
		in   CreateGrantInput
		want string // error code, "" for valid
	}{
		{"valid", CreateGrantInput{GranteePrincipal: "arn:aws:iam::111111111111:role/r", Operations: []string{"Decrypt", "GenerateDataKey"}}, ""},
		{"no operations", CreateGrantInput{GranteePrincipal: "arn:aws:iam::111111111111:role/r"}, "ValidationException"},
		{"unknown operation", CreateGrantInput{GranteePrincipal: "arn:aws:iam::111111111111:role/r", Operations: []string{"Destroy"}}, "ValidationException"},
		{"asymmetric operation on a symmetric key", CreateGrantInput{GranteePrincipal: "arn:aws:iam::111111111111:role/r", Operations: []string{"Sign"}}, "ValidationException"},
		{"grantee not an ARN", CreateGrantInput{GranteePrincipal: "bob", Operations: []string{"Decrypt"}}, "ValidationException"},
		{"session grantee", CreateGrantInput{GranteePrincipal: "arn:aws:sts::111111111111:assumed-role/r/s", Operations: []string{"Decrypt"}}, ""},
		{"too many constraint pairs", CreateGrantInput{GranteePrincipal: "arn:aws:iam::111111111111:root", Operations: []string{"Decrypt"},
			ContextSubset: EncryptionContext{"1": "", "2": "", "3": "", "4": "", "5": "", "6": "", "7": "", "8": "", "9": ""}}, "ValidationException"},
		{"bad retiring principal", CreateGrantInput{GranteePrincipal: "arn:aws:iam::111111111111:root", RetiringPrincipal: "arn:aws:s3:::b", Operations: []string{"Decrypt"}}, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateGrant(&tt.in)
			got := ""
			if e, ok := aws.As(err); ok {
				got = e.Code
			}
			if got != tt.want {
				t.Fatalf("validateGrant = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestAliasNamed(t *testing.T) {
	for ref, want := range map[string]string{
		"alias/app": "alias/app",
		"arn:aws:kms:us-east-1:111111111111:alias/app":                                "alias/app",
		"arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab": "",
		"1234abcd-12ab-34cd-56ef-1234567890ab":                                        "",
	} {
		if got := aliasNamed(ref); got != want {
			t.Errorf("aliasNamed(%q) = %q, want %q", ref, got, want)
		}
	}
}

// Grants allow across accounts under the interim rule too, and stop at once
// when retired or revoked.
func TestGrantLifecycle(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	blob, err := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("secret"), EncryptionContext{"app": "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Decrypt(ctx, bob, region, blob.CiphertextBlob, EncryptionContext{"app": "x"}, "")
	wantCode(t, err, "AccessDeniedException")
	g, err := f.svc.CreateGrant(ctx, alice, region, CreateGrantInput{KeyRef: k.ID, Name: "n", GranteePrincipal: bob.ARN,
		Operations: []string{"Decrypt"}, ContextSubset: EncryptionContext{"app": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.CreateGrant(ctx, alice, region, CreateGrantInput{KeyRef: k.ID, Name: "n", GranteePrincipal: bob.ARN,
		Operations: []string{"Decrypt"}, ContextSubset: EncryptionContext{"app": "x"}})
	if err != nil || again.ID != g.ID {
		t.Fatalf("retried CreateGrant with the same name: %v, %v (want grant %s)", again.ID, err, g.ID)
	}
	if _, err := f.svc.Decrypt(ctx, bob, region, blob.CiphertextBlob, EncryptionContext{"app": "x"}, ""); err != nil {
		t.Fatalf("grantee's Decrypt: %v", err)
	}
	_, err = f.svc.Encrypt(ctx, bob, region, k.ARN, []byte("x"), EncryptionContext{"app": "x"})
	wantCode(t, err, "AccessDeniedException")
	// bob is the grantee but the grant lists no RetireGrant and names no retiring principal.
	wantCode(t, f.svc.RetireGrant(ctx, bob, region, k.ARN, g.ID), "AccessDeniedException")
	if err := f.svc.RetireGrant(ctx, alice, region, k.ARN, g.ID); err != nil {
		t.Fatalf("issuing account retires: %v", err)
	}
	_, err = f.svc.Decrypt(ctx, bob, region, blob.CiphertextBlob, EncryptionContext{"app": "x"}, "")
	wantCode(t, err, "AccessDeniedException")
	wantCode(t, f.svc.RetireGrant(ctx, alice, region, k.ARN, g.ID), "NotFoundException")
	_, err = f.svc.CreateGrant(ctx, alice, region, CreateGrantInput{KeyRef: k.ID, GranteePrincipal: bob.ARN, Operations: []string{"Sign"}})
	wantCode(t, err, "ValidationException")
}
