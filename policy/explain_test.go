package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExplainCrossAccountMissingBucketPolicy(t *testing.T) {
	set := Set{
		Identity: []Named{{Name: "arn:aws:iam::444455556666:policy/Read", Policy: mustParse(t, doc(allowStmt("Read", "s3:GetObject", "*")), Identity)}},
		Resource: &Named{Name: "bucket policy of b", Policy: mustParse(t, doc(resStmt("Other", "Allow", `{"AWS":"`+acctA+`"}`, "s3:GetObject", "arn:aws:s3:::b/*")), BucketPolicy)},
	}
	d := Evaluate(get(bobB, "k", acctA), set)
	got := d.Explain()
	for _, want := range []string{
		"DENY (implicit) s3:GetObject on arn:aws:s3:::b/k for arn:aws:iam::444455556666:user/bob (cross-account: principal in 444455556666, resource in 111122223333)",
		`identity-based policy arn:aws:iam::444455556666:policy/Read: statement "Read" allows`,
		"resource-based policy bucket policy of b: no statement matches",
		"why: cross-account: the identity policies allow but the bucket policy of b does not: the bucket policy of b has no statement allowing s3:GetObject for arn:aws:iam::444455556666:user/bob.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
	if got, want := d.AccessDeniedMessage(true), `User: arn:aws:iam::444455556666:user/bob is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/k" because no resource-based policy allows the s3:GetObject action`; got != want {
		t.Errorf("message:\n got %s\nwant %s", got, want)
	}
	fixes := d.MissingStatements()
	if len(fixes) != 1 || !strings.HasPrefix(fixes[0], "add to the bucket policy of b:\n") {
		t.Fatalf("fixes = %q", fixes)
	}
	if got := Evaluate(get(session, "k", acctA), Set{}).MissingStatements(); len(got) != 1 || !strings.HasPrefix(got[0], "add to an identity-based policy of "+session.RoleARN+":\n") {
		t.Fatalf("identity fix = %q", got)
	}
	// The suggested statement, added to the bucket policy, allows the request.
	stmt := strings.TrimPrefix(fixes[0], "add to the bucket policy of b:\n")
	fixed := mustParse(t, doc(stmt), BucketPolicy)
	set.Resource.Policy = fixed
	if d := Evaluate(get(bobB, "k", acctA), set); !d.Allowed {
		t.Fatalf("suggested statement does not allow:\n%s\n%s", stmt, d.Explain())
	}
}

func TestExplainExplicitDeny(t *testing.T) {
	set := Set{
		Identity: []Named{{Name: "inline policy p of user alice", Policy: mustParse(t, doc(allowStmt("All", "s3:*", "*")), Identity)}},
		Resource: &Named{Name: "bucket policy of b", Policy: mustParse(t, doc(
			resStmt("Public", "Allow", `"*"`, "s3:GetObject", "arn:aws:s3:::b/*"),
			`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/private/*"}`), BucketPolicy)},
	}
	d := Evaluate(get(alice, "private/k", acctA), set)
	if d.Reason != ExplicitDeny || len(d.Deciding) != 1 || d.Deciding[0].Index != 1 || d.Deciding[0].Side != SideResource {
		t.Fatalf("decision %+v", d)
	}
	got := d.Explain()
	for _, want := range []string{
		"DENY (explicit)",
		"(same account 111122223333)",
		`statement "All" allows`,
		"statement #2 denies",
		"why: explicitly denied by statement #2 of resource-based policy bucket policy of b; an explicit deny overrides every allow.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
	if got := d.DenialReason(); got != "with an explicit deny in a resource-based policy" {
		t.Errorf("DenialReason = %q", got)
	}
	if d.MissingStatements() != nil {
		t.Error("suggestions for an explicit deny")
	}
}

func TestExplainAllowedAndOtherSides(t *testing.T) {
	all := mustParse(t, doc(allowStmt("All", "s3:*", "*")), Identity)
	read := mustParse(t, doc(allowStmt("Read", "s3:GetObject", "*")), Boundary)
	put := Request{Principal: session, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: acctA}

	d := Evaluate(get(session, "k", acctA), Set{Identity: []Named{{Name: "role policy", Policy: all}}, Boundary: &Named{Name: "boundary B", Policy: read}})
	if !d.Allowed || !strings.Contains(d.Explain(), `why: allowed by statement "All" of role policy, statement "Read" of boundary B.`) {
		t.Fatalf("allowed explanation:\n%s", d.Explain())
	}
	d = Evaluate(put, Set{Identity: []Named{{Name: "role policy", Policy: all}}, Boundary: &Named{Name: "boundary B", Policy: read}})
	if !strings.Contains(d.Explain(), "the permissions boundary does not allow s3:PutObject") {
		t.Fatalf("boundary explanation:\n%s", d.Explain())
	}
	if got := d.DenialReason(); got != "because no permissions boundary allows the s3:PutObject action" {
		t.Fatalf("DenialReason = %q", got)
	}
	d = Evaluate(put, Set{Identity: []Named{{Name: "role policy", Policy: all}}, Session: []Named{{Name: "session policy", Policy: mustParse(t, doc(allowStmt("R", "s3:GetObject", "*")), Session)}}})
	if !strings.Contains(d.Explain(), "no session policy allows s3:PutObject") || d.DenialReason() != "because no session policy allows the s3:PutObject action" {
		t.Fatalf("session explanation:\n%s", d.Explain())
	}
	// Key policy required in the same account.
	kp := mustParse(t, doc(resStmt("Admin", "Allow", `{"AWS":"arn:aws:iam::`+acctA+`:user/admin"}`, "kms:*", "*")), KeyPolicy)
	dec := Request{Principal: session, Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:" + acctA + ":key/k", ResourceAccount: acctA}
	kmsAll := mustParse(t, doc(allowStmt("Kms", "kms:*", "*")), Identity)
	d = Evaluate(dec, Set{Identity: []Named{{Name: "role policy", Policy: kmsAll}}, Resource: &Named{Name: "key policy of k", Policy: kp}, ResourceRequired: true})
	if !strings.Contains(d.Explain(), "the key policy of k is required even in the same account and does not allow the request") {
		t.Fatalf("key explanation:\n%s", d.Explain())
	}
	if got := d.AccessDeniedMessage(false); !strings.HasSuffix(got, "on resource: arn:aws:kms:us-east-1:111122223333:key/k because no resource-based policy allows the kms:Decrypt action") {
		t.Fatalf("KMS message = %s", got)
	}
	fix := d.MissingStatements()
	if len(fix) != 1 || !strings.Contains(fix[0], `"AWS": "arn:aws:iam::111122223333:role/service/repl"`) {
		t.Fatalf("fix = %q", fix)
	}
}

func TestMissingStatementShapes(t *testing.T) {
	tests := []struct {
		p    Principal
		side Side
		want string
	}{
		{anonymous, SideResource, `"Principal": "*"`},
		{s3Service, SideResource, `"Service": "s3.amazonaws.com"`},
		{rootA, SideResource, `"AWS": "arn:aws:iam::111122223333:root"`},
		{alice, SideResource, `"AWS": "arn:aws:iam::111122223333:user/alice"`},
		{alice, SideIdentity, `"Resource": "arn:aws:s3:::b/k"`},
	}
	for _, tc := range tests {
		s := MissingStatement(get(tc.p, "k", acctA), tc.side)
		if !strings.Contains(s, tc.want) {
			t.Errorf("%v/%v: %s lacks %s", tc.p.Type, tc.side, s, tc.want)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil || m["Sid"] != "Allows3GetObject" {
			t.Errorf("not a statement: %s (%v)", s, err)
		}
		if tc.side == SideIdentity && m["Principal"] != nil {
			t.Errorf("identity statement with a principal: %s", s)
		}
	}
	if s := MissingStatement(Request{Principal: alice, Action: "s3:ListAllMyBuckets"}, SideIdentity); !strings.Contains(s, `"Resource": "*"`) {
		t.Errorf("no resource: %s", s)
	}
}

func TestDenialReasonTrust(t *testing.T) {
	trust := &Named{Name: "trust policy of role repl", Policy: mustParse(t, doc(`{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}`), TrustPolicy)}
	req := Request{Principal: alice, Action: "sts:AssumeRole", Resource: session.RoleARN, ResourceAccount: acctA}
	d := Evaluate(req, Set{Resource: trust, ResourceRequired: true})
	if got, want := d.AccessDeniedMessage(false), "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/service/repl because no role trust policy allows the sts:AssumeRole action"; got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	deny := &Named{Name: "trust", Policy: mustParse(t, doc(`{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}`), TrustPolicy)}
	if got := Evaluate(req, Set{Resource: deny, ResourceRequired: true}).DenialReason(); got != "with an explicit deny in the role trust policy" {
		t.Fatalf("explicit: %s", got)
	}
	if got := Evaluate(get(alice, "k", acctA), Set{}).DenialReason(); got != "because no identity-based policy allows the s3:GetObject action" {
		t.Fatalf("identity: %s", got)
	}
	if got := Evaluate(get(alice, "k", acctA), Set{}).AccessDeniedMessage(true); !strings.Contains(got, `on resource: "arn:aws:s3:::b/k" because`) {
		t.Fatalf("quoted: %s", got)
	}
	if got := Evaluate(get(anonymous, "k", acctA), Set{}).Explain(); !strings.Contains(got, "anonymous has no identity policies, so only a resource-based policy can allow it: there is no resource-based policy.") {
		t.Fatalf("anonymous:\n%s", got)
	}
}

func TestExplainNearMisses(t *testing.T) {
	id := mustParse(t, doc(`{"Sid":"OnlyFromVpn","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`,
		`{"Sid":"Tagged","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}`), Identity)
	bucket := mustParse(t, doc(resStmt("Carol", "Allow", `{"AWS":"arn:aws:iam::`+acctA+`:user/carol"}`, "s3:GetObject", "arn:aws:s3:::b/*")), BucketPolicy)
	req := get(alice, "k", acctA)
	req.Context = ContextOf("aws:SourceIp", "192.0.2.1")
	got := Evaluate(req, Set{Identity: []Named{{Name: "p", Policy: id}}, Resource: &Named{Name: "bucket policy", Policy: bucket}}).Explain()
	for _, want := range []string{
		`statement "OnlyFromVpn" would allow, but its condition IpAddress aws:SourceIp ["10.0.0.0/8"] is not met: the request has aws:SourceIp = ["192.0.2.1"]`,
		`statement "Tagged" would allow, but its condition StringEquals aws:PrincipalTag/team ["blue"] is not met: the request has no aws:PrincipalTag/team`,
		`statement "Carol" allows s3:GetObject but names other principals ({"AWS":["arn:aws:iam::111122223333:user/carol"]})`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
}
