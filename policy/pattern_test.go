package policy

import "testing"

func TestPatternWildcards(t *testing.T) {
	tests := []struct {
		pat, s     string
		fold, want bool
	}{
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"s3:GetObject", "s3:GetObject", false, true},
		{"s3:getobject", "S3:GETOBJECT", true, true},
		{"s3:Get*", "s3:GetObjectVersion", true, true},
		{"s3:Get*", "s3:PutObject", true, false},
		{"s3:*Object", "s3:GetObject", true, true},
		{"s3:*Object", "s3:GetObjectAcl", true, false},
		{"s3:Get?bject", "s3:GetObject", true, true},
		{"s3:Get?bject", "s3:GetOOObject", true, false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", false, true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::B/a", false, false}, // resources are case-sensitive
		{"arn:aws:s3:::b/*/x*y", "arn:aws:s3:::b/k/x1y", false, true},
		{"arn:aws:s3:::b/*/x*y", "arn:aws:s3:::b/k/x1yz", false, false},
		{"a*b*c*d", "aXbYcZd", false, true},
		{"a*b*c*d", "aXbYcZ", false, false},
		{"a**b", "ab", false, true},
		{"?", "é", false, true}, // ? is one character, not one byte
		{"", "", false, true},
		{"", "x", false, false},
	}
	for _, tc := range tests {
		p := compilePattern(tc.pat, true, false, tc.fold)
		if got := p.match(tc.s, nil); got != tc.want {
			t.Errorf("%q ~ %q (fold %v) = %v, want %v", tc.pat, tc.s, tc.fold, got, tc.want)
		}
	}
}

func TestPatternVariables(t *testing.T) {
	req := &Request{
		Principal: Principal{Type: User, ARN: "arn:aws:iam::111122223333:user/team/alice", Account: "111122223333", UserID: "AIDAEXAMPLEALICE1234",
			Tags: map[string]string{"Project": "blue"}},
		Context: ContextOf("s3:prefix", "home/", "aws:TagKeys", "a", "aws:TagKeys", "b"),
	}
	st := &evalState{req: req}
	tests := []struct {
		pat, s string
		vars   bool
		want   bool
	}{
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/alice/x", true, true},
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/bob/x", true, false},
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/${aws:username}/x", false, true}, // 2008-10-17: literal
		{"arn:aws:s3:::b/${AWS:UserName}/*", "arn:aws:s3:::b/alice/x", true, true},            // key names ignore case
		{"arn:aws:s3:::b/${aws:userid}", "arn:aws:s3:::b/AIDAEXAMPLEALICE1234", true, true},
		{"arn:aws:s3:::b/${aws:PrincipalAccount}", "arn:aws:s3:::b/111122223333", true, true},
		{"arn:aws:s3:::b/${aws:PrincipalTag/project}", "arn:aws:s3:::b/blue", true, true},
		{"arn:aws:s3:::b/${s3:prefix}*", "arn:aws:s3:::b/home/x", true, true},
		{"arn:aws:s3:::b/${aws:missing}", "arn:aws:s3:::b/", true, false},
		{"arn:aws:s3:::b/${aws:missing, 'dflt'}", "arn:aws:s3:::b/dflt", true, true},
		{"arn:aws:s3:::b/${aws:TagKeys}", "arn:aws:s3:::b/a", true, false}, // multivalued: not substituted
		{"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true, true},
		{"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", true, false},
		{"arn:aws:s3:::b/${?}${$}", "arn:aws:s3:::b/?$", true, true},
		{"arn:aws:s3:::b/${unterminated", "arn:aws:s3:::b/${unterminated", true, true},
	}
	for _, tc := range tests {
		p := compilePattern(tc.pat, true, tc.vars, false)
		if got := p.match(tc.s, st); got != tc.want {
			t.Errorf("%q ~ %q (vars %v) = %v, want %v", tc.pat, tc.s, tc.vars, got, tc.want)
		}
	}
}

func TestContextKeysIgnoreCase(t *testing.T) {
	c := ContextOf("AWS:SourceIp", "10.0.0.1")
	if v, ok := c.Get("aws:sourceip"); !ok || v[0] != "10.0.0.1" {
		t.Fatalf("Get = %v, %v", v, ok)
	}
	c.Set("S3:Prefix")
	if v, ok := c.Get("s3:prefix"); !ok || len(v) != 0 {
		t.Fatalf("empty Set: %v %v", v, ok)
	}
	c.Delete("s3:PREFIX")
	if _, ok := c.Get("s3:prefix"); ok {
		t.Fatal("Delete left the key")
	}
	if got := c.Keys(); len(got) != 1 || got[0] != "aws:sourceip" {
		t.Fatalf("Keys = %v", got)
	}
}
