package policy

import (
	"reflect"
	"strings"
	"testing"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

var (
	alice   = Principal{Type: User, ARN: "arn:aws:iam::" + acctA + ":user/alice", Account: acctA, UserID: "AIDAALICEEXAMPLE0001"}
	rootA   = Principal{Type: Root, ARN: "arn:aws:iam::" + acctA + ":root", Account: acctA, UserID: acctA}
	session = Principal{Type: AssumedRole, ARN: "arn:aws:sts::" + acctA + ":assumed-role/repl/s1", Account: acctA,
		UserID: "AROAREPLEXAMPLE00001:s1", RoleARN: "arn:aws:iam::" + acctA + ":role/service/repl"}
	fed = Principal{Type: FederatedUser, ARN: "arn:aws:sts::" + acctA + ":federated-user/alice", Account: acctA,
		UserID: acctA + ":alice", RoleARN: alice.ARN}
	bobB      = Principal{Type: User, ARN: "arn:aws:iam::" + acctB + ":user/bob", Account: acctB, UserID: "AIDABOBEXAMPLE000001"}
	anonymous = Principal{Type: Anonymous}
	s3Service = Principal{Type: Service, Service: "s3.amazonaws.com"}
)

func mustParse(t testing.TB, doc string, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(doc, kind)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// stmt wraps statements into a 2012-10-17 document.
func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func allowStmt(sid, action, resource string) string {
	return `{"Sid":"` + sid + `","Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}`
}

func resStmt(sid, effect, principal, action, resource string) string {
	return `{"Sid":"` + sid + `","Effect":"` + effect + `","Principal":` + principal + `,"Action":"` + action + `","Resource":"` + resource + `"}`
}

type evalCase struct {
	name     string
	req      Request
	identity []string // identity policy documents
	boundary string
	session  []string
	resource string // resource policy document
	resKind  Kind
	required bool
	want     Reason
	missing  []Side
}

func (tc evalCase) set(t *testing.T) Set {
	var s Set
	for i, d := range tc.identity {
		s.Identity = append(s.Identity, Named{Name: "identity-" + itoa(i), Policy: mustParse(t, d, Identity)})
	}
	if tc.boundary != "" {
		s.Boundary = &Named{Name: "boundary", Policy: mustParse(t, tc.boundary, Boundary)}
	}
	for i, d := range tc.session {
		s.Session = append(s.Session, Named{Name: "session-" + itoa(i), Policy: mustParse(t, d, Session)})
	}
	if tc.resource != "" {
		k := tc.resKind
		if k == Identity {
			k = BucketPolicy
		}
		s.Resource = &Named{Name: k.String(), Policy: mustParse(t, tc.resource, k)}
	}
	s.ResourceRequired = tc.required
	return s
}

func runEval(t *testing.T, tests []evalCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(tc.req, tc.set(t))
			if d.Reason != tc.want || d.Allowed != (tc.want == Allowed) {
				t.Fatalf("reason %v, want %v\n%s", d.Reason, tc.want, d.Explain())
			}
			if tc.want == ImplicitDeny && !reflect.DeepEqual(d.Missing, tc.missing) {
				t.Fatalf("missing %v, want %v\n%s", d.Missing, tc.missing, d.Explain())
			}
		})
	}
}

func get(p Principal, key, account string) Request {
	return Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/" + key, ResourceAccount: account}
}

func TestEvaluateSameAccount(t *testing.T) {
	read := doc(allowStmt("Read", "s3:GetObject", "arn:aws:s3:::b/*"))
	runEval(t, []evalCase{
		{name: "identity allows", req: get(alice, "k", acctA), identity: []string{read}, want: Allowed},
		{name: "resource account empty means same account", req: get(alice, "k", ""), identity: []string{read}, want: Allowed},
		{name: "nothing allows", req: get(alice, "k", acctA), want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "action case-insensitive", req: Request{Principal: alice, Action: "S3:getobject", Resource: "arn:aws:s3:::b/k"}, identity: []string{read}, want: Allowed},
		{name: "resource case-sensitive", req: get(alice, "k", acctA), identity: []string{doc(allowStmt("R", "s3:GetObject", "arn:aws:s3:::B/*"))}, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "deny in another identity policy wins", req: get(alice, "k", acctA),
			identity: []string{read, doc(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`)}, want: ExplicitDeny},
		{name: "bucket policy deny wins over identity allow", req: get(alice, "k", acctA), identity: []string{read},
			resource: doc(resStmt("No", "Deny", `"*"`, "s3:GetObject", "arn:aws:s3:::b/*")), want: ExplicitDeny},
		{name: "bucket policy naming the user grants alone", req: get(alice, "k", acctA),
			resource: doc(resStmt("U", "Allow", `{"AWS":"`+alice.ARN+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "bucket policy naming the account delegates", req: get(alice, "k", acctA),
			resource: doc(resStmt("A", "Allow", `{"AWS":"`+acctA+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "bucket policy naming the role matches its sessions", req: get(session, "k", acctA),
			resource: doc(resStmt("R", "Allow", `{"AWS":"`+session.RoleARN+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "bucket policy naming the role by unique id", req: get(session, "k", acctA),
			resource: doc(resStmt("R", "Allow", `{"AWS":"AROAREPLEXAMPLE00001"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "bucket policy naming another user", req: get(alice, "k", acctA),
			resource: doc(resStmt("U", "Allow", `{"AWS":"arn:aws:iam::`+acctA+`:user/carol"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "root user needs no policy", req: get(rootA, "k", acctA), want: Allowed},
		{name: "root user still denied explicitly", req: get(rootA, "k", acctA),
			resource: doc(resStmt("No", "Deny", `"*"`, "s3:*", "arn:aws:s3:::b/*")), want: ExplicitDeny},
		{name: "NotAction", req: get(alice, "k", acctA), identity: []string{doc(`{"Effect":"Allow","NotAction":"s3:Put*","Resource":"*"}`)}, want: Allowed},
		{name: "NotAction excludes", req: Request{Principal: alice, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"},
			identity: []string{doc(`{"Effect":"Allow","NotAction":"s3:Put*","Resource":"*"}`)}, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "NotResource", req: get(alice, "k", acctA), identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}`)}, want: Allowed},
		{name: "NotResource excludes", req: Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::secret/k"},
			identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}`)}, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "action without resource", req: Request{Principal: alice, Action: "s3:ListAllMyBuckets"},
			identity: []string{doc(allowStmt("L", "s3:ListAllMyBuckets", "*"))}, want: Allowed},
		{name: "action without resource, resource-scoped grant", req: Request{Principal: alice, Action: "s3:ListAllMyBuckets"},
			identity: []string{doc(allowStmt("L", "s3:*", "arn:aws:s3:::*"))}, want: ImplicitDeny, missing: []Side{SideIdentity}},
	})
}

func TestEvaluateCrossAccount(t *testing.T) {
	read := doc(allowStmt("Read", "s3:GetObject", "arn:aws:s3:::b/*"))
	runEval(t, []evalCase{
		{name: "identity only", req: get(bobB, "k", acctA), identity: []string{read}, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "bucket policy only", req: get(bobB, "k", acctA),
			resource: doc(resStmt("B", "Allow", `{"AWS":"`+bobB.ARN+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "both, by user", req: get(bobB, "k", acctA), identity: []string{read},
			resource: doc(resStmt("B", "Allow", `{"AWS":"`+bobB.ARN+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "both, by account root", req: get(bobB, "k", acctA), identity: []string{read},
			resource: doc(resStmt("B", "Allow", `{"AWS":"arn:aws:iam::`+acctB+`:root"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "both, by bare account id", req: get(bobB, "k", acctA), identity: []string{read},
			resource: doc(resStmt("B", "Allow", `{"AWS":"`+acctB+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "wrong account named", req: get(bobB, "k", acctA), identity: []string{read},
			resource: doc(resStmt("B", "Allow", `{"AWS":"`+acctA+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "both, by role for a session", req: get(session, "k", acctB), identity: []string{read},
			resource: doc(resStmt("R", "Allow", `{"AWS":"`+session.RoleARN+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "role-ARN grant does not replace identity across accounts", req: get(session, "k", acctB),
			resource: doc(resStmt("R", "Allow", `{"AWS":"`+session.RoleARN+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "neither", req: get(bobB, "k", acctA), want: ImplicitDeny, missing: []Side{SideIdentity, SideResource}},
	})
}

func TestEvaluateBoundaryAndSession(t *testing.T) {
	all := doc(allowStmt("All", "s3:*", "*"))
	readOnly := doc(allowStmt("Read", "s3:GetObject", "*"))
	put := Request{Principal: session, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: acctA}
	putUser := put
	putUser.Principal = alice
	runEval(t, []evalCase{
		{name: "boundary allows", req: get(session, "k", acctA), identity: []string{all}, boundary: readOnly, want: Allowed},
		{name: "boundary limits identity", req: put, identity: []string{all}, boundary: readOnly, want: ImplicitDeny, missing: []Side{SideBoundary}},
		{name: "boundary grants nothing alone", req: get(session, "k", acctA), boundary: readOnly, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "boundary deny", req: get(session, "k", acctA), identity: []string{all},
			boundary: doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`, `{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}`), want: ExplicitDeny},
		{name: "boundary does not limit a grant to the user ARN", req: putUser, boundary: readOnly,
			resource: doc(resStmt("U", "Allow", `{"AWS":"`+alice.ARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "boundary limits a grant to the role ARN", req: put, boundary: readOnly,
			resource: doc(resStmt("R", "Allow", `{"AWS":"`+session.RoleARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideBoundary}},
		{name: "boundary does not limit a grant to the session ARN", req: put, boundary: readOnly,
			resource: doc(resStmt("S", "Allow", `{"AWS":"`+session.ARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "session policy allows", req: get(session, "k", acctA), identity: []string{all}, session: []string{readOnly}, want: Allowed},
		{name: "session policy limits identity", req: put, identity: []string{all}, session: []string{readOnly}, want: ImplicitDeny, missing: []Side{SideSession}},
		{name: "session policies are a union", req: put, identity: []string{all}, session: []string{readOnly, doc(allowStmt("P", "s3:PutObject", "*"))}, want: Allowed},
		{name: "session policy grants nothing alone", req: put, session: []string{all}, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "session policy limits a grant to the role ARN", req: put, session: []string{readOnly},
			resource: doc(resStmt("R", "Allow", `{"AWS":"`+session.RoleARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideSession}},
		{name: "session policy does not limit a grant to the session ARN", req: put, session: []string{readOnly},
			resource: doc(resStmt("S", "Allow", `{"AWS":"`+session.ARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "session deny", req: get(session, "k", acctA), identity: []string{all},
			session: []string{doc(`{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}`)}, want: ExplicitDeny},
		{name: "federated user: grant to the session ARN is direct", req: Request{Principal: fed, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: acctA},
			session: []string{readOnly}, resource: doc(resStmt("F", "Allow", `{"AWS":"`+fed.ARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "federated user: grant to the federating user is limited", req: Request{Principal: fed, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: acctA},
			session: []string{readOnly}, resource: doc(resStmt("U", "Allow", `{"AWS":"`+alice.ARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideSession}},
		{name: "boundary and session across accounts", req: Request{Principal: session, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: acctB},
			identity: []string{all}, boundary: readOnly, session: []string{readOnly},
			resource: doc(resStmt("S", "Allow", `{"AWS":"`+session.ARN+`"}`, "s3:PutObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideBoundary, SideSession}},
	})
}

func TestEvaluateKeyPolicy(t *testing.T) {
	decrypt := Request{Principal: session, Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:" + acctA + ":key/k1", ResourceAccount: acctA}
	iamDecrypt := doc(allowStmt("D", "kms:Decrypt", "*"))
	enableIAM := doc(resStmt("Enable IAM User Permissions", "Allow", `{"AWS":"arn:aws:iam::`+acctA+`:root"}`, "kms:*", "*"))
	other := doc(resStmt("Other", "Allow", `{"AWS":"arn:aws:iam::`+acctA+`:user/admin"}`, "kms:*", "*"))
	namesRole := doc(resStmt("Role", "Allow", `{"AWS":"`+session.RoleARN+`"}`, "kms:Decrypt", "*"))
	rootReq := decrypt
	rootReq.Principal = rootA
	crossReq := decrypt
	crossReq.Principal = bobB
	runEval(t, []evalCase{
		{name: "key policy enables IAM and IAM allows", req: decrypt, identity: []string{iamDecrypt}, resource: enableIAM, resKind: KeyPolicy, required: true, want: Allowed},
		{name: "a key policy is required without saying so", req: decrypt, identity: []string{iamDecrypt}, resource: other, resKind: KeyPolicy, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "key policy enables IAM, IAM silent", req: decrypt, resource: enableIAM, resKind: KeyPolicy, required: true, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "key policy does not enable IAM", req: decrypt, identity: []string{iamDecrypt}, resource: other, resKind: KeyPolicy, required: true, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "no key policy at all", req: decrypt, identity: []string{iamDecrypt}, required: true, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "key policy names the role", req: decrypt, resource: namesRole, resKind: KeyPolicy, required: true, want: Allowed},
		{name: "root has no implicit key access", req: rootReq, resource: other, resKind: KeyPolicy, required: true, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "root with key policy enabling IAM", req: rootReq, resource: enableIAM, resKind: KeyPolicy, required: true, want: Allowed},
		{name: "IAM deny still applies", req: decrypt, identity: []string{doc(`{"Effect":"Deny","Action":"kms:*","Resource":"*"}`)}, resource: namesRole, resKind: KeyPolicy, required: true, want: ExplicitDeny},
		{name: "cross-account key use", req: crossReq, identity: []string{iamDecrypt},
			resource: doc(resStmt("X", "Allow", `{"AWS":"arn:aws:iam::`+acctB+`:root"}`, "kms:Decrypt", "*")), resKind: KeyPolicy, required: true, want: Allowed},
	})
}

func TestEvaluateTrustPolicy(t *testing.T) {
	trust := doc(`{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + acctA + `"}}}`)
	assume := func(p Principal, ctx Context) Request {
		return Request{Principal: p, Action: "sts:AssumeRole", Resource: session.RoleARN, ResourceAccount: acctA, Context: ctx}
	}
	crossTrust := doc(`{"Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":"sts:AssumeRole"}`)
	runEval(t, []evalCase{
		{name: "service assumes", req: assume(s3Service, ContextOf("aws:SourceAccount", acctA)), resource: trust, resKind: TrustPolicy, required: true, want: Allowed},
		{name: "confused deputy blocked", req: assume(s3Service, ContextOf("aws:SourceAccount", acctB)), resource: trust, resKind: TrustPolicy, required: true, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "other service", req: assume(Principal{Type: Service, Service: "ec2.amazonaws.com"}, ContextOf("aws:SourceAccount", acctA)), resource: trust, resKind: TrustPolicy, required: true, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "same-account user needs the trust policy", req: assume(alice, Context{}), identity: []string{doc(allowStmt("A", "sts:AssumeRole", "*"))}, resource: trust, resKind: TrustPolicy, required: true, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "cross-account user with both", req: assume(bobB, Context{}), identity: []string{doc(allowStmt("A", "sts:AssumeRole", "*"))}, resource: crossTrust, resKind: TrustPolicy, required: true, want: Allowed},
		{name: "cross-account user without identity policy", req: assume(bobB, Context{}), resource: crossTrust, resKind: TrustPolicy, required: true, want: ImplicitDeny, missing: []Side{SideIdentity}},
	})
}

func TestEvaluateWildcardPrincipals(t *testing.T) {
	for _, pr := range []string{`"*"`, `{"AWS":"*"}`} {
		pub := doc(resStmt("Public", "Allow", pr, "s3:GetObject", "arn:aws:s3:::b/*"))
		runEval(t, []evalCase{
			{name: pr + " anonymous", req: get(anonymous, "k", acctA), resource: pub, want: Allowed},
			{name: pr + " other account", req: get(bobB, "k", acctA), identity: []string{doc(allowStmt("R", "s3:GetObject", "*"))}, resource: pub, want: Allowed},
			{name: pr + " same account, no identity policy", req: get(alice, "k", acctA), resource: pub, want: Allowed},
		})
	}
	runEval(t, []evalCase{
		{name: "anonymous and an account grant", req: get(anonymous, "k", acctA),
			resource: doc(resStmt("A", "Allow", `{"AWS":"`+acctA+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "anonymous, no bucket policy", req: get(anonymous, "k", acctA), want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "public read with condition", req: func() Request {
			r := get(anonymous, "k", acctA)
			r.Context = ContextOf("aws:SecureTransport", "false")
			return r
		}(),
			resource: doc(resStmt("Public", "Allow", `"*"`, "s3:GetObject", "arn:aws:s3:::b/*"),
				`{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`), want: ExplicitDeny},
	})
}

func TestEvaluateNotPrincipal(t *testing.T) {
	all := doc(allowStmt("All", "s3:*", "*"))
	denyExcept := func(arns ...string) string {
		return doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + strings.Join(arns, `","`) + `"]},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`)
	}
	full := denyExcept(session.ARN, session.RoleARN, "arn:aws:iam::"+acctA+":root")
	runEval(t, []evalCase{
		{name: "whole chain listed", req: get(session, "k", acctA), identity: []string{all}, resource: full, want: Allowed},
		{name: "only the session listed", req: get(session, "k", acctA), identity: []string{all}, resource: denyExcept(session.ARN), want: ExplicitDeny},
		{name: "session and role, no account", req: get(session, "k", acctA), identity: []string{all}, resource: denyExcept(session.ARN, session.RoleARN), want: ExplicitDeny},
		{name: "user and account", req: get(alice, "k", acctA), identity: []string{all}, resource: denyExcept(alice.ARN, acctA), want: Allowed},
		{name: "someone else", req: get(alice, "k", acctA), identity: []string{all}, resource: full, want: ExplicitDeny},
		{name: "anonymous is never excluded", req: get(anonymous, "k", acctA), resource: full, want: ExplicitDeny},
		{name: "with a boundary the deny always applies", req: get(session, "k", acctA), identity: []string{all}, boundary: all, resource: full, want: ExplicitDeny},
		{name: "allow with NotPrincipal", req: get(alice, "k", acctA),
			resource: doc(`{"Effect":"Allow","NotPrincipal":{"AWS":"` + bobB.ARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), want: Allowed},
	})
}

func TestEvaluateVariablesAndContext(t *testing.T) {
	home := `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}`
	req := func(p Principal, key string) Request {
		return Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/" + key, ResourceAccount: p.Account}
	}
	runEval(t, []evalCase{
		{name: "own home", req: req(alice, "home/alice/x"), identity: []string{doc(home)}, want: Allowed},
		{name: "other home", req: req(alice, "home/bob/x"), identity: []string{doc(home)}, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "2008 version keeps the variable literal", req: req(alice, "home/alice/x"),
			resource: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}]}`, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "role session has no username", req: req(session, "home/repl/x"), identity: []string{doc(home)}, want: ImplicitDeny, missing: []Side{SideIdentity}},
		{name: "PrincipalArn is the role ARN", req: req(session, "k"),
			identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/service/*"}}}`)}, want: Allowed},
		{name: "principal tags", req: func() Request {
			p := alice
			p.Tags = map[string]string{"Team": "blue"}
			return req(p, "blue/x")
		}(), identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}`)}, want: Allowed},
		{name: "replication write with IfExists", req: func() Request {
			r := Request{Principal: session, Action: "s3:ReplicateObject", Resource: "arn:aws:s3:::dst/k", ResourceAccount: acctA}
			r.Context.Set("s3:x-amz-server-side-encryption", "aws:kms")
			return r
		}(), identity: []string{doc(`{"Effect":"Allow","Action":"s3:Replicate*","Resource":"arn:aws:s3:::dst/*","Condition":{"StringLikeIfExists":{"s3:x-amz-server-side-encryption":["aws:kms","AES256"]}}}`)}, want: Allowed},
		{name: "replication write, unencrypted", req: Request{Principal: session, Action: "s3:ReplicateObject", Resource: "arn:aws:s3:::dst/k", ResourceAccount: acctA},
			identity: []string{doc(`{"Effect":"Allow","Action":"s3:Replicate*","Resource":"arn:aws:s3:::dst/*","Condition":{"StringLikeIfExists":{"s3:x-amz-server-side-encryption":["aws:kms","AES256"]}}}`)}, want: Allowed},
	})
}

func TestEvaluateOtherPrincipalTypes(t *testing.T) {
	web := Principal{Type: WebIdentity, Federated: "cognito-identity.amazonaws.com"}
	canonical := bobB
	canonical.CanonicalUser = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	trust := func(principal string) string {
		return doc(`{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRoleWithWebIdentity"}`)
	}
	webReq := Request{Principal: web, Action: "sts:AssumeRoleWithWebIdentity", Resource: session.RoleARN, ResourceAccount: acctA}
	runEval(t, []evalCase{
		{name: "web identity by provider", req: webReq, resource: trust(`{"Federated":"cognito-identity.amazonaws.com"}`), resKind: TrustPolicy, want: Allowed},
		{name: "web identity, other provider", req: webReq, resource: trust(`{"Federated":"accounts.google.com"}`), resKind: TrustPolicy, want: ImplicitDeny, missing: []Side{SideResource}},
		{name: "web identity excluded by NotPrincipal", req: webReq, resource: doc(`{"Effect":"Allow","Principal":"*","Action":"sts:*"}`, `{"Effect":"Deny","NotPrincipal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:*"}`), resKind: TrustPolicy, want: Allowed},
		{name: "service excluded by NotPrincipal", req: get(s3Service, "k", acctA),
			resource: doc(resStmt("P", "Allow", `"*"`, "s3:GetObject", "arn:aws:s3:::b/*"), `{"Effect":"Deny","NotPrincipal":{"Service":"s3.amazonaws.com"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`), want: Allowed},
		{name: "service not excluded", req: get(Principal{Type: Service, Service: "ec2.amazonaws.com"}, "k", acctA),
			resource: doc(resStmt("P", "Allow", `"*"`, "s3:GetObject", "arn:aws:s3:::b/*"), `{"Effect":"Deny","NotPrincipal":{"Service":"s3.amazonaws.com"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`), want: ExplicitDeny},
		{name: "canonical user is the account", req: get(canonical, "k", acctA), identity: []string{doc(allowStmt("R", "s3:GetObject", "*"))},
			resource: doc(resStmt("C", "Allow", `{"CanonicalUser":"`+canonical.CanonicalUser+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), want: Allowed},
		{name: "NotPrincipal by unique id", req: get(alice, "k", acctA), identity: []string{doc(allowStmt("R", "s3:GetObject", "*"))},
			resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + alice.UserID + `","` + acctA + `"]},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`), want: Allowed},
		{name: "NotPrincipal excludes root by account", req: get(rootA, "k", acctA),
			resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"` + acctA + `"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`), want: Allowed},
	})
}

func TestPrincipalDisplayAndKeys(t *testing.T) {
	tests := []struct {
		p    Principal
		want string
	}{{alice, alice.ARN}, {s3Service, "s3.amazonaws.com"}, {Principal{Type: WebIdentity, Federated: "accounts.google.com"}, "accounts.google.com"}, {anonymous, "anonymous"}}
	for _, tc := range tests {
		if got := tc.p.Display(); got != tc.want {
			t.Errorf("Display = %q, want %q", got, tc.want)
		}
	}
	keys := map[string]string{"aws:principalarn": session.RoleARN, "aws:principalaccount": acctA, "aws:userid": session.UserID, "aws:principaltype": "AssumedRole"}
	for k, want := range keys {
		if got, ok := session.principalKey(k); !ok || got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, ok := session.principalKey("aws:username"); ok {
		t.Error("a role session has no aws:username")
	}
	if got, ok := s3Service.principalKey("aws:principalisawsservice"); !ok || got != "true" {
		t.Errorf("service: PrincipalIsAWSService = %q", got)
	}
	if got, ok := alice.principalKey("aws:principalisawsservice"); !ok || got != "false" {
		t.Errorf("user: PrincipalIsAWSService = %q", got)
	}
	if got, ok := s3Service.principalKey("aws:principalservicename"); !ok || got != "s3.amazonaws.com" {
		t.Errorf("service name = %q", got)
	}
	if _, ok := anonymous.principalKey("aws:principalarn"); ok {
		t.Error("anonymous has no ARN")
	}
}

func TestErrorText(t *testing.T) {
	_, err := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, Identity)
	if got := err.Error(); got != "MalformedPolicyDocument: Policy statement must contain resources. (statement #1: no Resource or NotResource)" {
		t.Fatalf("Error() = %q", got)
	}
	if got := (&Error{Code: "C", Message: "m"}).Error(); got != "C: m" {
		t.Fatalf("Error() = %q", got)
	}
	if Kind(42).String() != "Kind(42)" || Side(9).String() != "policy" {
		t.Fatal("String of unknown values")
	}
}

// TestEvaluateConcurrent shares one parsed policy between goroutines, as
// Ferry's services do (run with -race).
func TestEvaluateConcurrent(t *testing.T) {
	p := mustParse(t, bench10, Identity)
	set := Set{Identity: []Named{{Name: "role policy", Policy: p}}}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			ok := true
			for i := 0; i < 200; i++ {
				req := Request{Principal: session, Action: "s3:ReplicateObject", Resource: "arn:aws:s3:::dst/k" + itoa(i), ResourceAccount: acctA}
				ok = ok && Evaluate(req, set).Allowed
			}
			done <- ok
		}()
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Fatal("a concurrent evaluation was denied")
		}
	}
}
