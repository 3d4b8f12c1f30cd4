package sts

import (
	"context"
	"strings"
	"testing"
	"time"

	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	sdk "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/meta"
)

var ctx = context.Background()

func s(v string) *string { return &v }
func i32(n int32) *int32 { return &n }
func root(a aws.AccountID) aws.Principal {
	return aws.Principal{Type: aws.PrincipalRoot, Account: a, ARN: aws.RootARN(a), UserID: string(a)}
}

// world builds IAM and STS over one store with two accounts' worth of
// principals: a role in A trusted by account B, and a user in B.
func world(t *testing.T) (*Service, *aws.ManualClock, aws.Principal) {
	t.Helper()
	store := meta.NewMemory()
	clock := aws.NewManualClock(time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC))
	ids := iam.New(store, clock)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := ids.CreateRole(ctx, root("111111111111"), &iamsdk.CreateRoleInput{RoleName: s("shared"), Path: s("/x/"),
		AssumeRolePolicyDocument: s(trust), MaxSessionDuration: i32(7200)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.CreateUser(ctx, root("222222222222"), &iamsdk.CreateUserInput{UserName: s("bob")}); err != nil {
		t.Fatal(err)
	}
	k, err := ids.CreateAccessKey(ctx, root("222222222222"), &iamsdk.CreateAccessKeyInput{UserName: s("bob")})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ids.AccessKey(*k.AccessKey.AccessKeyId)
	return New(Config{Store: store, Clock: clock, IAM: ids}), clock, key.Principal()
}

func TestAssumeRole(t *testing.T) {
	svc, clock, bob := world(t)
	out, err := svc.AssumeRole(ctx, bob, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/x/shared"), RoleSessionName: s("deploy")})
	if err != nil {
		t.Fatal(err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::111111111111:assumed-role/shared/deploy" || !strings.HasSuffix(*out.AssumedRoleUser.AssumedRoleId, ":deploy") {
		t.Fatalf("assumed role user %+v", out.AssumedRoleUser)
	}
	c := out.Credentials
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || !c.Expiration.Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("credentials %+v", c)
	}
	sess, err := svc.Credentials(*c.AccessKeyId)
	if err != nil || sess.Principal.RoleARN != "arn:aws:iam::111111111111:role/x/shared" || sess.Principal.Type != aws.PrincipalAssumedRole {
		t.Fatalf("session %+v %v", sess, err)
	}
	who, _ := svc.GetCallerIdentity(ctx, sess.Principal, nil)
	if *who.Account != "111111111111" || *who.Arn != *out.AssumedRoleUser.Arn || *who.UserId != *out.AssumedRoleUser.AssumedRoleId {
		t.Fatalf("caller identity %+v", who)
	}
	clock.Advance(time.Hour)
	if _, err := svc.Credentials(*c.AccessKeyId); !aws.IsCode(err, "ExpiredToken") {
		t.Fatalf("expired session: %v", err)
	}

	for _, tc := range []struct {
		caller        aws.Principal
		in            *sdk.AssumeRoleInput
		code, message string
	}{
		{root("222222222222"), &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/x/shared"), RoleSessionName: s("s")}, "AccessDenied", "Roles may not be assumed by root accounts."},
		{bob, &sdk.AssumeRoleInput{RoleArn: s("nothing-valid-in-here"), RoleSessionName: s("s1")}, "ValidationError", "nothing-valid-in-here is invalid"},
		{bob, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/missing"), RoleSessionName: s("s1")}, "AccessDenied",
			"User: arn:aws:iam::222222222222:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/missing"},
		{bob, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/x/shared"), RoleSessionName: s("s1"), DurationSeconds: i32(10800)}, "ValidationError",
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{sess.Principal, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/x/shared"), RoleSessionName: s("s1"), DurationSeconds: i32(7200)}, "AccessDenied", ""},
	} {
		_, err := svc.AssumeRole(ctx, tc.caller, tc.in)
		if e, ok := aws.As(err); !ok || e.Code != tc.code || (tc.message != "" && e.Message != tc.message) {
			t.Errorf("%s: got %v, want %s: %s", deref(tc.in.RoleArn), err, tc.code, tc.message)
		}
	}
}

func TestAssumeRoleAsService(t *testing.T) {
	svc, _, _ := world(t)
	sess, err := svc.AssumeRoleAsService(ctx, "s3.amazonaws.com", "arn:aws:iam::111111111111:role/x/shared", "111111111111", "arn:aws:s3:::src")
	if err != nil || sess.Principal.ARN != "arn:aws:sts::111111111111:assumed-role/shared/s3-session" || sess.SourceARN != "arn:aws:s3:::src" {
		t.Fatalf("%+v %v", sess, err)
	}
	if _, err := svc.AssumeRoleAsService(ctx, "lambda.amazonaws.com", "arn:aws:iam::111111111111:role/x/shared", "", ""); !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("untrusted service: %v", err)
	}
}

func TestGetSessionToken(t *testing.T) {
	svc, clock, bob := world(t)
	out, err := svc.GetSessionToken(ctx, bob, &sdk.GetSessionTokenInput{})
	if err != nil || !out.Credentials.Expiration.Equal(clock.Now().Add(12*time.Hour)) {
		t.Fatalf("%+v %v", out, err)
	}
	sess, _ := svc.Credentials(*out.Credentials.AccessKeyId)
	if sess.Principal.ARN != bob.ARN || sess.Principal.UserID != bob.UserID {
		t.Fatalf("session principal %+v", sess.Principal)
	}
	_, err = svc.GetSessionToken(ctx, sess.Principal, &sdk.GetSessionTokenInput{})
	if e, _ := aws.As(err); e == nil || e.Message != "Cannot call GetSessionToken with session credentials" {
		t.Fatalf("session calling GetSessionToken: %v", err)
	}
}

func TestChainedSessionInherits(t *testing.T) {
	svc, _, bob := world(t)
	chainTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/x/shared"},"Action":"sts:AssumeRole"}]}`
	if _, err := svc.iam.CreateRole(ctx, root("111111111111"), &iamsdk.CreateRoleInput{RoleName: s("next"), AssumeRolePolicyDocument: s(chainTrust)}); err != nil {
		t.Fatal(err)
	}
	first, err := svc.AssumeRole(ctx, bob, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/x/shared"), RoleSessionName: s("one"),
		SourceIdentity: s("bob-laptop"), Tags: []types.Tag{{Key: s("project"), Value: s("ferry")}}, TransitiveTagKeys: []string{"project"}})
	if err != nil || *first.SourceIdentity != "bob-laptop" || first.PackedPolicySize == nil {
		t.Fatalf("%+v %v", first, err)
	}
	sess, _ := svc.Credentials(*first.Credentials.AccessKeyId)
	_, err = svc.AssumeRole(ctx, sess.Principal, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/next"), RoleSessionName: s("two"), DurationSeconds: i32(7200)})
	if e, _ := aws.As(err); e == nil || e.Message != "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." {
		t.Fatalf("chained duration: %v", err)
	}
	_, err = svc.AssumeRole(ctx, sess.Principal, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/next"), RoleSessionName: s("two"),
		Tags: []types.Tag{{Key: s("Project"), Value: s("other")}}})
	if !aws.IsCode(err, "InvalidParameterValue") {
		t.Fatalf("overriding a transitive tag: %v", err)
	}
	second, err := svc.AssumeRole(ctx, sess.Principal, &sdk.AssumeRoleInput{RoleArn: s("arn:aws:iam::111111111111:role/next"), RoleSessionName: s("two")})
	if err != nil {
		t.Fatal(err)
	}
	chained, _ := svc.Credentials(*second.Credentials.AccessKeyId)
	if chained.SourceIdentity != "bob-laptop" || chained.Tags["project"] != "ferry" {
		t.Fatalf("chained session %+v", chained)
	}
}
