package policy

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that every failure is an *Error
// with a code and message, and that whatever parses writes back to a
// document that parses again, to the same statements.
func FuzzParse(f *testing.F) {
	seeds := []string{
		s3Read,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":["arn:aws:s3:::b/${aws:username}/*"],"Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*"]},"NumericLessThan":{"s3:max-keys":10}}}}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/r"]},"Action":"s3:ReplicateObject","Resource":"arn:aws:s3:::b/*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}]}`,
		`{}`, `[]`, `{"Statement":[]}`, `{"Version":1}`, ``,
	}
	for _, s := range seeds {
		for k := Identity; k <= TrustPolicy; k++ {
			f.Add(s, uint8(k))
		}
	}
	f.Fuzz(func(t *testing.T, doc string, k uint8) {
		kind := Kind(k % uint8(TrustPolicy+1))
		p, err := ParseOptions(doc, kind, Options{MaxSize: -1})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" {
				t.Fatalf("error %v is not a complete *Error", err)
			}
			return
		}
		again, err := ParseOptions(p.String(), kind, Options{MaxSize: -1})
		if err != nil {
			t.Fatalf("%s parsed, but its re-encoding %s does not: %v", doc, p, err)
		}
		if again.String() != p.String() {
			t.Fatalf("re-encoding changed:\n%s\n%s", p, again)
		}
		// Evaluating a parsed policy never panics either.
		req := Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ContextOf("aws:SourceIp", "10.1.2.3")}
		named := Named{Name: "fuzzed", Policy: p}
		if kind.resourceBased() {
			Evaluate(req, Set{Resource: &named, ResourceRequired: kind != BucketPolicy})
		} else {
			Evaluate(req, Set{Identity: []Named{named}})
		}
	})
}

// FuzzPattern compares the wildcard matcher with the regular expression the
// pattern means.
func FuzzPattern(f *testing.F) {
	for _, s := range [][2]string{{"a*b?c", "aXXbYc"}, {"*a*a*b", "aaaaab"}, {"s3:Get*", "S3:GETOBJECT"}, {"?é*", "xéy"}, {"**?", ""}} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pat, s string, fold bool) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) || len(pat) > 64 || len(s) > 256 {
			return
		}
		var re strings.Builder
		re.WriteString("(?s)^")
		if fold {
			re.WriteString("(?i)")
		}
		for _, r := range pat {
			switch r {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(s)
		if fold && !isASCII(pat+s) {
			return // Unicode folding differs from regexp's (?i) in corner cases
		}
		p := compilePattern(pat, true, false, fold)
		if got := p.match(s, nil); got != want {
			t.Fatalf("%q ~ %q (fold %v) = %v, regexp says %v", pat, s, fold, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
