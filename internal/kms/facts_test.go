package kms

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

// recorder is an Authorizer that allows everything and keeps the facts of
// every call by action.
type recorder struct{ got map[string]Facts }

func (r *recorder) AuthorizeKMS(ctx context.Context, _ aws.Principal, action string, _ *Key) error {
	if f := FactsOf(ctx); f != nil {
		r.got[action] = *f
	}
	return nil
}

// The facts each operation hands the Authorizer: what the condition keys
// and grant constraints are evaluated on.
func TestFactsOfCalls(t *testing.T) {
	f := newFixture(t)
	rec := &recorder{got: map[string]Facts{}}
	f.svc.SetAuthorizer(rec)
	k := f.key(t, alice)
	for _, a := range []string{"alias/app", "alias/other"} {
		if err := f.svc.CreateAlias(ctx, alice, region, a, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	ec := EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b/o"}
	enc, err := f.svc.Encrypt(ctx, alice, region, "alias/app", []byte("x"), ec)
	if err != nil {
		t.Fatal(err)
	}
	dst := EncryptionContext{"to": "y"}
	if _, err := f.svc.ReEncrypt(ctx, alice, region, ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceContext: ec,
		DestinationKeyRef: k.ARN, DestinationContext: dst}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GenerateDataKey(ctx, alice, region, "arn:aws:kms:"+region+":"+string(alice.Account)+":alias/other", AES256, ec); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateGrant(ctx, alice, region, CreateGrantInput{KeyRef: k.ID, GranteePrincipal: bob.ARN, Operations: []string{"Decrypt"},
		ContextEquals: EncryptionContext{"g": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DescribeKey(ctx, alice, region, k.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		action     string
		ec         EncryptionContext
		hasContext bool
		alias      string
	}{
		{ActionEncrypt, ec, true, "alias/app"},
		{ActionReEncryptFrom, ec, true, ""},
		{ActionReEncryptTo, dst, true, ""},
		{ActionGenerateDataKey, ec, true, "alias/other"},
		{ActionCreateGrant, EncryptionContext{"g": "1"}, true, ""},
		{ActionDescribeKey, nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			got, ok := rec.got[tt.action]
			if !ok {
				t.Fatal("no facts recorded")
			}
			if got.HasContext != tt.hasContext || !maps.Equal(got.Context, tt.ec) || got.RequestAlias != tt.alias {
				t.Fatalf("facts = context %v (%v), alias %q", got.Context, got.HasContext, got.RequestAlias)
			}
			if !slices.Equal(got.ResourceAliases, []string{"alias/app", "alias/other"}) || got.Grants == nil {
				t.Fatalf("aliases %v, grants loader set %v", got.ResourceAliases, got.Grants != nil)
			}
		})
	}
	if g := rec.got[ActionCreateGrant].NewGrant; g == nil || g.GranteePrincipal != bob.ARN {
		t.Fatalf("CreateGrant's facts name no new grant: %+v", g)
	}
}

// TestResourceAliasesFollowAliasChanges: the aliases a call's facts name
// are cached per key, and every alias change is seen by the next call.
func TestResourceAliasesFollowAliasChanges(t *testing.T) {
	f := newFixture(t)
	rec := &recorder{got: map[string]Facts{}}
	f.svc.SetAuthorizer(rec)
	k, k2 := f.key(t, alice), f.key(t, alice)
	aliases := func() []string {
		t.Helper()
		if _, err := f.svc.DescribeKey(ctx, alice, region, k.ID); err != nil {
			t.Fatal(err)
		}
		return rec.got[ActionDescribeKey].ResourceAliases
	}
	steps := []struct {
		name   string
		change func() error
		want   []string
	}{
		{"none", func() error { return nil }, nil},
		{"create", func() error { return f.svc.CreateAlias(ctx, alice, region, "alias/app", k.ID) }, []string{"alias/app"}},
		{"retarget away", func() error { return f.svc.UpdateAlias(ctx, alice, region, "alias/app", k2.ID) }, nil},
		{"retarget back", func() error { return f.svc.UpdateAlias(ctx, alice, region, "alias/app", k.ID) }, []string{"alias/app"}},
		{"delete", func() error { return f.svc.DeleteAlias(ctx, alice, region, "alias/app") }, nil},
	}
	for _, st := range steps {
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		aliases() // fills the cache
		if got := aliases(); !slices.Equal(got, st.want) {
			t.Fatalf("after %s: aliases %v, want %v", st.name, got, st.want)
		}
	}
}
