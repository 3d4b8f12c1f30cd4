package authz

import (
	"context"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/kms"
)

func TestKMSSeam(t *testing.T) {
	const role = "arn:aws:iam::" + acctA + ":role/replicator"
	encryptOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*",
		"Condition":{"StringEquals":{"kms:ViaService":"s3.us-west-2.amazonaws.com"}}}]}`
	src := &fakeSource{policies: map[string]iam.PrincipalPolicies{role: identityDocs(encryptOnly)}}
	a := New(Config{Source: src, Keep: 8})
	key := &kms.Key{ARN: "arn:aws:kms:us-west-2:" + acctA + ":key/k", Account: acctA,
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":"kms:*","Resource":"*"}]}`}
	sess := session(acctA, "replicator", "s3-session", "ASIAREPL")
	via := kms.WithViaService(context.Background(), "s3.us-west-2.amazonaws.com")
	tests := []struct {
		name     string
		ctx      context.Context
		p        aws.Principal
		action   string
		wantCode string
	}{
		{"Encrypt through S3", via, sess, kms.ActionEncrypt, ""},
		{"Encrypt directly: kms:ViaService missing", context.Background(), sess, kms.ActionEncrypt, "AccessDeniedException"},
		{"a PUT's data key needs GenerateDataKey", via, sess, kms.ActionGenerateDataKey, "AccessDeniedException"},
		{"a replica's data key: Encrypt is enough", kms.WithReplicaWrite(via), sess, kms.ActionGenerateDataKey, ""},
		{"another account's root: the key policy names only the owner", via, root(acctB), kms.ActionEncrypt, "AccessDeniedException"},
		{"the owner's root", context.Background(), root(acctA), kms.ActionDecrypt, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.KMS().AuthorizeKMS(tt.ctx, tt.p, tt.action, key)
			if got := code(err); got != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", got, err, tt.wantCode)
			}
			if e, ok := aws.As(err); ok && e.Status != 400 {
				t.Fatalf("status %d, KMS answers 400", e.Status)
			}
		})
	}
	// The replica write recorded only the decision that counted (its
	// Encrypt), not the GenerateDataKey denial tried first.
	denied := 0
	for _, e := range a.Recent(true) {
		if e.Decision.Request.Action == kms.ActionGenerateDataKey {
			denied++
		}
	}
	if denied != 1 { // the plain PUT's, not the replica's
		t.Fatalf("%d GenerateDataKey denials recorded, want 1", denied)
	}
}

func code(err error) string {
	if e, ok := aws.As(err); ok {
		return e.Code
	}
	if err != nil {
		return "?"
	}
	return ""
}

func TestKMSGrantsAndConditionKeys(t *testing.T) {
	const keyARN = "arn:aws:kms:us-east-1:" + acctA + ":key/k"
	kmsAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`
	src := &fakeSource{policies: map[string]iam.PrincipalPolicies{
		"arn:aws:iam::" + acctA + ":user/iamkms": identityDocs(kmsAll),
		"arn:aws:iam::" + acctA + ":user/denied": identityDocs(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`),
	}}
	a := New(Config{Source: src, Keep: 16})
	// The key policy lets only the owner's root administer the key: it
	// delegates nothing to IAM for Decrypt, and denies one user outright.
	key := &kms.Key{ARN: keyARN, Account: acctA, Policy: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":["kms:Describe*","kms:CreateGrant"],"Resource":"*"},
		{"Sid":"NoMallory","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + acctA + `:user/mallory"},"Action":"kms:*","Resource":"*"},
		{"Sid":"S3Bucket","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:user/uploader"},"Action":"kms:GenerateDataKey","Resource":"*",
		 "Condition":{"StringLike":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::good/*"}}},
		{"Sid":"ByAlias","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:user/aliaser"},"Action":"kms:Encrypt","Resource":"*",
		 "Condition":{"StringEquals":{"kms:RequestAlias":"alias/app"},"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/app"}}},
		{"Sid":"Keys","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:user/keyed"},"Action":"kms:Encrypt","Resource":"*",
		 "Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["Dept","Project"]}}},
		{"Sid":"GrantDecryptOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:user/granter"},"Action":"kms:CreateGrant","Resource":"*",
		 "Condition":{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt"]},"Bool":{"kms:GrantIsForAWSResource":"false"}}}]}`}
	grants := []kms.Grant{
		{ID: "g-bob", GranteePrincipal: "arn:aws:iam::" + acctB + ":user/bob", Operations: []string{"Decrypt"}, ContextEquals: kms.EncryptionContext{"app": "x"}},
		{ID: "g-mallory", GranteePrincipal: "arn:aws:iam::" + acctA + ":user/mallory", Operations: []string{"Decrypt"}},
		{ID: "g-denied", GranteePrincipal: "arn:aws:iam::" + acctA + ":user/denied", Operations: []string{"Decrypt"}},
		{ID: "g-account", GranteePrincipal: "arn:aws:iam::" + acctA + ":root", Operations: []string{"Decrypt"}},
	}
	facts := func(f kms.Facts) context.Context {
		f.Grants = func() ([]kms.Grant, error) { return grants, nil }
		return kms.WithFacts(context.Background(), &f)
	}
	ecFacts := func(kv ...string) context.Context {
		f := kms.Facts{HasContext: true, Context: kms.EncryptionContext{}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Context[kv[i]] = kv[i+1]
		}
		return facts(f)
	}
	tests := []struct {
		name     string
		ctx      context.Context
		p        aws.Principal
		action   string
		allowed  bool
		byGrant  string
		denyText string
	}{
		{"cross-account grantee, context matches", ecFacts("app", "x"), user(acctB, "bob"), kms.ActionDecrypt, true, "grant g-bob", ""},
		{"cross-account grantee, context differs", ecFacts("app", "y"), user(acctB, "bob"), kms.ActionDecrypt, false, "", "because no resource-based policy allows"},
		{"grantee, operation not granted", ecFacts("app", "x"), user(acctB, "bob"), kms.ActionEncrypt, false, "", ""},
		{"key policy's explicit deny beats the grant", facts(kms.Facts{}), user(acctA, "mallory"), kms.ActionDecrypt, false, "", "with an explicit deny in a resource-based policy"},
		{"IAM explicit deny beats the grant", facts(kms.Facts{}), user(acctA, "denied"), kms.ActionDecrypt, false, "", "with an explicit deny in an identity-based policy"},
		{"account grant: a user with IAM permission", facts(kms.Facts{}), user(acctA, "iamkms"), kms.ActionDecrypt, true, "grant g-account", ""},
		{"account grant: a user without IAM permission", facts(kms.Facts{}), user(acctA, "plain"), kms.ActionDecrypt, false, "", ""},
		{"account grant: the root user", facts(kms.Facts{}), root(acctA), kms.ActionDecrypt, true, "grant g-account", ""},
		{"S3 context: the named bucket", ecFacts("aws:s3:arn", "arn:aws:s3:::good/o"), user(acctA, "uploader"), kms.ActionGenerateDataKey, true, "", ""},
		{"S3 context: another bucket", ecFacts("aws:s3:arn", "arn:aws:s3:::bad/o"), user(acctA, "uploader"), kms.ActionGenerateDataKey, false, "", ""},
		{"S3 context: key name compared case-insensitively", ecFacts("AWS:S3:ARN", "arn:aws:s3:::good/o"), user(acctA, "uploader"), kms.ActionGenerateDataKey, true, "", ""},
		{"S3 context: value compared case-sensitively", ecFacts("aws:s3:arn", "arn:aws:s3:::GOOD/o"), user(acctA, "uploader"), kms.ActionGenerateDataKey, false, "", ""},
		{"named by its alias", facts(kms.Facts{RequestAlias: "alias/app", ResourceAliases: []string{"alias/app", "alias/other"}}), user(acctA, "aliaser"), kms.ActionEncrypt, true, "", ""},
		{"named by key id", facts(kms.Facts{ResourceAliases: []string{"alias/app"}}), user(acctA, "aliaser"), kms.ActionEncrypt, false, "", ""},
		{"context keys within the list", ecFacts("Dept", "a", "Project", "b"), user(acctA, "keyed"), kms.ActionEncrypt, true, "", ""},
		{"a context key outside the list", ecFacts("Dept", "a", "Owner", "b"), user(acctA, "keyed"), kms.ActionEncrypt, false, "", ""},
		{"CreateGrant for Decrypt only", facts(kms.Facts{NewGrant: &kms.CreateGrantInput{GranteePrincipal: "arn:aws:iam::" + acctB + ":root", Operations: []string{"Decrypt"}}}),
			user(acctA, "granter"), kms.ActionCreateGrant, true, "", ""},
		{"CreateGrant for Encrypt", facts(kms.Facts{NewGrant: &kms.CreateGrantInput{GranteePrincipal: "arn:aws:iam::" + acctB + ":root", Operations: []string{"Decrypt", "Encrypt"}}}),
			user(acctA, "granter"), kms.ActionCreateGrant, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.KMS().AuthorizeKMS(tt.ctx, tt.p, tt.action, key)
			if (err == nil) != tt.allowed {
				t.Fatalf("err = %v, allowed want %v", err, tt.allowed)
			}
			last := a.Recent(false)[0].Decision
			if last.Grant != tt.byGrant {
				t.Fatalf("decided by %q, want %q", last.Grant, tt.byGrant)
			}
			if tt.byGrant != "" && !strings.Contains(last.Explain(), "allowed by "+tt.byGrant) {
				t.Fatalf("explanation does not name the grant:\n%s", last.Explain())
			}
			if tt.denyText != "" && (err == nil || !strings.Contains(err.Error(), tt.denyText)) {
				t.Fatalf("err = %v, want it to say %q", err, tt.denyText)
			}
		})
	}
}

func TestKMSRetireGrantDecidedByGrant(t *testing.T) {
	a := New(Config{Source: &fakeSource{policies: map[string]iam.PrincipalPolicies{
		"arn:aws:iam::" + acctA + ":user/admin": identityDocs(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`),
	}}, Keep: 8})
	key := &kms.Key{ARN: "arn:aws:kms:us-east-1:" + acctA + ":key/k", Account: acctA, Policy: kms.DefaultKeyPolicy(acctA)}
	g := &kms.Grant{ID: "g1", GranteePrincipal: "arn:aws:iam::" + acctB + ":user/bob", RetiringPrincipal: "arn:aws:iam::" + acctB + ":role/cleaner",
		IssuingAccount: aws.RootARN(acctA), Operations: []string{"Decrypt"}}
	ctx := kms.WithFacts(context.Background(), &kms.Facts{Retiring: g})
	tests := []struct {
		name    string
		p       aws.Principal
		allowed bool
	}{
		{"retiring principal's session, no policy needed", session(acctB, "cleaner", "s", "ASIAX"), true},
		{"grantee without RetireGrant in the grant", user(acctB, "bob"), false},
		{"issuing account's admin, by IAM", user(acctA, "admin"), true},
		{"issuing account's user without IAM", user(acctA, "plain"), false},
		{"a stranger", root("333333333333"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.KMS().AuthorizeKMS(ctx, tt.p, kms.ActionRetireGrant, key)
			if (err == nil) != tt.allowed {
				t.Fatalf("err = %v, allowed want %v", err, tt.allowed)
			}
		})
	}
}
