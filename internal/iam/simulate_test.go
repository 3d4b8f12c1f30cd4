package iam

import (
	"fmt"
	"slices"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const (
	aliceARN = "arn:aws:iam::111111111111:user/alice"
	appARN   = "arn:aws:iam::111111111111:role/app"
	s3All    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	denyPut  = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Deny\", \"Action\": \"s3:PutObject\", \"Resource\": \"*\"}\n  ]\n}"
	fromVPN  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	bucketB  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
)

// simulationFixture is account A with user alice (inline s3Read, the AWS
// managed read-only policy attached) and role app (inline s3:*, bounded by
// the read-only policy).
func simulationFixture(t *testing.T) *Service {
	t.Helper()
	svc := newTestService()
	steps := []error{
		second(svc.CreateUser(ctx, rootA, &sdk.CreateUserInput{UserName: s("alice")})),
		second(svc.PutUserPolicy(ctx, rootA, &sdk.PutUserPolicyInput{UserName: s("alice"), PolicyName: s("read"), PolicyDocument: s(s3Read)})),
		second(svc.AttachUserPolicy(ctx, rootA, &sdk.AttachUserPolicyInput{UserName: s("alice"), PolicyArn: s(readOnly)})),
		second(svc.CreateRole(ctx, rootA, &sdk.CreateRoleInput{RoleName: s("app"), AssumeRolePolicyDocument: s(trustB)})),
		second(svc.PutRolePolicy(ctx, rootA, &sdk.PutRolePolicyInput{RoleName: s("app"), PolicyName: s("all"), PolicyDocument: s(s3All)})),
		second(svc.PutRolePermissionsBoundary(ctx, rootA, &sdk.PutRolePermissionsBoundaryInput{RoleName: s("app"), PermissionsBoundary: s(readOnly)})),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return svc
}

func second[T any](_ T, err error) error { return err }

// summary renders a result compactly: decision, matched statements as
// type:id@line:col-line:col, missing keys, boundary and details.
func summary(r types.EvaluationResult) string {
	out := fmt.Sprintf("%s %s %s", *r.EvalActionName, *r.EvalResourceName, r.EvalDecision)
	for _, m := range r.MatchedStatements {
		out += fmt.Sprintf(" %s:%s@%d:%d-%d:%d", m.SourcePolicyType, *m.SourcePolicyId,
			m.StartPosition.Line, m.StartPosition.Column, m.EndPosition.Line, m.EndPosition.Column)
	}
	missing := r.MissingContextValues
	for _, rs := range r.ResourceSpecificResults {
		missing = append(missing, rs.MissingContextValues...)
	}
	if len(missing) > 0 {
		out += fmt.Sprintf(" missing%v", missing)
	}
	if b := r.PermissionsBoundaryDecisionDetail; b != nil {
		out += fmt.Sprintf(" boundary=%v", b.AllowedByPermissionsBoundary)
	}
	if len(r.EvalDecisionDetails) > 0 {
		out += fmt.Sprintf(" details[iam=%s resource=%s]", r.EvalDecisionDetails[detailIdentity], r.EvalDecisionDetails[detailResource])
	}
	return out
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	svc := simulationFixture(t)
	tests := []struct {
		name string
		in   sdk.SimulatePrincipalPolicyInput
		want []string
	}{
		{"user: inline and managed allow, nothing allows PutObject",
			sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(aliceARN), ActionNames: []string{"s3:GetObject", "s3:PutObject"}},
			[]string{
				"s3:GetObject * allowed user:read@1:38-1:94 aws-managed:" + readOnly + "@1:38-1:166",
				"s3:PutObject * implicitDeny",
			}},
		{"user: an input policy denies, with its position",
			sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(aliceARN), ActionNames: []string{"s3:PutObject"}, PolicyInputList: []string{s3All, denyPut}},
			[]string{"s3:PutObject * explicitDeny none:PolicyInputList.2@4:5-4:65"}},
		{"role: the boundary limits the inline grant",
			sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(appARN), ActionNames: []string{"s3:GetObject", "s3:DeleteObject"}},
			[]string{
				"s3:GetObject * allowed role:all@1:38-1:86 aws-managed:" + readOnly + "@1:38-1:166 boundary=true",
				"s3:DeleteObject * implicitDeny boundary=false",
			}},
		{"role: an input boundary replaces the role's",
			sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(appARN), ActionNames: []string{"s3:DeleteObject"}, PermissionsBoundaryPolicyInputList: []string{s3All}},
			[]string{"s3:DeleteObject * allowed role:all@1:38-1:86 none:PermissionsBoundaryPolicyInputList.1@1:38-1:86 boundary=true"}},
		{"missing context key, then supplied",
			sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(aliceARN), ActionNames: []string{"s3:ListBucket"}, PolicyInputList: []string{fromVPN},
				ResourceArns: []string{"arn:aws:s3:::b"}},
			[]string{"s3:ListBucket arn:aws:s3:::b allowed aws-managed:" + readOnly + "@1:38-1:166 missing[aws:SourceIp]"}},
		{"context entry satisfies the condition",
			sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(aliceARN), ActionNames: []string{"s3:ListBucket"}, PolicyInputList: []string{fromVPN},
				ContextEntries: []types.ContextEntry{{ContextKeyName: s("aws:SourceIp"), ContextKeyValues: []string{"10.1.2.3"}, ContextKeyType: types.ContextKeyTypeEnumIp}}},
			[]string{"s3:ListBucket * allowed aws-managed:" + readOnly + "@1:38-1:166 none:PolicyInputList.1@1:38-1:151"}},
		{"resource policy in another account",
			sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(aliceARN), ActionNames: []string{"s3:GetObject", "s3:PutObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"},
				ResourcePolicy: s(bucketB), ResourceOwner: s("arn:aws:iam::222222222222:root")},
			[]string{
				"s3:GetObject arn:aws:s3:::b/k allowed user:read@1:38-1:94 aws-managed:" + readOnly + "@1:38-1:166 resource:ResourcePolicy@1:38-1:168 details[iam=allowed resource=allowed]",
				"s3:PutObject arn:aws:s3:::b/k implicitDeny details[iam=implicitDeny resource=implicitDeny]",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := svc.SimulatePrincipalPolicy(ctx, rootA, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range out.EvaluationResults {
				got = append(got, summary(r))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}

func TestSimulateCustomPolicy(t *testing.T) {
	svc := simulationFixture(t)
	tests := []struct {
		name string
		in   sdk.SimulateCustomPolicyInput
		want []string
	}{
		{"identity policies alone",
			sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3Read, denyPut}, ActionNames: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}},
			[]string{
				"s3:GetObject * allowed none:PolicyInputList.1@1:38-1:94",
				"s3:PutObject * explicitDeny none:PolicyInputList.2@4:5-4:65",
				"s3:DeleteObject * implicitDeny",
			}},
		{"boundary",
			sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, PermissionsBoundaryPolicyInputList: []string{s3Read}, ActionNames: []string{"s3:GetObject", "s3:PutObject"}},
			[]string{
				"s3:GetObject * allowed none:PolicyInputList.1@1:38-1:86 none:PermissionsBoundaryPolicyInputList.1@1:38-1:94 boundary=true",
				"s3:PutObject * implicitDeny boundary=false",
			}},
		{"resource policy grants the caller directly in its own account",
			sdk.SimulateCustomPolicyInput{PolicyInputList: []string{denyPut}, ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"},
				ResourcePolicy: s(bucketB), CallerArn: s(aliceARN)},
			[]string{"s3:GetObject arn:aws:s3:::b/k allowed resource:ResourcePolicy@1:38-1:168 details[iam=implicitDeny resource=allowed]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := svc.SimulateCustomPolicy(ctx, rootA, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range out.EvaluationResults {
				got = append(got, summary(r))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}

func TestSimulateErrors(t *testing.T) {
	svc := simulationFixture(t)
	get := []string{"s3:GetObject"}
	principal := func(in sdk.SimulatePrincipalPolicyInput) error {
		_, err := svc.SimulatePrincipalPolicy(ctx, rootA, &in)
		return err
	}
	custom := func(in sdk.SimulateCustomPolicyInput) error {
		_, err := svc.SimulateCustomPolicy(ctx, rootA, &in)
		return err
	}
	_, crossAccount := svc.SimulatePrincipalPolicy(ctx, rootB, &sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(aliceARN), ActionNames: get})
	tests := []struct {
		name, code, message string
		err                 error
	}{
		{"no such user", "NoSuchEntity", "The user with name bob cannot be found.",
			principal(sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s("arn:aws:iam::111111111111:user/bob"), ActionNames: get})},
		{"no such role", "NoSuchEntity", "The role with name nope cannot be found.",
			principal(sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s("arn:aws:iam::111111111111:role/nope"), ActionNames: get})},
		{"groups", "NoSuchEntity", "The group with name devs cannot be found.",
			principal(sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s("arn:aws:iam::111111111111:group/devs"), ActionNames: get})},
		{"not an entity", "InvalidInput", "",
			principal(sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s("arn:aws:s3:::b"), ActionNames: get})},
		{"another account's user", "AccessDenied", "", crossAccount},
		{"role with a resource policy needs CallerArn", "InvalidInput", "",
			principal(sdk.SimulatePrincipalPolicyInput{PolicySourceArn: s(appARN), ActionNames: get, ResourcePolicy: s(bucketB)})},
		{"malformed input policy", "InvalidInput", "",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Version":"2012-10-17"}`}, ActionNames: get})},
		{"resource policy in the input list", "InvalidInput", "",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{bucketB}, ActionNames: get})},
		{"two boundaries", "InvalidInput", "Only one permissions boundary policy can be simulated.",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, PermissionsBoundaryPolicyInputList: []string{s3All, s3Read}, ActionNames: get})},
		{"resource policy without CallerArn", "InvalidInput", "CallerArn must be specified with a resource policy.",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, ActionNames: get, ResourcePolicy: s(bucketB)})},
		{"CallerArn of a role", "InvalidInput", "",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, ActionNames: get, ResourcePolicy: s(bucketB), CallerArn: s(appARN)})},
		{"wildcard action", "InvalidInput", "",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, ActionNames: []string{"s3:*"}})},
		{"bad ResourceOwner", "InvalidInput", "",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, ActionNames: get, ResourceOwner: s("someone")})},
		{"context value not of its type", "InvalidInput", "Invalid value ten for context key s3:max-keys of type numeric.",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, ActionNames: get,
				ContextEntries: []types.ContextEntry{{ContextKeyName: s("s3:max-keys"), ContextKeyValues: []string{"ten"}, ContextKeyType: types.ContextKeyTypeEnumNumeric}}})},
		{"bad marker", "ValidationError", "Invalid Marker.",
			custom(sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3All}, ActionNames: get, Marker: s("7")})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.err, tc.code, tc.message) })
	}
}

func TestSimulatePages(t *testing.T) {
	svc := simulationFixture(t)
	in := &sdk.SimulateCustomPolicyInput{PolicyInputList: []string{s3Read}, MaxItems: ptr(int32(4)),
		ActionNames: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, ResourceArns: []string{"arn:aws:s3:::b/1", "arn:aws:s3:::b/2"}}
	var got []string
	for page := 0; ; page++ {
		out, err := svc.SimulateCustomPolicy(ctx, rootA, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.EvaluationResults {
			got = append(got, *r.EvalActionName+" "+*r.EvalResourceName+" "+string(r.EvalDecision))
		}
		if !out.IsTruncated {
			break
		}
		if page > 2 || out.Marker == nil {
			t.Fatalf("page %d: truncated, marker %v", page, out.Marker)
		}
		in.Marker = out.Marker
	}
	want := []string{
		"s3:GetObject arn:aws:s3:::b/1 allowed", "s3:GetObject arn:aws:s3:::b/2 allowed",
		"s3:PutObject arn:aws:s3:::b/1 implicitDeny", "s3:PutObject arn:aws:s3:::b/2 implicitDeny",
		"s3:DeleteObject arn:aws:s3:::b/1 implicitDeny", "s3:DeleteObject arn:aws:s3:::b/2 implicitDeny",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
}
