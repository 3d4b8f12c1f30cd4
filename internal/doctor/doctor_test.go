package doctor

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/policy"
)

const (
	roleARN = "arn:aws:iam::111122223333:role/repl"
	dstObj  = "arn:aws:s3:::dst/*"
)

func mustParse(t *testing.T, doc string, kind policy.Kind) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(doc, kind)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// decision is the replica write of role repl (account 1111…) into bucket
// dst of account 4444…, with the given role and bucket policies.
func decision(t *testing.T, role, bucket string) policy.Decision {
	t.Helper()
	set := policy.Set{}
	if role != "" {
		set.Identity = []policy.Named{{Name: "inline policy r of role repl", Policy: mustParse(t, role, policy.Identity)}}
	}
	if bucket != "" {
		set.Resource = &policy.Named{Name: "bucket policy of dst", Policy: mustParse(t, bucket, policy.BucketPolicy)}
	}
	req := policy.Request{
		Principal: policy.Principal{Type: policy.AssumedRole, Account: "111122223333",
			ARN: "arn:aws:sts::111122223333:assumed-role/repl/s3-session", RoleARN: roleARN},
		Action: "s3:ReplicateObject", Resource: "arn:aws:s3:::dst/k", ResourceAccount: "444455556666",
	}
	return policy.Evaluate(req, set)
}

const (
	roleAllows   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Replicate*","Resource":"arn:aws:s3:::dst/*"}]}`
	bucketAllows = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":"s3:ReplicateObject","Resource":"arn:aws:s3:::dst/*"}]}`
	bucketDenies = `{"Version":"2012-10-17","Statement":[{"Sid":"No","Effect":"Deny","Principal":"*","Action":"s3:ReplicateObject","Resource":"arn:aws:s3:::dst/*"}]}`
)

// TestJudge: a decision becomes OK, Fail with fixes on the sides the
// viewer can read, or Unknown when the answer hangs on a side it cannot.
func TestJudge(t *testing.T) {
	all := view{identity: true, resource: true, scope: dstObj}
	mine := view{identity: true, scope: dstObj}
	cases := []struct {
		name         string
		role, bucket string
		v            view
		want         Status
		// fix is a fragment of the first fix's document, account its account.
		fix, account string
	}{
		{"allowed", roleAllows, bucketAllows, all, OK, "", ""},
		{"allowed, other side unseen", roleAllows, bucketAllows, mine, Unknown, "", ""},
		{"no bucket policy", roleAllows, "", all, Fail, "the bucket policy of dst (it has none)", "444455556666"},
		{"no bucket policy, unseen", roleAllows, "", mine, Unknown, "", ""},
		{"no role grant", "", bucketAllows, all, Fail, "a permissions policy of role " + roleARN, "111122223333"},
		{"no role grant, bucket unseen", "", bucketAllows, mine, Fail, "a permissions policy of role " + roleARN, "111122223333"},
		{"explicit deny", roleAllows, bucketDenies, all, Fail, "bucket policy of dst", "444455556666"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &run{roleARN: roleARN}
			var c Check
			r.judge(&c, decision(t, tc.role, tc.bucket), nil, tc.v)
			if c.Status != tc.want {
				t.Fatalf("status %s, want %s (%s)", c.Status, tc.want, c.Detail)
			}
			if tc.fix == "" {
				if len(c.Fixes) != 0 && tc.want != Fail {
					t.Fatalf("fixes %+v for a check that did not fail", c.Fixes)
				}
				return
			}
			f := c.Fixes[0]
			if !strings.Contains(f.Document, tc.fix) || string(f.Account) != tc.account {
				t.Fatalf("fix %+v, want document %q of %s", f, tc.fix, tc.account)
			}
			if f.Statement != "" {
				var s map[string]any
				if err := json.Unmarshal([]byte(f.Statement), &s); err != nil || s["Resource"] != dstObj {
					t.Fatalf("statement %s: want JSON on %s (%v)", f.Statement, dstObj, err)
				}
			} else if !strings.Contains(f.Action, `statement "No"`) {
				t.Fatalf("fix action %q does not name the Deny", f.Action)
			}
		})
	}
}

// TestPlan: fixes are gathered per account and document, statements that
// differ only in their action merged into one, actions kept once.
func TestPlan(t *testing.T) {
	stmt := func(action string) string {
		return `{"Sid":"x","Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":"` + action + `","Resource":"arn:aws:s3:::dst/*"}`
	}
	checks := []Check{
		{Fixes: []Fix{{Account: "B", Document: "bucket policy of dst", Statement: stmt("s3:ReplicateObject")}}},
		{Fixes: []Fix{{Account: "B", Document: "bucket policy of dst", Statement: stmt("s3:ReplicateDelete")}}},
		{Fixes: []Fix{{Account: "B", Document: "bucket policy of dst", Statement: stmt("s3:ReplicateObject")}}},
		{Fixes: []Fix{{Account: "A", Document: "versioning of bucket src", Action: "enable it"}}},
		{Fixes: []Fix{{Account: "A", Document: "versioning of bucket src", Action: "enable it"}}},
	}
	p := plan(checks)
	if len(p) != 2 {
		t.Fatalf("plan %+v, want 2 changes", p)
	}
	if len(p[0].Statements) != 1 || len(p[1].Actions) != 1 {
		t.Fatalf("plan %+v: want one merged statement and one action", p)
	}
	var s struct {
		Sid    string
		Action []string
	}
	if err := json.Unmarshal([]byte(p[0].Statements[0]), &s); err != nil {
		t.Fatal(err)
	}
	if s.Sid != "AllowReplication" || strings.Join(s.Action, ",") != "s3:ReplicateObject,s3:ReplicateDelete" {
		t.Fatalf("merged statement %s", p[0].Statements[0])
	}
}

// TestReportText: the checklist marks each outcome, counts failures and
// ends with the plan.
func TestReportText(t *testing.T) {
	rep := &Report{Bucket: "src", Account: "A", Region: "ap-northeast-1", Role: roleARN, Rules: []RuleReport{
		{ID: "r1", Status: "Enabled", Destination: "dst", Checks: []Check{
			{Hop: HopAssumeRole, Title: "trusted", Status: OK},
			{Hop: HopWrite, Title: "write", Status: Fail, Reason: "DstPutObjectNotPermitted", Detail: "why",
				Fixes: []Fix{{Account: "B", Document: "bucket policy of dst", Action: "add it"}}},
			{Hop: HopTags, Title: "tags", Status: Warn},
			{Hop: HopReplicaKey, Title: "key", Status: Unknown},
		}},
		{ID: "r2", Status: "Disabled", Destination: "other"},
	}}
	text := rep.Text()
	for _, want := range []string{
		"✓ assume-role", "✗ replica-write", "[DstPutObjectNotPermitted]", "! tags", "? replica-key",
		"fix — account B: in bucket policy of dst: add it", `rule "r2" → other: Disabled, not checked`,
		"1 check fails: new objects would end FAILED.", "To fix, per account:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

// TestSummary: an explanation says whether the recorded failure still
// stands, the set-up has been fixed since, or a retry is under way.
func TestSummary(t *testing.T) {
	failing := &Check{Hop: HopWrite, Title: "write", Status: Fail, Reason: "DstPutObjectNotPermitted"}
	cases := []struct {
		de   DestinationExplanation
		want string
	}{
		{DestinationExplanation{Status: "FAILED", Reason: "DstPutObjectNotPermitted", Failing: failing},
			"FAILED with DstPutObjectNotPermitted; hop replica-write fails now"},
		{DestinationExplanation{Status: "FAILED", Reason: "DstPutObjectNotPermitted"},
			"but every hop passes now: the set-up was fixed since"},
		{DestinationExplanation{Status: "PENDING", Attempts: 3},
			"PENDING after 3 attempts; every hop passes now: the engine is retrying a transient fault"},
	}
	for _, tc := range cases {
		if got := summary(&tc.de); !strings.Contains(got, tc.want) {
			t.Errorf("summary %q lacks %q", got, tc.want)
		}
	}
}
