package policy

import (
	"errors"
	"strings"
	"testing"
)

const s3Read = `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
	}{
		{"identity, statement object", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`},
		{"identity, lists and conditions", Identity, `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":"arn:aws:iam::111122223333:role/x",
			"Condition":{"Bool":{"aws:MultiFactorAuthPresent":false},"NumericLessThan":{"s3:max-keys":10},"ForAllValues:StringLike":{"aws:TagKeys":["a*","b"]}}}]}`},
		{"boundary", Boundary, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","kms:*"],"Resource":"*"}]}`},
		{"session without version", Session, `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`},
		{"bucket policy, star", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`},
		{"bucket policy, account and role", BucketPolicy, `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:role/r"]},"Action":["s3:ReplicateObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`},
		{"bucket policy, service and canonical", BucketPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/logs/*"}]}`},
		{"key policy", KeyPolicy, `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`},
		{"trust policy, service", TrustPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`},
		{"trust policy, session and federated", TrustPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/r/s","Federated":"cognito-identity.amazonaws.com"},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity","sts:TagSession"]}]}`},
		{"trust policy, NotPrincipal", TrustPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"AROAEXAMPLEROLEID1234"},"Action":"sts:*"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc, tc.kind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := Parse(p.String(), tc.kind); err != nil {
				t.Fatalf("re-parse of %s: %v", p, err)
			}
		})
	}
}

func TestParseStatementShape(t *testing.T) {
	p, err := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:prefix":["a",1,true]}}}]}`, Identity)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Statements[0]
	if s.Effect != Allow || s.Action[0] != "s3:GetObject" || s.Resource[0] != "arn:aws:s3:::b/*" || s.Ref() != "statement #1" {
		t.Fatalf("statement = %+v", s)
	}
	if got := strings.Join(s.Condition[0].Values, ","); got != "a,1,true" {
		t.Fatalf("values = %s", got)
	}
}

// TestParseErrors checks each service's exact message for bad documents.
func TestParseErrors(t *testing.T) {
	const okStmt = `"Effect":"Allow","Action":"s3:GetObject","Resource":"*"`
	tests := []struct {
		name      string
		kind      Kind
		doc       string
		code, msg string
	}{
		// IAM (CreatePolicy / PutRolePolicy).
		{"not json", Identity, `This is not a json document`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"no version", Identity, `{"Statement":{` + okStmt + `}}`, CodeMalformedPolicyDocument, "Policy document must be version 2012-10-17 or greater."},
		{"old version", Identity, `{"Version":"2008-10-17","Statement":{` + okStmt + `}}`, CodeMalformedPolicyDocument, "Policy document must be version 2012-10-17 or greater."},
		{"unknown version", Identity, `{"Version":"2013-10-17","Statement":{` + okStmt + `}}`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"empty statement list", Identity, `{"Version":"2012-10-17","Statement":[]}`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"unknown top field", Identity, `{"Version":"2012-10-17","Foo":1,"Statement":{` + okStmt + `}}`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"unknown statement field", Identity, `{"Version":"2012-10-17","Statement":{` + okStmt + `,"Foo":"x"}}`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"action not string", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"effect casing", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`, CodeMalformedPolicyDocument, "The policy failed legacy parsing"},
		{"bad date", Identity, `{"Version":"2012-10-17","Statement":{` + okStmt + `,"Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}}`, CodeMalformedPolicyDocument, "The policy failed legacy parsing"},
		{"too few colons", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3::bucket"}}`, CodeMalformedPolicyDocument, "The policy failed legacy parsing"},
		{"duplicate sid", Identity, `{"Version":"2012-10-17","Statement":[{"Sid":"A",` + okStmt + `},{"Sid":"A",` + okStmt + `}]}`, CodeMalformedPolicyDocument, "Statement IDs (SID) in a single policy must be unique."},
		{"no action", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, CodeMalformedPolicyDocument, "Policy statement must contain actions."},
		{"empty action list", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, CodeMalformedPolicyDocument, "Policy statement must contain actions."},
		{"no resource", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, CodeMalformedPolicyDocument, "Policy statement must contain resources."},
		{"no vendor", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"two colons", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:List:Bucket","Resource":"*"}}`, CodeMalformedPolicyDocument, "Actions/Condition can contain only one colon."},
		{"bad vendor", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"a a:b","Resource":"*"}}`, CodeMalformedPolicyDocument, "Vendor a a is not valid"},
		{"condition key without vendor", Identity, `{"Version":"2012-10-17","Statement":{` + okStmt + `,"Condition":{"StringEquals":{"prefix":"a"}}}}`, CodeMalformedPolicyDocument, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"not an arn", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"invalid resource"}}`, CodeMalformedPolicyDocument, `Resource invalid resource must be in ARN format or "*".`},
		{"bad partition", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:error:s3:::example_bucket"}}`, CodeMalformedPolicyDocument, `Partition "error" is not valid for resource "arn:error:s3:::example_bucket".`},
		{"s3 region", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:us-east-1::example_bucket"}}`, CodeMalformedPolicyDocument, "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."},
		{"vendor regex", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws"}}`, CodeMalformedPolicyDocument, "Resource vendor must be fully qualified and cannot contain regexes."},
		{"padded partition", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"a:b:cadfsdf"}}`, CodeMalformedPolicyDocument, `Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".`},
		{"no colon", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":""}}`, CodeMalformedPolicyDocument, `Resource  must be in ARN format or "*".`},
		{"iam region", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam:us-east-1:111122223333:role/r"}}`, CodeMalformedPolicyDocument, "IAM resource arn:aws:iam:us-east-1:111122223333:role/r cannot contain region information."},
		{"iam path", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:bucket/x"}}`, CodeMalformedPolicyDocument, `IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`},
		{"vendor with wildcard", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s*:GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "Vendor s* is not valid"},
		{"principal in identity", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, CodeMalformedPolicyDocument, "Policy document should not specify a principal."},
		{"unknown operator", Identity, `{"Version":"2012-10-17","Statement":{` + okStmt + `,"Condition":{"StringEqual":{"s3:prefix":"a"}}}}`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"bad sid characters", Identity, `{"Version":"2012-10-17","Statement":{"Sid":"a-b",` + okStmt + `}}`, CodeMalformedPolicyDocument, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
		{"duplicate element", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"s3:*","Resource":"*"}}`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		// Trust policies.
		{"trust not json", TrustPolicy, `{`, CodeMalformedPolicyDocument, "This policy contains invalid Json"},
		{"trust with resource", TrustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}}`, CodeMalformedPolicyDocument, "Has prohibited field Resource"},
		{"trust non-sts action", TrustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"s3:GetObject"}}`, CodeMalformedPolicyDocument, "AssumeRole policy may only specify STS AssumeRole actions."},
		{"trust invalid principal", TrustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/g"},"Action":"sts:AssumeRole"}}`, CodeMalformedPolicyDocument, `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:group/g"`},
		// S3 bucket policies.
		{"s3 empty body", BucketPolicy, ``, CodeMalformedPolicy, "Policies must be valid JSON and the first byte must be '{'"},
		{"s3 array", BucketPolicy, `[]`, CodeMalformedPolicy, "Policies must be valid JSON and the first byte must be '{'"},
		{"s3 bad json", BucketPolicy, `{"Version":`, CodeMalformedPolicy, "This policy contains invalid Json"},
		{"s3 empty statement", BucketPolicy, `{"Version":"2012-10-17","Statement":[]}`, CodeMalformedPolicy, "Could not parse the policy: Statement is empty!"},
		{"s3 empty object", BucketPolicy, `{}`, CodeMalformedPolicy, "Missing required field Statement"},
		{"s3 unknown field", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Foo":1}]}`, CodeMalformedPolicy, "Unknown field Foo"},
		{"s3 no principal", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, CodeMalformedPolicy, "Missing required field Principal"},
		{"s3 invalid principal", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AKIAEXAMPLE"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, CodeMalformedPolicy, "Invalid principal in policy"},
		{"s3 principal string", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"me","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, CodeMalformedPolicy, "Invalid principal in policy"},
		{"s3 wildcard in principal arn", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, CodeMalformedPolicy, "Invalid principal in policy"},
		{"s3 action mismatch", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["s3:PutObject"],"Resource":["arn:aws:s3:::b"]}]}`, CodeMalformedPolicy, "Action does not apply to any resource(s) in statement"},
		{"s3 bucket action on objects", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::b/*"]}]}`, CodeMalformedPolicy, "Action does not apply to any resource(s) in statement"},
		{"s3 not s3 resource", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}]}`, CodeMalformedPolicy, "Policy has invalid resource"},
		{"s3 not s3 action", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:s3:::b/*"}]}`, CodeMalformedPolicy, "Policy has invalid action"},
		{"s3 bad effect", BucketPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, CodeMalformedPolicy, "Invalid effect: Alow"},
		{"s3 bad version", BucketPolicy, `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, CodeMalformedPolicy, "The policy must contain a valid version string"},
		// KMS key policies.
		{"kms invalid principal", KeyPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam:111122223333:root"},"Action":"kms:*","Resource":"*"}]}`, CodeKMSMalformed, "Policy contains a statement with one or more invalid principals."},
		{"kms no principal", KeyPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`, CodeKMSMalformed, "Policy contains a statement with one or more invalid principals."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.doc, tc.kind)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want *Error", err)
			}
			if pe.Code != tc.code || pe.Message != tc.msg {
				t.Fatalf("got %s %q (%s)\nwant %s %q", pe.Code, pe.Message, pe.Detail, tc.code, tc.msg)
			}
		})
	}
}

func TestParseBucketOption(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`
	if _, err := Parse(doc, BucketPolicy); err != nil {
		t.Fatalf("without Bucket: %v", err)
	}
	_, err := ParseOptions(doc, BucketPolicy, Options{Bucket: "mine"})
	var pe *Error
	if !errors.As(err, &pe) || pe.Message != "Policy has invalid resource" {
		t.Fatalf("with Bucket: %v", err)
	}
	if _, err := ParseOptions(strings.Replace(doc, "other", "mi*", 1), BucketPolicy, Options{Bucket: "mine"}); err != nil {
		t.Fatalf("wildcard bucket: %v", err)
	}
}

func TestParsePrincipalExists(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/gone"},"Action":"sts:AssumeRole"}]}`
	exists := func(arn string) bool { return !strings.HasSuffix(arn, "/gone") }
	_, err := ParseOptions(doc, TrustPolicy, Options{PrincipalExists: exists})
	var pe *Error
	if !errors.As(err, &pe) || pe.Message != `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/gone"` {
		t.Fatalf("err = %v", err)
	}
}

func TestParseSizeLimits(t *testing.T) {
	// pad builds an identity policy of about n non-white-space characters.
	pad := func(n int, ws string) string {
		base := `{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
		return strings.Replace(base, `"S"`, `"S`+strings.Repeat("x", n-len(base))+`"`, 1) + ws
	}
	if _, err := Parse(pad(LimitManagedPolicy, strings.Repeat(" \n", 1000)), Identity); err != nil {
		t.Fatalf("at the limit, with white space: %v", err)
	}
	tests := []struct {
		name      string
		kind      Kind
		doc       string
		opt       Options
		code, msg string
	}{
		{"managed", Identity, pad(LimitManagedPolicy+1, ""), Options{}, CodeLimitExceeded, "Cannot exceed quota for PolicySize: 6144"},
		{"inline role", Identity, pad(LimitInlineRole+1, ""), Options{MaxSize: LimitInlineRole, Entity: "role R"}, CodeLimitExceeded, "Maximum policy size of 10240 bytes exceeded for role R"},
		{"inline user", Identity, pad(LimitInlineUser+1, ""), Options{MaxSize: LimitInlineUser, Entity: "user U"}, CodeLimitExceeded, "Maximum policy size of 2048 bytes exceeded for user U"},
		{"trust", TrustPolicy, pad(LimitTrustPolicy+1, ""), Options{}, CodeLimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048"},
		{"bucket", BucketPolicy, pad(LimitBucketPolicy+1, ""), Options{}, CodeMalformedPolicy, "Policies must be less than 20 KB"},
	}
	for _, tc := range tests {
		_, err := ParseOptions(tc.doc, tc.kind, tc.opt)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Session policies count white space (STS length constraint).
	doc := pad(2000, strings.Repeat(" ", 100))
	_, err := Parse(doc, Session)
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeValidationError || !strings.HasSuffix(pe.Message, "Member must have length less than or equal to 2048") {
		t.Fatalf("session: %v", err)
	}
	if _, err := ParseOptions(pad(LimitManagedPolicy+10, ""), Identity, Options{MaxSize: -1}); err != nil {
		t.Fatalf("no limit: %v", err)
	}
	if got := Identity.Size("{ \"a\" :\n 1 }"); got != 7 {
		t.Fatalf("Size = %d", got)
	}
}

func TestQueuePolicyKind(t *testing.T) {
	tests := []struct {
		name, doc string
		ok        bool
	}{
		{"service principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b"}}}]}`, true},
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`, false},
		{"not json", `nope`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc, QueuePolicy)
			if (err == nil) != tt.ok {
				t.Fatalf("Parse: %v", err)
			}
			if err != nil {
				pe := err.(*Error)
				if pe.Code != CodeSQSInvalidAttribute || pe.Message != "Invalid value for the parameter Policy." {
					t.Fatalf("error %+v", pe)
				}
			}
		})
	}
}
