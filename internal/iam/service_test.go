package iam

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

const (
	trustB   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}]}`
	s3Read   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	s3Write  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
	acctA    = aws.AccountID("111111111111")
	acctB    = aws.AccountID("222222222222")
	readOnly = AWSManagedPrefix + "AmazonS3ReadOnlyAccess"
)

var (
	ctx   = context.Background()
	rootA = aws.Principal{Type: aws.PrincipalRoot, Account: acctA, ARN: aws.RootARN(acctA), UserID: string(acctA)}
	rootB = aws.Principal{Type: aws.PrincipalRoot, Account: acctB, ARN: aws.RootARN(acctB), UserID: string(acctB)}
)

func s(v string) *string { return &v }

func code(err error) string {
	if e, ok := aws.As(err); ok {
		return e.Code
	}
	if err != nil {
		return "unexpected: " + err.Error()
	}
	return ""
}

func wantErr(t *testing.T, err error, code, message string) {
	t.Helper()
	e, ok := aws.As(err)
	if !ok || e.Code != code || (message != "" && e.Message != message) {
		t.Fatalf("got %v, want %s: %s", err, code, message)
	}
}

var testTime = time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)

func newTestService() *Service { return New(meta.NewMemory(), aws.NewManualClock(testTime)) }

func TestUsersAndKeys(t *testing.T) {
	svc := newTestService()
	out, err := svc.CreateUser(ctx, rootA, &sdk.CreateUserInput{UserName: s("alice"), Path: s("/eng/")})
	if err != nil {
		t.Fatal(err)
	}
	if u := out.User; *u.Arn != "arn:aws:iam::111111111111:user/eng/alice" || !strings.HasPrefix(*u.UserId, "AIDA") || len(*u.UserId) != 21 {
		t.Fatalf("user %+v", u)
	}
	_, err = svc.CreateUser(ctx, rootA, &sdk.CreateUserInput{UserName: s("ALICE")})
	wantErr(t, err, "EntityAlreadyExists", "User with name ALICE already exists.")
	_, err = svc.GetUser(ctx, rootA, &sdk.GetUserInput{UserName: s("bob")})
	wantErr(t, err, "NoSuchEntity", "The user with name bob cannot be found.")
	_, err = svc.CreateUser(ctx, rootA, &sdk.CreateUserInput{UserName: s("x"), Path: s("eng")})
	wantErr(t, err, "ValidationError", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")

	var ids []string
	for range 2 {
		k, err := svc.CreateAccessKey(ctx, rootA, &sdk.CreateAccessKeyInput{UserName: s("alice")})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *k.AccessKey.AccessKeyId)
	}
	_, err = svc.CreateAccessKey(ctx, rootA, &sdk.CreateAccessKeyInput{UserName: s("alice")})
	wantErr(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")

	key, _ := svc.AccessKey(ids[0])
	alice := key.Principal()
	if alice.Type != aws.PrincipalUser || alice.ARN != "arn:aws:iam::111111111111:user/eng/alice" || !strings.HasPrefix(alice.UserID, "AIDA") {
		t.Fatalf("principal %+v", alice)
	}
	self, err := svc.GetUser(ctx, alice, &sdk.GetUserInput{})
	if err != nil || *self.User.UserName != "alice" {
		t.Fatalf("GetUser self: %v", err)
	}
	if _, err := svc.UpdateAccessKey(ctx, alice, &sdk.UpdateAccessKeyInput{AccessKeyId: s(ids[0]), Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if k, _ := svc.AccessKey(ids[0]); k.Status != "Inactive" {
		t.Fatalf("status %s", k.Status)
	}
	_, err = svc.DeleteAccessKey(ctx, rootA, &sdk.DeleteAccessKeyInput{UserName: s("alice"), AccessKeyId: s("AKIANOTAKEY000000000")})
	wantErr(t, err, "NoSuchEntity", "The Access Key with id AKIANOTAKEY000000000 cannot be found.")

	_, err = svc.DeleteUser(ctx, rootA, &sdk.DeleteUserInput{UserName: s("alice")})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	for _, id := range ids {
		if _, err := svc.DeleteAccessKey(ctx, rootA, &sdk.DeleteAccessKeyInput{UserName: s("alice"), AccessKeyId: s(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.AccessKey(ids[0]); !errors.Is(err, ErrNoSuchKey) { // looked up (and cached) above
		t.Fatalf("deleted key still found: %v", err)
	}
	if _, err := svc.PutUserPolicy(ctx, rootA, &sdk.PutUserPolicyInput{UserName: s("alice"), PolicyName: s("read"), PolicyDocument: s(s3Read)}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.DeleteUser(ctx, rootA, &sdk.DeleteUserInput{UserName: s("alice")})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	svc.DeleteUserPolicy(ctx, rootA, &sdk.DeleteUserPolicyInput{UserName: s("alice"), PolicyName: s("read")})
	svc.AttachUserPolicy(ctx, rootA, &sdk.AttachUserPolicyInput{UserName: s("alice"), PolicyArn: s(readOnly)})
	_, err = svc.DeleteUser(ctx, rootA, &sdk.DeleteUserInput{UserName: s("alice")})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	svc.DetachUserPolicy(ctx, rootA, &sdk.DetachUserPolicyInput{UserName: s("alice"), PolicyArn: s(readOnly)})
	if _, err := svc.DeleteUser(ctx, rootA, &sdk.DeleteUserInput{UserName: s("alice")}); err != nil {
		t.Fatal(err)
	}
	list, _ := svc.ListUsers(ctx, rootA, &sdk.ListUsersInput{})
	if len(list.Users) != 0 {
		t.Fatalf("users left: %v", list.Users)
	}
}

func TestRolesAndInlinePolicies(t *testing.T) {
	svc := newTestService()
	out, err := svc.CreateRole(ctx, rootA, &sdk.CreateRoleInput{RoleName: s("replicator"), Path: s("/service/"), AssumeRolePolicyDocument: s(trustB),
		MaxSessionDuration: aws32(7200), Description: s("replication"), Tags: []types.Tag{{Key: s("team"), Value: s("storage")}}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if *r.Arn != "arn:aws:iam::111111111111:role/service/replicator" || !strings.HasPrefix(*r.RoleId, "AROA") || *r.MaxSessionDuration != 7200 {
		t.Fatalf("role %+v", r)
	}
	if doc, _ := url.QueryUnescape(*r.AssumeRolePolicyDocument); doc != trustB || strings.Contains(*r.AssumeRolePolicyDocument, "{") {
		t.Fatalf("trust policy not URL-encoded: %s", *r.AssumeRolePolicyDocument)
	}
	for _, tc := range []struct {
		in            *sdk.CreateRoleInput
		code, message string
	}{
		{&sdk.CreateRoleInput{RoleName: s("replicator"), AssumeRolePolicyDocument: s(trustB)}, "EntityAlreadyExists", "Role with name replicator already exists."},
		{&sdk.CreateRoleInput{RoleName: s("r2"), AssumeRolePolicyDocument: s("{not json")}, "MalformedPolicyDocument", "This policy contains invalid Json"},
		{&sdk.CreateRoleInput{RoleName: s("r2"), AssumeRolePolicyDocument: s(s3Read)}, "MalformedPolicyDocument", "Has prohibited field Resource"},
		{&sdk.CreateRoleInput{RoleName: s("r2"), AssumeRolePolicyDocument: s(trustB), MaxSessionDuration: aws32(100)}, "ValidationError", ""},
		{&sdk.CreateRoleInput{RoleName: s("r2"), AssumeRolePolicyDocument: s(trustB), Tags: []types.Tag{{Key: s("a"), Value: s("1")}, {Key: s("A"), Value: s("2")}}},
			"InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
	} {
		_, err := svc.CreateRole(ctx, rootA, tc.in)
		wantErr(t, err, tc.code, tc.message)
	}
	_, err = svc.PutRolePolicy(ctx, rootA, &sdk.PutRolePolicyInput{RoleName: s("replicator"), PolicyName: s("p"), PolicyDocument: s(trustB)})
	wantErr(t, err, "MalformedPolicyDocument", "Policy document should not specify a principal.")
	if _, err := svc.PutRolePolicy(ctx, rootA, &sdk.PutRolePolicyInput{RoleName: s("replicator"), PolicyName: s("read"), PolicyDocument: s(s3Read)}); err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetRolePolicy(ctx, rootA, &sdk.GetRolePolicyInput{RoleName: s("REPLICATOR"), PolicyName: s("read")})
	if err != nil || *got.RoleName != "replicator" || *got.PolicyDocument != strings.ReplaceAll(url.QueryEscape(s3Read), "+", "%20") {
		t.Fatalf("GetRolePolicy %v %v", got, err)
	}
	_, err = svc.GetRolePolicy(ctx, rootA, &sdk.GetRolePolicyInput{RoleName: s("replicator"), PolicyName: s("nope")})
	wantErr(t, err, "NoSuchEntity", "The role policy with name nope cannot be found.")
	_, err = svc.GetRole(ctx, rootB, &sdk.GetRoleInput{RoleName: s("replicator")})
	wantErr(t, err, "NoSuchEntity", "The role with name replicator cannot be found.")
	_, err = svc.DeleteRole(ctx, rootA, &sdk.DeleteRoleInput{RoleName: s("replicator")})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.")

	if _, err := svc.UpdateAssumeRolePolicy(ctx, rootA, &sdk.UpdateAssumeRolePolicyInput{RoleName: s("replicator"),
		PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.UpdateAssumeRolePolicy(ctx, rootA, &sdk.UpdateAssumeRolePolicyInput{RoleName: s("replicator"),
		PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"}]}`)})
	wantErr(t, err, "MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.")

	pols, err := svc.PoliciesFor(aws.Principal{Type: aws.PrincipalAssumedRole, Account: acctA, RoleARN: "arn:aws:iam::111111111111:role/service/replicator"})
	if err != nil || len(pols.Identity) != 1 || pols.Identity[0].Document != s3Read || !strings.Contains(pols.Trust, "s3.amazonaws.com") {
		t.Fatalf("PoliciesFor %+v %v", pols, err)
	}
}

func TestManagedPolicies(t *testing.T) {
	svc := newTestService()
	out, err := svc.CreatePolicy(ctx, rootA, &sdk.CreatePolicyInput{PolicyName: s("writer"), PolicyDocument: s(s3Write)})
	if err != nil {
		t.Fatal(err)
	}
	arn := *out.Policy.Arn
	if arn != "arn:aws:iam::111111111111:policy/writer" || *out.Policy.DefaultVersionId != "v1" || !strings.HasPrefix(*out.Policy.PolicyId, "ANPA") {
		t.Fatalf("policy %+v", out.Policy)
	}
	_, err = svc.CreatePolicy(ctx, rootA, &sdk.CreatePolicyInput{PolicyName: s("writer"), PolicyDocument: s(s3Write)})
	wantErr(t, err, "EntityAlreadyExists", "A policy called writer already exists. Duplicate names are not allowed.")
	for i := 2; i <= 5; i++ {
		if _, err := svc.CreatePolicyVersion(ctx, rootA, &sdk.CreatePolicyVersionInput{PolicyArn: s(arn), PolicyDocument: s(s3Read), SetAsDefault: i == 3}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = svc.CreatePolicyVersion(ctx, rootA, &sdk.CreatePolicyVersionInput{PolicyArn: s(arn), PolicyDocument: s(s3Read)})
	wantErr(t, err, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	_, err = svc.DeletePolicyVersion(ctx, rootA, &sdk.DeletePolicyVersionInput{PolicyArn: s(arn), VersionId: s("v3")})
	wantErr(t, err, "DeleteConflict", "Cannot delete the default version of a policy.")
	_, err = svc.GetPolicyVersion(ctx, rootA, &sdk.GetPolicyVersionInput{PolicyArn: s(arn), VersionId: s("v9")})
	wantErr(t, err, "NoSuchEntity", "Policy "+arn+" version v9 does not exist or is not attachable.")
	if _, err := svc.SetDefaultPolicyVersion(ctx, rootA, &sdk.SetDefaultPolicyVersionInput{PolicyArn: s(arn), VersionId: s("v1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeletePolicyVersion(ctx, rootA, &sdk.DeletePolicyVersionInput{PolicyArn: s(arn), VersionId: s("v3")}); err != nil {
		t.Fatal(err)
	}
	versions, _ := svc.ListPolicyVersions(ctx, rootA, &sdk.ListPolicyVersionsInput{PolicyArn: s(arn)})
	if len(versions.Versions) != 4 || *versions.Versions[0].VersionId != "v5" || !versions.Versions[3].IsDefaultVersion {
		t.Fatalf("versions %+v", versions.Versions)
	}

	svc.CreateRole(ctx, rootA, &sdk.CreateRoleInput{RoleName: s("app"), AssumeRolePolicyDocument: s(trustB)})
	if _, err := svc.AttachRolePolicy(ctx, rootA, &sdk.AttachRolePolicyInput{RoleName: s("app"), PolicyArn: s(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.AttachRolePolicy(ctx, rootA, &sdk.AttachRolePolicyInput{RoleName: s("app"), PolicyArn: s("arn:aws:iam::111111111111:policy/none")})
	wantErr(t, err, "NoSuchEntity", "Policy arn:aws:iam::111111111111:policy/none does not exist or is not attachable.")
	_, err = svc.AttachRolePolicy(ctx, rootA, &sdk.AttachRolePolicyInput{RoleName: s("app"), PolicyArn: s("longpolicynamebutnoarn")})
	wantErr(t, err, "ValidationError", "ARN longpolicynamebutnoarn is not valid.")
	if got, _ := svc.GetPolicy(ctx, rootA, &sdk.GetPolicyInput{PolicyArn: s(arn)}); *got.Policy.AttachmentCount != 1 {
		t.Fatalf("attachment count %d", *got.Policy.AttachmentCount)
	}
	_, err = svc.DeletePolicy(ctx, rootA, &sdk.DeletePolicyInput{PolicyArn: s(arn)})
	wantErr(t, err, "DeleteConflict", "Cannot delete a policy attached to entities.")
	_, err = svc.GetPolicy(ctx, rootB, &sdk.GetPolicyInput{PolicyArn: s(arn)})
	wantErr(t, err, "AccessDenied", "User: arn:aws:iam::222222222222:root is not authorized to perform: iam:GetPolicy on resource: "+arn+
		" because no identity-based policy allows the iam:GetPolicy action")

	if _, err := svc.PutRolePermissionsBoundary(ctx, rootA, &sdk.PutRolePermissionsBoundaryInput{RoleName: s("app"), PermissionsBoundary: s(readOnly)}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.PutRolePermissionsBoundary(ctx, rootA, &sdk.PutRolePermissionsBoundaryInput{RoleName: s("app"), PermissionsBoundary: s("arn:aws:iam::111111111111:policy/none")})
	wantErr(t, err, "NoSuchEntity", "Scope ARN: arn:aws:iam::111111111111:policy/none does not exist or is not attachable.")
	pols, err := svc.RolePolicies("arn:aws:iam::111111111111:role/app")
	if err != nil || len(pols.Identity) != 1 || pols.Identity[0].Document != s3Write || pols.Boundary == nil || pols.Boundary.ARN != readOnly {
		t.Fatalf("RolePolicies %+v %v", pols, err)
	}
	list, _ := svc.ListAttachedRolePolicies(ctx, rootA, &sdk.ListAttachedRolePoliciesInput{RoleName: s("app")})
	if len(list.AttachedPolicies) != 1 || *list.AttachedPolicies[0].PolicyName != "writer" {
		t.Fatalf("attached %+v", list.AttachedPolicies)
	}

	_, err = svc.DeletePolicy(ctx, rootA, &sdk.DeletePolicyInput{PolicyArn: s(readOnly)})
	wantErr(t, err, "AccessDenied", "Cannot delete policies outside your own account.")
	aws1, err := svc.GetPolicyVersion(ctx, rootB, &sdk.GetPolicyVersionInput{PolicyArn: s(readOnly), VersionId: s("v3")})
	if err != nil || !strings.Contains(*aws1.PolicyVersion.Document, "s3%3AGet%2A") {
		t.Fatalf("AWS managed version: %v %v", aws1, err)
	}
}

func TestBasicValidator(t *testing.T) {
	for _, tc := range []struct{ doc, kind, message string }{
		{`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, KindIdentity, "Policy document must be version 2012-10-17 or greater."},
		{`{"Version":"2012-10-17","Statement":[]}`, KindIdentity, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, KindIdentity, "Policy statement must contain actions."},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, KindIdentity, "Policy statement must contain resources."},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, KindIdentity, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{`{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`, KindIdentity, "Syntax errors in policy."},
		{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}}`, KindTrust, ""},
	} {
		err := BasicValidator(tc.doc, tc.kind)
		if tc.message == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.doc, err)
			}
			continue
		}
		if e, ok := aws.As(err); !ok || e.Message != tc.message || e.Code != "MalformedPolicyDocument" {
			t.Errorf("%s: got %v, want %s", tc.doc, err, tc.message)
		}
	}
}

func aws32(n int32) *int32 { return &n }

func TestTrustPolicyPrincipalsMustExist(t *testing.T) {
	svc := newTestService()
	acct, _, err := svc.CreateAccount("a")
	if err != nil {
		t.Fatal(err)
	}
	root := aws.Principal{Type: aws.PrincipalRoot, Account: acct.ID, ARN: aws.RootARN(acct.ID)}
	trust := func(principal string) *string {
		return s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`)
	}
	ghost := "arn:aws:iam::" + string(acct.ID) + ":user/ghost"
	_, err = svc.CreateRole(ctx, root, &sdk.CreateRoleInput{RoleName: s("r"), AssumeRolePolicyDocument: trust(ghost)})
	wantErr(t, err, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"`+ghost+`"`)
	svc.CreateUser(ctx, root, &sdk.CreateUserInput{UserName: s("ghost")})
	for _, p := range []string{ghost, string(acct.ID), "arn:aws:iam::999999999999:user/elsewhere"} {
		if _, err := svc.CreateRole(ctx, root, &sdk.CreateRoleInput{RoleName: s("r" + p[len(p)-3:]), AssumeRolePolicyDocument: trust(p)}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
