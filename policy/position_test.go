package policy

import (
	"slices"
	"strings"
	"testing"
)

func TestStatementPositions(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want [][2]Position // Start, End per statement
	}{
		{"one line, object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
			[][2]Position{{{1, 37}, {1, 85}}}},
		{"indented list", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\n      \"Effect\": \"Deny\",\n      \"Action\": \"s3:DeleteObject\",\n      \"Resource\": [\"*\"]\n    }\n  ]\n}",
			[][2]Position{{{4, 5}, {4, 58}}, {{5, 5}, {9, 5}}}},
		{"Statement before Version, nested Condition", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}],"Version":"2012-10-17"}`,
			[][2]Position{{{1, 15}, {1, 115}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc, Identity)
			if err != nil {
				t.Fatal(err)
			}
			var got [][2]Position
			for _, s := range p.Statements {
				got = append(got, [2]Position{s.Start, s.End})
				if tc.doc[offsetOf(tc.doc, s.Start)] != '{' || tc.doc[offsetOf(tc.doc, s.End)] != '}' {
					t.Errorf("statement %d: %v..%v is not on its braces", s.Index, s.Start, s.End)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// offsetOf converts a position back to a byte offset.
func offsetOf(doc string, p Position) int {
	lines := strings.SplitAfter(doc, "\n")
	off := 0
	for _, l := range lines[:p.Line-1] {
		off += len(l)
	}
	return off + p.Column - 1
}

func TestMissingKeys(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:username":"alice"}}},
{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"},"StringLike":{"AWS:SourceIP":"x"}}}]}`
	p, err := Parse(doc, Identity)
	if err != nil {
		t.Fatal(err)
	}
	alice := Principal{Type: User, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"}
	set := Set{Identity: []Named{{Name: "p", Policy: p}}}
	d := Evaluate(Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, set)
	if got := d.MissingKeys(); !slices.Equal(got, []string{"aws:SourceIp"}) {
		t.Errorf("GetObject: missing %q", got)
	}
	d = Evaluate(Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ContextOf("aws:sourceip", "10.1.2.3")}, set)
	if got := d.MissingKeys(); len(got) != 0 || !d.Allowed {
		t.Errorf("GetObject with the key: missing %q, allowed %v", got, d.Allowed)
	}
	d = Evaluate(Request{Principal: alice, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"}, set)
	if got := d.MissingKeys(); !slices.Equal(got, []string{"aws:SecureTransport"}) {
		t.Errorf("PutObject: missing %q", got)
	}
}
