package policy

import "testing"

// condCase is one condition evaluated against one context.
type condCase struct {
	op, key string
	values  []string
	ctx     Context
	want    bool
}

func runCond(t *testing.T, tc condCase) {
	t.Helper()
	c, err := compileCondition(Condition{Operator: tc.op, Key: tc.key, Values: tc.values}, true)
	if err != nil {
		t.Fatalf("%s %s %v: %v", tc.op, tc.key, tc.values, err)
	}
	req := &Request{Context: tc.ctx, Principal: Principal{Type: User, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"}}
	if got := c.eval(&evalState{req: req}); got != tc.want {
		t.Errorf("%s {%s: %v} with %v = %v, want %v", tc.op, tc.key, tc.values, tc.ctx.keys, got, tc.want)
	}
}

func v(s ...string) []string { return s }

func TestConditionOperators(t *testing.T) {
	k := "test:key"
	one := func(val string) Context { return ContextOf(k, val) }
	none := Context{}
	tests := []condCase{
		// Strings.
		{"StringEquals", k, v("a", "b"), one("b"), true},
		{"StringEquals", k, v("a"), one("A"), false},
		{"StringEquals", k, v("a*"), one("abc"), false}, // no wildcards in Equals
		{"StringEquals", k, v("a"), none, false},
		{"StringNotEquals", k, v("a", "b"), one("c"), true},
		{"StringNotEquals", k, v("a", "b"), one("a"), false},
		{"StringNotEquals", k, v("a"), none, true},
		{"StringEqualsIgnoreCase", k, v("Hello"), one("hELLO"), true},
		{"StringEqualsIgnoreCase", k, v("Émile"), one("éMILE"), true},
		{"StringNotEqualsIgnoreCase", k, v("Hello"), one("hELLO"), false},
		{"StringNotEqualsIgnoreCase", k, v("Hello"), one("bye"), true},
		{"StringLike", k, v("home/*"), one("home/alice/x"), true},
		{"StringLike", k, v("home/?"), one("home/ab"), false},
		{"StringLike", k, v("Home/*"), one("home/x"), false}, // case-sensitive
		{"StringNotLike", k, v("home/*"), one("tmp/x"), true},
		{"StringNotLike", k, v("home/*"), one("home/x"), false},
		{"StringLike", k, v("home/${aws:username}/*"), one("home/alice/f"), true},
		{"StringEquals", k, v("${aws:username}"), one("bob"), false},
		// Numbers.
		{"NumericEquals", k, v("10"), one("10.0"), true},
		{"NumericNotEquals", k, v("10"), one("11"), true},
		{"NumericLessThan", k, v("10"), one("9"), true},
		{"NumericLessThan", k, v("10"), one("10"), false},
		{"NumericLessThanEquals", k, v("10"), one("10"), true},
		{"NumericGreaterThan", k, v("10"), one("10.5"), true},
		{"NumericGreaterThanEquals", k, v("10"), one("9"), false},
		{"NumericEquals", k, v("10"), one("ten"), false},
		// Dates: ISO 8601 and epoch seconds.
		{"DateEquals", k, v("2026-01-01T00:00:00Z"), one("1767225600"), true},
		{"DateNotEquals", k, v("2026-01-01T00:00:00Z"), one("2026-01-02T00:00:00Z"), true},
		{"DateLessThan", k, v("2026-01-01T00:00:00Z"), one("2025-12-31T23:59:59Z"), true},
		{"DateLessThanEquals", k, v("2026-01-01"), one("2026-01-01T00:00:00Z"), true},
		{"DateGreaterThan", k, v("2026-01-01T00:00:00Z"), one("2026-06-01T12:00:00+02:00"), true},
		{"DateGreaterThanEquals", k, v("2026-01-01T00:00:00Z"), one("2025-06-01T00:00:00Z"), false},
		// Bool, binary.
		{"Bool", "aws:SecureTransport", v("true"), ContextOf("aws:SecureTransport", "TRUE"), true},
		{"Bool", "aws:SecureTransport", v("false"), ContextOf("aws:SecureTransport", "true"), false},
		{"Bool", "aws:SecureTransport", v("false"), none, false},
		{"BinaryEquals", k, v("QmluYXJ5"), one("QmluYXJ5"), true},
		{"BinaryEquals", k, v("QmluYXJ5"), one("qmluyxj5"), false},
		// IP addresses, v4 and v6.
		{"IpAddress", "aws:SourceIp", v("203.0.113.0/24"), ContextOf("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress", "aws:SourceIp", v("203.0.113.0/24"), ContextOf("aws:SourceIp", "203.0.114.7"), false},
		{"IpAddress", "aws:SourceIp", v("203.0.113.7"), ContextOf("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress", "aws:SourceIp", v("2001:db8::/32"), ContextOf("aws:SourceIp", "2001:db8::1"), true},
		{"IpAddress", "aws:SourceIp", v("203.0.113.0/24"), ContextOf("aws:SourceIp", "::ffff:203.0.113.9"), true},
		{"NotIpAddress", "aws:SourceIp", v("203.0.113.0/24"), ContextOf("aws:SourceIp", "198.51.100.1"), true},
		{"NotIpAddress", "aws:SourceIp", v("203.0.113.0/24"), ContextOf("aws:SourceIp", "203.0.113.1"), false},
		// ARNs: field by field.
		{"ArnEquals", "aws:SourceArn", v("arn:aws:s3:::src"), ContextOf("aws:SourceArn", "arn:aws:s3:::src"), true},
		{"ArnLike", "aws:SourceArn", v("arn:aws:s3:::src-*"), ContextOf("aws:SourceArn", "arn:aws:s3:::src-1"), true},
		{"ArnLike", "aws:PrincipalArn", v("arn:aws:iam::*:role/repl*"), ContextOf("aws:PrincipalArn", "arn:aws:iam::111122223333:role/replication"), true},
		{"ArnLike", "aws:PrincipalArn", v("arn:aws:iam::*:role/*"), ContextOf("aws:PrincipalArn", "arn:aws:iam::111122223333:user/x"), false},
		{"ArnLike", "aws:SourceArn", v("arn:aws:*"), ContextOf("aws:SourceArn", "arn:aws:s3:::b"), false}, // * stays in its field
		{"ArnLike", "aws:SourceArn", v("arn:aws:s3:*:*:*"), ContextOf("aws:SourceArn", "arn:aws:s3:::b"), true},
		{"ArnNotEquals", "aws:SourceArn", v("arn:aws:s3:::src"), ContextOf("aws:SourceArn", "arn:aws:s3:::other"), true},
		{"ArnNotLike", "aws:SourceArn", v("arn:aws:s3:::src*"), ContextOf("aws:SourceArn", "arn:aws:s3:::src2"), false},
		{"ArnNotLike", "aws:SourceArn", v("arn:aws:s3:::src*"), none, true},
		// Null.
		{"Null", k, v("true"), none, true},
		{"Null", k, v("true"), one("x"), false},
		{"Null", k, v("false"), one("x"), true},
		{"Null", k, v("false"), none, false},
		{"Null", k, v("true"), func() Context { var c Context; c.Set(k); return c }(), true},
		// Keys derived from the principal.
		{"StringEquals", "aws:PrincipalAccount", v("111122223333"), none, true},
		{"StringEquals", "aws:username", v("alice"), none, true},
		{"StringEquals", "aws:PrincipalType", v("User"), none, true},
	}
	for _, tc := range tests {
		runCond(t, tc)
	}
}

func TestConditionIfExistsAndSets(t *testing.T) {
	k := "aws:TagKeys"
	none := Context{}
	two := ContextOf(k, "env", k, "team")
	tests := []condCase{
		{"StringEqualsIfExists", "s3:x-amz-server-side-encryption", v("aws:kms"), none, true},
		{"StringEqualsIfExists", "s3:x-amz-server-side-encryption", v("aws:kms"), ContextOf("s3:x-amz-server-side-encryption", "AES256"), false},
		{"StringLikeIfExists", "s3:x-amz-server-side-encryption", v("aws:kms*"), ContextOf("s3:x-amz-server-side-encryption", "aws:kms:dsse"), true},
		{"NumericLessThanIfExists", "s3:max-keys", v("10"), none, true},
		{"ArnLikeIfExists", "aws:SourceArn", v("arn:aws:s3:::x"), none, true},
		{"BoolIfExists", "aws:MultiFactorAuthPresent", v("true"), none, true},
		{"IpAddressIfExists", "aws:SourceIp", v("10.0.0.0/8"), none, true},
		{"DateLessThanIfExists", "aws:CurrentTime", v("2030-01-01"), none, true},
		{"StringNotEqualsIfExists", "k:k", v("a"), ContextOf("k:k", "a"), false},
		// ForAnyValue: at least one request value matches.
		{"ForAnyValue:StringEquals", k, v("team"), two, true},
		{"ForAnyValue:StringEquals", k, v("cost"), two, false},
		{"ForAnyValue:StringEquals", k, v("team"), none, false},
		{"ForAnyValue:StringNotEquals", k, v("env"), two, true}, // "team" is not "env"
		{"ForAnyValue:StringLike", k, v("t*"), two, true},
		// ForAllValues: every request value matches; true when missing.
		{"ForAllValues:StringEquals", k, v("env", "team", "cost"), two, true},
		{"ForAllValues:StringEquals", k, v("env"), two, false},
		{"ForAllValues:StringEquals", k, v("env"), none, true},
		{"ForAllValues:StringNotEquals", k, v("cost"), two, true},
		{"ForAllValues:StringNotEquals", k, v("env"), two, false},
		{"ForAllValues:StringEqualsIfExists", k, v("env"), none, true},
		{"ForAnyValue:StringEqualsIfExists", k, v("x"), none, true},
		// Plain operators on multivalued keys: any value for positive
		// operators, none for negated ones.
		{"StringEquals", k, v("team"), two, true},
		{"StringNotEquals", k, v("team"), two, false},
	}
	for _, tc := range tests {
		runCond(t, tc)
	}
}

func TestParseOperator(t *testing.T) {
	for _, op := range []string{"StringEquals", "ForAllValues:StringLikeIfExists", "ForAnyValue:ArnNotLike", "NumericGreaterThanEqualsIfExists", "Null"} {
		if _, _, _, ok := parseOperator(op); !ok {
			t.Errorf("%s not recognised", op)
		}
	}
	for _, op := range []string{"StringEqual", "NullIfExists", "ForSomeValues:StringEquals", "stringequals", "IfExists"} {
		if _, _, _, ok := parseOperator(op); ok {
			t.Errorf("%s recognised", op)
		}
	}
}
