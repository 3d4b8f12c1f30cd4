package world

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// End-to-end authorization with the SDK clients: IAM policies, bucket
// policies, boundaries, trust and session policies, as AWS evaluates them.

// newUser creates an IAM user in the account of admin's client, attaches
// the managed policies and returns its credentials.
func (e *iamEnv) newUser(admin *iam.Client, name string, managed ...string) aws.CredentialsProvider {
	e.t.Helper()
	ctx := context.Background()
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
	for _, arn := range managed {
		if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(arn)}); err != nil {
			e.t.Fatal(err)
		}
	}
	k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	return static(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
}

func (e *iamEnv) putUserPolicy(admin *iam.Client, user, doc string) {
	e.t.Helper()
	if _, err := admin.PutUserPolicy(context.Background(), &iam.PutUserPolicyInput{UserName: aws.String(user),
		PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)}); err != nil {
		e.t.Fatal(err)
	}
}

// bucketWithObject creates a bucket holding key "k" as the account's root.
func (e *iamEnv) bucketWithObject(account, bucket string) *s3.Client {
	e.t.Helper()
	ctx := context.Background()
	c := e.s3(e.rootCreds(account), "us-east-1")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("data")}); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func getObject(c *s3.Client, bucket, key string) error {
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err == nil {
		out.Body.Close()
	}
	return err
}

func putObject(c *s3.Client, bucket, key string) error {
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x")})
	return err
}

const (
	s3ReadOnly = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	s3Full     = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
	adminArn   = "arn:aws:iam::aws:policy/AdministratorAccess"
)

func TestUserNeedsIdentityPolicies(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	e.bucketWithObject("a", "data")
	a := e.iam(e.rootCreds("a"))
	acct := e.acct["a"]

	plain := e.s3(e.newUser(a, "plain"), "us-east-1")
	err := getObject(plain, "data", "k")
	wantAPIError(t, err, "AccessDenied", `User: arn:aws:iam::`+acct+`:user/plain is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::data/k" because no identity-based policy allows the s3:GetObject action`)
	_, err = plain.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantAPIError(t, err, "AccessDenied", "s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action")

	reader := e.s3(e.newUser(a, "reader", s3ReadOnly), "us-east-1")
	if err := getObject(reader, "data", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	err = putObject(reader, "data", "new")
	wantAPIError(t, err, "AccessDenied", `User: arn:aws:iam::`+acct+`:user/reader is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::data/new" because no identity-based policy allows the s3:PutObject action`)
	// With s3:ListBucket a missing key is NoSuchKey; without it, AccessDenied.
	wantAPIError(t, getObject(reader, "data", "missing"), "NoSuchKey", "")
	e.putUserPolicy(a, "plain", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`)
	wantAPIError(t, getObject(plain, "data", "missing"), "AccessDenied", "Access Denied")
	if err := getObject(plain, "data", "k"); err != nil {
		t.Fatal(err)
	}

	// A permissions boundary limits what the user's policies grant.
	bounded := e.newUser(a, "bounded", s3Full)
	if err := putObject(e.s3(bounded, "us-east-1"), "data", "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bounded"), PermissionsBoundary: aws.String(s3ReadOnly)}); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, putObject(e.s3(bounded, "us-east-1"), "data", "b2"), "AccessDenied", "because no permissions boundary allows the s3:PutObject action")
	if err := getObject(e.s3(bounded, "us-east-1"), "data", "k"); err != nil {
		t.Fatal(err)
	}

	// IAM itself: a user without IAM permissions cannot list users.
	_, err = e.iam(e.newUser(a, "noiam", s3Full)).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::"+acct+":user/noiam is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::"+acct+":user/ because no identity-based policy allows the iam:ListUsers action")
	if _, err := e.iam(e.newUser(a, "iamadmin", adminArn)).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
}

func TestBucketPolicyAcrossAccounts(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	owner := e.bucketWithObject("a", "shared-data")
	b := e.iam(e.rootCreds("b"))
	bRoot := e.s3(e.rootCreds("b"), "us-east-1")
	bUser := e.s3(e.newUser(b, "bob"), "us-east-1")

	// No bucket policy: another account gets the plain Access Denied.
	wantAPIError(t, getObject(bRoot, "shared-data", "k"), "AccessDenied", "Access Denied")
	_, err := owner.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared-data")})
	wantAPIError(t, err, "NoSuchBucketPolicy", "The bucket policy does not exist")

	grant := `{"Version":"2012-10-17","Statement":[{"Sid":"ReadForB","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.acct["b"] + `:root"},"Action":["s3:GetObject","s3:PutBucketPolicy"],"Resource":["arn:aws:s3:::shared-data/*","arn:aws:s3:::shared-data"]}]}`
	if _, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared-data"), Policy: aws.String(grant)}); err != nil {
		t.Fatal(err)
	}
	got, err := owner.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared-data")})
	if err != nil || *got.Policy != grant {
		t.Fatalf("GetBucketPolicy: %v %v", got, err)
	}
	// B's root is allowed by the grant to its account; B's user needs its
	// own identity policy too (cross-account: both sides must allow).
	if err := getObject(bRoot, "shared-data", "k"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, getObject(bUser, "shared-data", "k"), "AccessDenied", "Access Denied")
	e.putUserPolicy(b, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}]}`)
	if err := getObject(bUser, "shared-data", "k"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, putObject(bRoot, "shared-data", "x"), "AccessDenied", "Access Denied")

	// Only the owner's account manages the policy: another account allowed
	// by it gets MethodNotAllowed.
	_, err = bRoot.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared-data"), Policy: aws.String(grant)})
	wantAPIError(t, err, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	_, err = bRoot.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared-data")})
	wantAPIError(t, err, "AccessDenied", "Access Denied")

	// Malformed policies are refused with S3's messages.
	ghost := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.acct["b"] +
		`:user/ghost"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}]}`
	otherBucket := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}]}`
	for _, tc := range []struct{ doc, msg string }{
		{"not json", "Policies must be valid JSON and the first byte must be '{'"},
		{"{}", "Missing required field Statement"},
		{otherBucket, "Policy has invalid resource"},
		{ghost, "Invalid principal in policy"},
	} {
		_, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared-data"), Policy: aws.String(tc.doc)})
		wantAPIError(t, err, "MalformedPolicy", tc.msg)
	}
	if _, err := owner.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("shared-data")}); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, getObject(bRoot, "shared-data", "k"), "AccessDenied", "Access Denied")
}

func TestBucketPolicyDenyBeatsAdmin(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	owner := e.bucketWithObject("a", "guarded")
	a := e.iam(e.rootCreds("a"))
	admin := e.s3(e.newUser(a, "admin", adminArn), "us-east-1")
	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"NoDeletes","Effect":"Deny","Principal":"*","Action":["s3:DeleteObject","s3:DeleteBucketPolicy"],"Resource":["arn:aws:s3:::guarded/*","arn:aws:s3:::guarded"]}]}`
	if _, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("guarded"), Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	_, err := admin.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("guarded"), Key: aws.String("k")})
	wantAPIError(t, err, "AccessDenied", `User: arn:aws:iam::`+e.acct["a"]+`:user/admin is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::guarded/k" with an explicit deny in a resource-based policy`)
	// The deny binds the account's root too, except for managing the policy.
	_, err = owner.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("guarded"), Key: aws.String("k")})
	wantAPIError(t, err, "AccessDenied", "with an explicit deny in a resource-based policy")
	_, err = admin.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("guarded")})
	wantAPIError(t, err, "AccessDenied", "explicit deny")
	if err := getObject(admin, "guarded", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("guarded")}); err != nil {
		t.Fatalf("the owner's root may always remove the policy: %v", err)
	}
	if _, err := admin.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("guarded"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
}

func TestAnonymousNeedsPublicPolicy(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	owner := e.bucketWithObject("a", "website")
	anon := func(method string) int {
		req, _ := http.NewRequest(method, e.srv.URL+"/website/k", strings.NewReader("x"))
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := anon(http.MethodGet); got != http.StatusForbidden {
		t.Fatalf("anonymous GET without a policy: %d", got)
	}
	// The operator sees the denial and what would allow it.
	rec := httptest.NewRecorder()
	(&adminAPI{w: e.w}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_ferry/admin/decisions?denied=true", nil))
	var decisions []Decision
	if err := json.Unmarshal(rec.Body.Bytes(), &decisions); err != nil || len(decisions) == 0 {
		t.Fatalf("decisions: %v %s", err, rec.Body)
	}
	if d := decisions[0]; d.Allowed || d.Action != "s3:GetObject" || d.Principal != "anonymous" || d.Resource != "arn:aws:s3:::website/k" ||
		!strings.Contains(d.Explanation, "only a resource-based policy can allow it") || len(d.Suggestions) != 1 || !strings.Contains(d.Suggestions[0], `"Principal": "*"`) {
		t.Fatalf("latest denial %+v", d)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::website/*"}]}`
	putPolicy := func() error {
		_, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("website"), Policy: aws.String(public)})
		return err
	}
	// A new bucket blocks public access: the owner must lift the block first.
	wantAPIError(t, putPolicy(), "AccessDenied", `User: arn:aws:iam::`+e.acct["a"]+`:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::website" because public policies are prevented by the BlockPublicPolicy setting in S3 Block Public Access.`)
	if _, err := owner.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("website")}); err != nil {
		t.Fatal(err)
	}
	if err := putPolicy(); err != nil {
		t.Fatal(err)
	}
	if got := anon(http.MethodGet); got != http.StatusOK {
		t.Fatalf("anonymous GET with public read: %d", got)
	}
	// RestrictPublicBuckets sets the public grant aside again.
	restrict := &s3types.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(true)}
	if _, err := owner.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("website"), PublicAccessBlockConfiguration: restrict}); err != nil {
		t.Fatal(err)
	}
	if got := anon(http.MethodGet); got != http.StatusForbidden {
		t.Fatalf("anonymous GET under RestrictPublicBuckets: %d", got)
	}
	if _, err := owner.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("website"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if got := anon(http.MethodGet); got != http.StatusOK {
		t.Fatalf("anonymous GET once the restriction is lifted: %d", got)
	}
	if got := anon(http.MethodPut); got != http.StatusForbidden {
		t.Fatalf("anonymous PUT with public read: %d", got)
	}
	st, err := owner.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("website")})
	if err != nil || st.PolicyStatus == nil || !aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Fatalf("policy status %+v %v", st, err)
	}
}

func TestAssumeRoleTrustAndSessionPolicy(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	e.bucketWithObject("a", "work")
	a, b := e.iam(e.rootCreds("a")), e.iam(e.rootCreds("b"))
	acctA, acctB := e.acct["a"], e.acct["b"]

	// Same account, trust policy naming the account: the caller's own
	// policy must allow sts:AssumeRole.
	trustAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":"sts:AssumeRole"}]}`
	role, err := a.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("worker"), PolicyArn: aws.String(s3Full)}); err != nil {
		t.Fatal(err)
	}
	carol := e.newUser(a, "carol")
	_, err = e.sts(carol, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s1")})
	wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::"+acctA+":user/carol is not authorized to perform: sts:AssumeRole on resource: "+*role.Role.Arn)
	e.putUserPolicy(a, "carol", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+*role.Role.Arn+`"}]}`)
	if _, err := e.sts(carol, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}

	// A trust policy naming the user itself needs nothing on the user's side.
	trustUser := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:user/dave"},"Action":"sts:AssumeRole"}]}`
	dave := e.newUser(a, "dave")
	if _, err := a.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("for-dave"), AssumeRolePolicyDocument: aws.String(trustUser)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sts(dave, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acctA + ":role/for-dave"), RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}
	// A trust policy naming a user that does not exist is refused.
	_, err = a.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ghost"), AssumeRolePolicyDocument: aws.String(strings.ReplaceAll(trustUser, "dave", "nobody"))})
	wantAPIError(t, err, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::`+acctA+`:user/nobody"`)

	// Across accounts with an external id.
	trustExternal := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"partner-42"}}}]}`
	ext, err := a.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("partner"), AssumeRolePolicyDocument: aws.String(trustExternal)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("partner"), PolicyArn: aws.String(s3Full)}); err != nil {
		t.Fatal(err)
	}
	erin := e.newUser(b, "erin")
	e.putUserPolicy(b, "erin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	for _, id := range []*string{nil, aws.String("wrong")} {
		_, err = e.sts(erin, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: ext.Role.Arn, RoleSessionName: aws.String("s1"), ExternalId: id})
		wantAPIError(t, err, "AccessDenied", "is not authorized to perform: sts:AssumeRole")
	}
	// Session tags need sts:TagSession in the trust policy.
	_, err = e.sts(erin, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: ext.Role.Arn, RoleSessionName: aws.String("s1"), ExternalId: aws.String("partner-42"),
		Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}})
	wantAPIError(t, err, "AccessDenied", "sts:TagSession")

	// A session policy narrows the role: S3FullAccess, but only GetObject.
	out, err := e.sts(erin, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: ext.Role.Arn, RoleSessionName: aws.String("narrow"), ExternalId: aws.String("partner-42"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	narrow := e.s3(static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "us-east-1")
	if err := getObject(narrow, "work", "k"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, putObject(narrow, "work", "n"), "AccessDenied",
		`User: arn:aws:sts::`+acctA+`:assumed-role/partner/narrow is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::work/n" because no session policy allows the s3:PutObject action`)

	// Without a session policy the role's own policies apply in full.
	out, err = e.sts(erin, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: ext.Role.Arn, RoleSessionName: aws.String("wide"), ExternalId: aws.String("partner-42")})
	if err != nil {
		t.Fatal(err)
	}
	c = out.Credentials
	if err := putObject(e.s3(static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "us-east-1"), "work", "w"); err != nil {
		t.Fatal(err)
	}

	// The recent decisions explain the denials.
	denied := e.w.Authz.Recent(true)
	if len(denied) == 0 || !strings.Contains(denied[0].Explain(), "DENY") {
		t.Fatalf("recent denials: %d", len(denied))
	}
}

// Condition keys reach the policy engine from the wire: s3:prefix with a
// policy variable, s3:x-amz-storage-class, aws:SecureTransport and
// s3:authType.
func TestConditionKeysEndToEnd(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	owner := e.bucketWithObject("a", "cond")
	a := e.iam(e.rootCreds("a"))
	u := e.s3(e.newUser(a, "uma"), "us-east-1")
	e.putUserPolicy(a, "uma", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::cond","Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::cond/*","Condition":{"StringEquals":{"s3:x-amz-storage-class":"STANDARD_IA"}}},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::cond/*"}]}`)

	if _, err := u.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("cond"), Prefix: aws.String("home/uma/")}); err != nil {
		t.Fatalf("list own prefix: %v", err)
	}
	_, err := u.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("cond"), Prefix: aws.String("home/other/")})
	wantAPIError(t, err, "AccessDenied", "s3:ListBucket")
	wantAPIError(t, putObject(u, "cond", "x"), "AccessDenied", "s3:PutObject")
	if _, err := u.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("x"), Body: strings.NewReader("x"),
		StorageClass: "STANDARD_IA"}); err != nil {
		t.Fatalf("put with the required storage class: %v", err)
	}

	deny := `{"Version":"2012-10-17","Statement":[
		{"Sid":"TLSOnlyForSecrets","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cond/secret/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"NoPresignedReads","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cond/*","Condition":{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}}]}`
	if _, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("cond"), Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	if err := putObject(owner, "cond", "secret/s"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, getObject(u, "cond", "secret/s"), "AccessDenied", "explicit deny in a resource-based policy")
	if err := getObject(u, "cond", "k"); err != nil {
		t.Fatalf("header-signed GET: %v", err)
	}
	ps, err := s3.NewPresignClient(u).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Get(ps.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("presigned GET under a no-presigned policy: %d", resp.StatusCode)
	}
}

// PutBucketReplication needs s3:PutReplicationConfiguration on the bucket
// and iam:PassRole on the role, both from the caller's own policies.
func TestReplicationNeedsPassRole(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	root := e.s3(e.rootCreds("a"), "us-east-1")
	for _, b := range []string{"pr-src", "pr-dst"} {
		if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	a := e.iam(e.rootCreds("a"))
	ops := e.s3(e.newUser(a, "ops", s3Full), "us-east-1")
	roleARN := "arn:aws:iam::" + e.acct["a"] + ":role/replicator"
	put := func() error {
		_, err := ops.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("pr-src"),
			ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: aws.String(roleARN), Rules: []s3types.ReplicationRule{{
				Status: s3types.ReplicationRuleStatusEnabled, Priority: aws.Int32(0), Filter: &s3types.ReplicationRuleFilter{},
				DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
				Destination:             &s3types.Destination{Bucket: aws.String("arn:aws:s3:::pr-dst")}}}}})
		return err
	}
	wantAPIError(t, put(), "AccessDenied", "Access Denied")
	e.putUserPolicy(a, "ops", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+roleARN+`",
		"Condition":{"StringEquals":{"iam:PassedToService":"s3.amazonaws.com"}}}]}`)
	if err := put(); err != nil {
		t.Fatalf("with iam:PassRole: %v", err)
	}
}

// Over HTTPS, aws:SecureTransport is true and s3:TlsVersion is the
// connection's TLS version as a number.
func TestTLSConditionKeys(t *testing.T) {
	e := startIAMEnv(t)
	tlsSrv := httptest.NewTLSServer(e.w.HTTP)
	t.Cleanup(tlsSrv.Close)
	ctx := context.Background()
	owner := e.bucketWithObject("a", "tls-only")
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(tlsSrv.URL), UsePathStyle: true,
		HTTPClient: tlsSrv.Client(), Credentials: e.rootCreds("a")})
	policy := func(minTLS string) string {
		return `{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::tls-only/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
			{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::tls-only/*","Condition":{"NumericLessThan":{"s3:TlsVersion":"` + minTLS + `"}}}]}`
	}
	if _, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("tls-only"), Policy: aws.String(policy("1.2"))}); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, getObject(owner, "tls-only", "k"), "AccessDenied", "explicit deny")
	if err := getObject(c, "tls-only", "k"); err != nil {
		t.Fatalf("GET over TLS 1.3: %v", err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("tls-only"), Policy: aws.String(policy("1.4"))}); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, getObject(c, "tls-only", "k"), "AccessDenied", "explicit deny")
}

// putReplicationRolePolicy gives a replication role the permission policy
// AWS documents (spec §8.2): read the source's versions, tags and
// configuration, write replicas, delete markers and tags to the
// destination.
func putReplicationRolePolicy(t *testing.T, c *iam.Client, role, src, dst string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetReplicationConfiguration","s3:ListBucket"],"Resource":"arn:aws:s3:::` + src + `"},
		{"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging"],"Resource":"arn:aws:s3:::` + src + `/*"},
		{"Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::` + dst + `/*"}]}`
	if _, err := c.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String(role),
		PolicyName: aws.String("replication"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
}
