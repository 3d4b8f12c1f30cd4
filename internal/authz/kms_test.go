package authz

import (
	"context"
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
