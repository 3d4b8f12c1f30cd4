package world

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMPolicySimulator drives SimulatePrincipalPolicy and
// SimulateCustomPolicy through the SDK: decisions, the statements behind
// them, missing context keys, resource policies across accounts, pages,
// errors, and the callers' own permission to simulate.
func TestIAMPolicySimulator(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	a := e.iam(e.rootCreds("a"))
	acct, other := e.acct["a"], e.acct["b"]
	devARN := "arn:aws:iam::" + acct + ":user/dev"
	dev := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
{"Sid":"Simulate","Effect":"Allow","Action":"iam:SimulatePrincipalPolicy","Resource":"` + devARN + `"}]}`
	if _, err := a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("dev"), PolicyDocument: aws.String(dev)}); err != nil {
		t.Fatal(err)
	}

	// The user's own policies, with and without the condition key.
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(devARN), ActionNames: []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns: []string{"arn:aws:s3:::bkt/k"}}
	out, err := a.SimulatePrincipalPolicy(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 2 || out.IsTruncated {
		t.Fatalf("results %+v", out)
	}
	get, put := out.EvaluationResults[0], out.EvaluationResults[1]
	if get.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny || put.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("decisions %s %s", get.EvalDecision, put.EvalDecision)
	}
	if rs := get.ResourceSpecificResults; len(rs) != 1 || *rs[0].EvalResourceName != "arn:aws:s3:::bkt/k" || len(rs[0].MissingContextValues) != 1 || rs[0].MissingContextValues[0] != "aws:SourceIp" {
		t.Errorf("resource-specific results %+v", rs)
	}
	in.ContextEntries = []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyValues: []string{"10.0.0.1"}, ContextKeyType: iamtypes.ContextKeyTypeEnumIp}}
	in.ActionNames = []string{"s3:GetObject"}
	out, err = a.SimulatePrincipalPolicy(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	r := out.EvaluationResults[0]
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || len(r.MatchedStatements) != 1 {
		t.Fatalf("with the key: %+v", r)
	}
	if m := r.MatchedStatements[0]; *m.SourcePolicyId != "dev" || m.SourcePolicyType != iamtypes.PolicySourceTypeUser ||
		m.StartPosition.Line != 1 || m.StartPosition.Column != 38 || m.EndPosition.Line != 1 || m.EndPosition.Column != 163 {
		t.Errorf("matched statement %s %s %+v %+v", *m.SourcePolicyId, m.SourcePolicyType, *m.StartPosition, *m.EndPosition)
	}

	// A user may simulate itself (its policy allows that) but not use
	// SimulateCustomPolicy; the IAM authorizer decides.
	key, err := a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	asDev := e.iam(static(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""))
	if _, err := asDev.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(devARN), ActionNames: []string{"s3:GetObject"}}); err != nil {
		t.Errorf("dev simulating itself: %v", err)
	}
	_, err = asDev.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{dev}, ActionNames: []string{"s3:GetObject"}})
	wantAPIError(t, err, "AccessDenied", "User: "+devARN+" is not authorized to perform: iam:SimulateCustomPolicy on resource: * because no identity-based policy allows the iam:SimulateCustomPolicy action")

	// A bucket policy of another account must grant the caller too.
	allowAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	bucket := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + devARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`
	custom, err := a.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowAll}, ActionNames: []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns: []string{"arn:aws:s3:::shared/x"}, ResourcePolicy: aws.String(bucket), CallerArn: aws.String(devARN),
		ResourceOwner: aws.String("arn:aws:iam::" + other + ":root")})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		decision, identity, resource iamtypes.PolicyEvaluationDecisionType
	}{{"allowed", "allowed", "allowed"}, {"implicitDeny", "allowed", "implicitDeny"}}
	for i, w := range want {
		r := custom.EvaluationResults[i]
		if r.EvalDecision != w.decision || r.EvalDecisionDetails["IAM Policy"] != w.identity || r.EvalDecisionDetails["Resource Policy"] != w.resource {
			t.Errorf("%s: %s %v", *r.EvalActionName, r.EvalDecision, r.EvalDecisionDetails)
		}
	}

	// Pages, through the SDK's paginator.
	pages := iam.NewSimulateCustomPolicyPaginator(a, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowAll}, MaxItems: aws.Int32(2),
		ActionNames: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:CreateBucket"}})
	n := 0
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.EvaluationResults)
	}
	if n != 5 {
		t.Errorf("%d results over the pages", n)
	}

	// Errors.
	_, err = a.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + acct + ":role/none"), ActionNames: []string{"s3:GetObject"}})
	wantAPIError(t, err, "NoSuchEntity", "The role with name none cannot be found.")
	_, err = a.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[]}`}, ActionNames: []string{"s3:GetObject"}})
	if code(err) != "InvalidInput" {
		t.Errorf("malformed policy: %v", err)
	}
	_, err = a.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowAll}, ActionNames: []string{"s3:GetObject"}, MaxItems: aws.Int32(1001)})
	if code(err) != "ValidationError" {
		t.Errorf("MaxItems 1001: %v", err)
	}
}
