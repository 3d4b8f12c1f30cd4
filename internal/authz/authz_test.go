package authz

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/policy"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

// fakeSource serves policies, tags and sessions from maps keyed by the
// user ARN or the role ARN.
type fakeSource struct {
	policies map[string]iam.PrincipalPolicies
	tags     map[string]map[string]string
	sessions map[string]*sts.Session // by access key id
	managed  map[string]string
	gen      uint64
}

func (f *fakeSource) Policies(p aws.Principal) (iam.PrincipalPolicies, error) {
	return f.policies[p.PrincipalARN()], nil
}
func (f *fakeSource) Tags(p aws.Principal) (map[string]string, error) {
	return f.tags[p.PrincipalARN()], nil
}
func (f *fakeSource) Session(p aws.Principal) (*sts.Session, error) {
	if s, ok := f.sessions[p.AccessKeyID]; ok {
		return s, nil
	}
	return nil, sts.ErrNoSuchSession
}
func (f *fakeSource) ManagedPolicy(arn string) (iam.PolicyDocument, error) {
	return iam.PolicyDocument{ARN: arn, Document: f.managed[arn]}, nil
}

const (
	readOnly   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`
	fullS3     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	admin      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	getOnly    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	assumeRole = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
)

func identityDocs(docs ...string) iam.PrincipalPolicies {
	var p iam.PrincipalPolicies
	for i, d := range docs {
		p.Identity = append(p.Identity, iam.PolicyDocument{Name: "p" + string(rune('0'+i)), Document: d})
	}
	return p
}

func user(account, name string) aws.Principal {
	return aws.Principal{Type: aws.PrincipalUser, Account: aws.AccountID(account), ARN: "arn:aws:iam::" + account + ":user/" + name, UserID: "AIDA" + strings.ToUpper(name)}
}

func root(account string) aws.Principal {
	return aws.Principal{Type: aws.PrincipalRoot, Account: aws.AccountID(account), ARN: aws.RootARN(aws.AccountID(account)), UserID: account}
}

func session(account, role, name, akid string) aws.Principal {
	return aws.Principal{Type: aws.PrincipalAssumedRole, Account: aws.AccountID(account),
		ARN:     "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + name,
		RoleARN: "arn:aws:iam::" + account + ":role/" + role, UserID: "AROAROLE:" + name, AccessKeyID: akid, SessionToken: "token"}
}

func newTestAuthorizer(t *testing.T) *Authorizer {
	t.Helper()
	src := &fakeSource{
		policies: map[string]iam.PrincipalPolicies{
			"arn:aws:iam::" + acctA + ":user/reader":  identityDocs(readOnly),
			"arn:aws:iam::" + acctA + ":user/admin":   identityDocs(admin),
			"arn:aws:iam::" + acctB + ":user/granted": identityDocs(readOnly),
			"arn:aws:iam::" + acctA + ":user/bounded": {Identity: identityDocs(fullS3).Identity,
				Boundary: &iam.PolicyDocument{ARN: "arn:aws:iam::" + acctA + ":policy/b", Document: getOnly}},
			"arn:aws:iam::" + acctA + ":role/worker":   identityDocs(fullS3),
			"arn:aws:iam::" + acctA + ":user/assumer":  identityDocs(assumeRole),
			"arn:aws:iam::" + acctB + ":user/assumer":  identityDocs(assumeRole),
			"arn:aws:iam::" + acctA + ":user/tagged":   identityDocs(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}]}`),
			"arn:aws:iam::" + acctA + ":user/tlsonly":  identityDocs(fullS3, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`),
			"arn:aws:iam::" + acctA + ":user/netuser":  identityDocs(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`),
			"arn:aws:iam::" + acctA + ":user/iamread":  identityDocs(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetPolicy","Resource":"*"}]}`),
			"arn:aws:iam::" + acctA + ":user/denyself": identityDocs(admin, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}`),
		},
		tags: map[string]map[string]string{"arn:aws:iam::" + acctA + ":user/tagged": {"team": "red"}},
		sessions: map[string]*sts.Session{
			"ASIANARROW": {Policy: getOnly, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			"ASIAWIDE":   {},
			"ASIAARNS":   {PolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
		},
		managed: map[string]string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess": readOnly},
	}
	return New(Config{Source: src, Clock: aws.NewManualClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)), Keep: 8})
}

func bucketPolicy(t *testing.T, a *Authorizer, doc string) *policy.Named {
	t.Helper()
	n, err := a.Parsed(doc, policy.BucketPolicy, "bucket policy of b")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestS3Decisions(t *testing.T) {
	a := newTestAuthorizer(t)
	crossAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	denyAll := `{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}]}`
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	tests := []struct {
		name    string
		p       aws.Principal
		action  string
		bucket  string // bucket policy document
		info    Info
		allowed bool
		message string // AccessDenied message when denied ("" to skip)
	}{
		{name: "root of the owner", p: root(acctA), action: "s3:PutObject", allowed: true},
		{name: "user without policies", p: user(acctA, "nobody"), action: "s3:GetObject",
			message: `User: arn:aws:iam::111111111111:user/nobody is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/k" because no identity-based policy allows the s3:GetObject action`},
		{name: "read-only reads", p: user(acctA, "reader"), action: "s3:GetObject", allowed: true},
		{name: "read-only cannot write", p: user(acctA, "reader"), action: "s3:PutObject",
			message: `User: arn:aws:iam::111111111111:user/reader is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" because no identity-based policy allows the s3:PutObject action`},
		{name: "other account's root without bucket policy", p: root(acctB), action: "s3:GetObject", message: "Access Denied"},
		{name: "other account's root with a grant", p: root(acctB), action: "s3:GetObject", bucket: crossAccount, allowed: true},
		{name: "other account's user needs its own policy", p: user(acctB, "plain"), action: "s3:GetObject", bucket: crossAccount, message: "Access Denied"},
		{name: "other account's user with both sides", p: user(acctB, "granted"), action: "s3:GetObject", bucket: crossAccount, allowed: true},
		{name: "explicit deny beats the admin", p: user(acctA, "admin"), action: "s3:DeleteObject", bucket: denyAll,
			message: `User: arn:aws:iam::111111111111:user/admin is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::b/k" with an explicit deny in a resource-based policy`},
		{name: "a bucket policy can deny root", p: root(acctA), action: "s3:DeleteObject", bucket: denyAll},
		{name: "anonymous without a policy", p: aws.Anonymous, action: "s3:GetObject", message: "Access Denied"},
		{name: "anonymous with public read", p: aws.Anonymous, action: "s3:GetObject", bucket: public, allowed: true},
		{name: "public read does not write", p: aws.Anonymous, action: "s3:PutObject", bucket: public},
		{name: "boundary allows", p: user(acctA, "bounded"), action: "s3:GetObject", allowed: true},
		{name: "boundary limits", p: user(acctA, "bounded"), action: "s3:PutObject",
			message: `User: arn:aws:iam::111111111111:user/bounded is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" because no permissions boundary allows the s3:PutObject action`},
		{name: "role session without session policy", p: session(acctA, "worker", "s", "ASIAWIDE"), action: "s3:PutObject", allowed: true},
		{name: "session policy narrows", p: session(acctA, "worker", "s", "ASIANARROW"), action: "s3:PutObject",
			message: `User: arn:aws:sts::111111111111:assumed-role/worker/s is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" because no session policy allows the s3:PutObject action`},
		{name: "session policy still allows", p: session(acctA, "worker", "s", "ASIANARROW"), action: "s3:GetObject", allowed: true},
		{name: "managed session policy narrows", p: session(acctA, "worker", "s", "ASIAARNS"), action: "s3:DeleteObject",
			message: `User: arn:aws:sts::111111111111:assumed-role/worker/s is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::b/k" because no session policy allows the s3:DeleteObject action`},
		{name: "managed session policy allows", p: session(acctA, "worker", "s", "ASIAARNS"), action: "s3:GetObject", allowed: true},
		{name: "principal tag variable, other prefix", p: user(acctA, "tagged"), action: "s3:GetObject"},
		{name: "insecure transport denied", p: user(acctA, "tlsonly"), action: "s3:GetObject"},
		{name: "secure transport allowed", p: user(acctA, "tlsonly"), action: "s3:GetObject", info: Info{Secure: true}, allowed: true},
		{name: "source ip outside", p: user(acctA, "netuser"), action: "s3:GetObject", info: Info{SourceIP: netip.MustParseAddr("192.0.2.1")}},
		{name: "source ip inside", p: user(acctA, "netuser"), action: "s3:GetObject", info: Info{SourceIP: netip.MustParseAddr("10.1.2.3")}, allowed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Principal: tc.p, Action: tc.action, Resource: "arn:aws:s3:::b/k", ResourceAccount: acctA}
			if tc.bucket != "" {
				req.ResourcePolicy = bucketPolicy(t, a, tc.bucket)
			}
			d, err := a.Authorize(WithInfo(context.Background(), tc.info), req)
			if d.Allowed != tc.allowed || (err == nil) != tc.allowed {
				t.Fatalf("allowed=%v err=%v, want %v\n%s", d.Allowed, err, tc.allowed, d.Explain())
			}
			if tc.message != "" {
				e, ok := aws.As(err)
				if !ok || e.Code != "AccessDenied" || e.Status != 403 || e.Message != tc.message {
					t.Fatalf("error %v, want AccessDenied %q", err, tc.message)
				}
			}
		})
	}
	t.Run("principal tag variable, own prefix", func(t *testing.T) {
		d, _ := a.Authorize(context.Background(), Request{Principal: user(acctA, "tagged"), Action: "s3:GetObject", Resource: "arn:aws:s3:::b/red/x", ResourceAccount: acctA})
		if !d.Allowed {
			t.Fatal(d.Explain())
		}
	})
}

func TestListAllMyBucketsMessageHasNoResource(t *testing.T) {
	a := newTestAuthorizer(t)
	_, err := a.Authorize(context.Background(), Request{Principal: user(acctA, "nobody"), Action: "s3:ListAllMyBuckets"})
	want := "User: arn:aws:iam::111111111111:user/nobody is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action"
	if e, ok := aws.As(err); !ok || e.Message != want {
		t.Fatalf("%v", err)
	}
	if _, err := a.Authorize(context.Background(), Request{Principal: user(acctA, "reader"), Action: "s3:ListAllMyBuckets"}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMSeam(t *testing.T) {
	a := newTestAuthorizer(t).IAM()
	ctx := context.Background()
	tests := []struct {
		p        aws.Principal
		action   string
		resource string
		message  string // "" when allowed
	}{
		{root(acctA), "iam:CreateUser", "arn:aws:iam::111111111111:user/x", ""},
		{user(acctA, "nobody"), "iam:GetUser", "arn:aws:iam::111111111111:user/bob",
			"User: arn:aws:iam::111111111111:user/nobody is not authorized to perform: iam:GetUser on resource: user bob because no identity-based policy allows the iam:GetUser action"},
		{user(acctA, "denyself"), "iam:DeleteUser", "arn:aws:iam::111111111111:user/eng/bob",
			"User: arn:aws:iam::111111111111:user/denyself is not authorized to perform: iam:DeleteUser on resource: user bob with an explicit deny in an identity-based policy"},
		{user(acctA, "iamread"), "iam:GetPolicy", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", ""},
		{root(acctB), "iam:GetUser", "arn:aws:iam::111111111111:user/bob",
			"User: arn:aws:iam::222222222222:root is not authorized to perform: iam:GetUser on resource: user bob because no resource-based policy allows the iam:GetUser action"},
	}
	for _, tc := range tests {
		err := a.Authorize(ctx, tc.p, tc.action, tc.resource, nil)
		if tc.message == "" {
			if err != nil {
				t.Errorf("%s %s: %v", tc.p.ARN, tc.action, err)
			}
			continue
		}
		if e, ok := aws.As(err); !ok || e.Code != "AccessDenied" || e.Message != tc.message {
			t.Errorf("%s %s: %v\nwant %s", tc.p.ARN, tc.action, err, tc.message)
		}
	}
}

func TestTrust(t *testing.T) {
	a := newTestAuthorizer(t)
	trust := a.Trust()
	ctx := context.Background()
	role := func(doc string) *iam.Role {
		return &iam.Role{Account: acctA, Name: "r", ARN: "arn:aws:iam::111111111111:role/r", TrustPolicy: doc}
	}
	names := func(principal, extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":["sts:AssumeRole"` + extra + `]}]}`
	}
	withExternalID := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}]}`
	service := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}]}`
	s3svc := aws.Principal{Type: aws.PrincipalService, ARN: "s3.amazonaws.com"}
	tests := []struct {
		name    string
		caller  aws.Principal
		doc     string
		keys    map[string][]string
		allowed bool
	}{
		{"same-account user named directly needs no identity policy", user(acctA, "nobody"), names(`{"AWS":"arn:aws:iam::111111111111:user/nobody"}`, ""), nil, true},
		{"account principal delegates: no identity policy", user(acctA, "nobody"), names(`{"AWS":"111111111111"}`, ""), nil, false},
		{"account principal delegates: identity policy allows", user(acctA, "assumer"), names(`{"AWS":"arn:aws:iam::111111111111:root"}`, ""), nil, true},
		{"identity policy alone is not enough", user(acctA, "assumer"), names(`{"AWS":"arn:aws:iam::222222222222:root"}`, ""), nil, false},
		{"cross-account needs both sides", user(acctB, "nobody"), names(`{"AWS":"222222222222"}`, ""), nil, false},
		{"cross-account with both sides", user(acctB, "assumer"), names(`{"AWS":"222222222222"}`, ""), nil, true},
		{"external id missing", user(acctB, "assumer"), withExternalID, nil, false},
		{"external id wrong", user(acctB, "assumer"), withExternalID, map[string][]string{"sts:ExternalId": {"abc"}}, false},
		{"external id right", user(acctB, "assumer"), withExternalID, map[string][]string{"sts:ExternalId": {"xyz"}}, true},
		{"service with the source account", s3svc, service, map[string][]string{"aws:SourceAccount": {acctA}}, true},
		{"service for another account", s3svc, service, map[string][]string{"aws:SourceAccount": {acctB}}, false},
		{"tags need sts:TagSession", user(acctB, "assumer"), names(`{"AWS":"222222222222"}`, ""), map[string][]string{"aws:TagKeys": {"k"}, "aws:RequestTag/k": {"v"}}, false},
		{"tags with sts:TagSession", user(acctB, "assumer"), names(`{"AWS":"222222222222"}`, `,"sts:TagSession"`), map[string][]string{"aws:TagKeys": {"k"}, "aws:RequestTag/k": {"v"}}, false},
		{"source identity needs sts:SetSourceIdentity", user(acctA, "nobody"), names(`{"AWS":"arn:aws:iam::111111111111:user/nobody"}`, ""), map[string][]string{"sts:SourceIdentity": {"me"}}, false},
		{"source identity allowed", user(acctA, "nobody"), names(`{"AWS":"arn:aws:iam::111111111111:user/nobody"}`, `,"sts:SetSourceIdentity"`), map[string][]string{"sts:SourceIdentity": {"me"}}, true},
		{"no trust policy", user(acctA, "assumer"), "", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := trust.AllowAssumeRole(ctx, sts.TrustRequest{Caller: tc.caller, Role: role(tc.doc), Action: "sts:AssumeRole", Context: tc.keys})
			if (err == nil) != tc.allowed {
				t.Fatalf("err=%v, want allowed=%v\n%s", err, tc.allowed, a.Recent(false)[0].Explain())
			}
			if err != nil && !aws.IsCode(err, "AccessDenied") {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestValidator(t *testing.T) {
	v := &Validator{}
	tests := []struct{ doc, kind, code, message string }{
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, iam.KindIdentity, "", ""},
		{`nope`, iam.KindIdentity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{`nope`, iam.KindTrust, "MalformedPolicyDocument", "This policy contains invalid Json"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`, iam.KindIdentity, "MalformedPolicyDocument", "Policy statement must contain resources."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`, iam.KindIdentity, "MalformedPolicyDocument", "Policy document should not specify a principal."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"}]}`, iam.KindTrust, "MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions."},
	}
	for _, tc := range tests {
		err := v.Validate(tc.doc, tc.kind)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.doc, err)
			}
			continue
		}
		if e, ok := aws.As(err); !ok || e.Code != tc.code || e.Message != tc.message || e.Status != 400 {
			t.Errorf("%s: %v, want %s %q", tc.doc, err, tc.code, tc.message)
		}
	}
}

func TestGlobalKeys(t *testing.T) {
	a := newTestAuthorizer(t)
	info := Info{SourceIP: netip.MustParseAddr("10.0.0.7"), Region: "eu-west-1", Secure: true}
	p := session(acctA, "worker", "s", "ASIANARROW")
	preq, _, err := a.build(WithInfo(context.Background(), info), Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k",
		Keys: policy.ContextOf("aws:SourceAccount", "999999999999")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:SourceIp": "10.0.0.7", "aws:RequestedRegion": "eu-west-1", "aws:SecureTransport": "true",
		"aws:CurrentTime": "2026-11-23T12:00:00Z", "aws:EpochTime": "1795435200", "aws:ViaAWSService": "false",
		"aws:TokenIssueTime": "2026-01-01T00:00:00Z", "aws:MultiFactorAuthPresent": "false",
	}
	for k, v := range want {
		if got, _ := preq.Context.Get(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %v, want %s", k, got, v)
		}
	}
	if _, ok := preq.Context.Get("aws:SourceAccount"); ok {
		t.Error("aws:SourceAccount is only for service principals")
	}
	if preq.Principal.Type != policy.AssumedRole || preq.Principal.RoleARN != p.RoleARN || preq.ResourceAccount != acctA {
		t.Errorf("principal %+v account %s", preq.Principal, preq.ResourceAccount)
	}
}

func TestRecentKeepsTheLastDecisions(t *testing.T) {
	a := newTestAuthorizer(t) // keeps 8
	ctx := WithInfo(context.Background(), Info{RequestID: "REQ"})
	for i := range 10 {
		action := "s3:GetObject"
		if i%2 == 1 {
			action = "s3:PutObject"
		}
		a.Authorize(ctx, Request{Principal: user(acctA, "reader"), Action: action, Resource: "arn:aws:s3:::b/k"})
	}
	all := a.Recent(false)
	if len(all) != 8 || all[0].Decision.Request.Action != "s3:PutObject" || all[0].RequestID != "REQ" {
		t.Fatalf("recent: %d entries, newest %+v", len(all), all[0])
	}
	denied := a.Recent(true)
	if len(denied) != 4 || !strings.Contains(denied[0].Explain(), "DENY") {
		t.Fatalf("denied: %d", len(denied))
	}
}

func (f *fakeSource) Generation() uint64 { return f.gen }

func TestIdentityCacheFollowsIAMWrites(t *testing.T) {
	src := &fakeSource{policies: map[string]iam.PrincipalPolicies{}}
	a := New(Config{Source: src})
	req := Request{Principal: user(acctA, "u"), Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
	if d, _ := a.Authorize(context.Background(), req); d.Allowed {
		t.Fatal("allowed without policies")
	}
	src.policies[req.Principal.ARN] = identityDocs(readOnly)
	if d, _ := a.Authorize(context.Background(), req); d.Allowed {
		t.Fatal("the cached identity was not reused within a generation")
	}
	src.gen++ // an IAM write
	if d, _ := a.Authorize(context.Background(), req); !d.Allowed {
		t.Fatalf("a new generation was not reloaded:\n%s", d.Explain())
	}
}

func TestInfoOf(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "https://example.test/b/k", nil)
	r.RemoteAddr = "[::ffff:192.0.2.9]:5555"
	r.TLS = &tls.ConnectionState{Version: tls.VersionTLS13}
	info := InfoOf(r, "REQ", "us-west-2", true, true)
	if info.SourceIP.String() != "192.0.2.9" || !info.Secure || info.TLSVersion != "1.3" || info.Region != "us-west-2" || !info.Presigned || info.RequestID != "REQ" {
		t.Fatalf("%+v", info)
	}
	r.TLS, r.RemoteAddr = nil, "10.0.0.1:80"
	if info := InfoOf(r, "", "", false, false); info.Secure || info.TLSVersion != "" || info.SourceIP.String() != "10.0.0.1" {
		t.Fatalf("%+v", info)
	}
}

// Decisions, the caches and the ring are safe for concurrent use.
func TestConcurrentDecisions(t *testing.T) {
	a := newTestAuthorizer(t)

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				p := user(acctA, "reader")
				if g%2 == 1 {
					p = session(acctA, "worker", "s", "ASIANARROW")
				}
				d, _ := a.Authorize(context.Background(), Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
				if !d.Allowed {
					t.Errorf("denied: %s", d.Explain())
					return
				}
				if i%50 == 0 {
					_ = a.Recent(true)
				}
			}
		}()
	}
	wg.Wait()

}
