package policy

import "testing"

// TestPublic checks the "is public" judgement against the cases of the
// Amazon S3 User Guide ("The meaning of public").
func TestPublic(t *testing.T) {
	stmt := func(effect, principal, cond string) string {
		s := `{"Effect":"` + effect + `",` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"`
		if cond != "" {
			s += `,"Condition":` + cond
		}
		return s + "}"
	}
	doc := func(stmts ...string) string {
		out := `{"Version":"2012-10-17","Statement":[`
		for i, s := range stmts {
			if i > 0 {
				out += ","
			}
			out += s
		}
		return out + "]}"
	}
	const (
		star    = `"Principal":"*"`
		awsStar = `"Principal":{"AWS":"*"}`
		account = `"Principal":{"AWS":"arn:aws:iam::111122223333:root"}`
		user    = `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`
		service = `"Principal":{"Service":"logging.s3.amazonaws.com"}`
		notUser = `"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`
	)
	cases := []struct {
		name   string
		doc    string
		public bool
	}{
		{"everyone", doc(stmt("Allow", star, "")), true},
		{"AWS wildcard", doc(stmt("Allow", awsStar, "")), true},
		{"a named account", doc(stmt("Allow", account, "")), false},
		{"a named user", doc(stmt("Allow", user, "")), false},
		{"a service principal", doc(stmt("Allow", service, "")), false},
		{"NotPrincipal in an Allow", doc(stmt("Allow", notUser, "")), true},
		{"Deny for everyone", doc(stmt("Deny", star, "")), false},
		{"one public statement among others", doc(stmt("Allow", user, ""), stmt("Allow", star, "")), true},
		{"fixed aws:SourceArn", doc(stmt("Allow", star, `{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}`)), false},
		{"wildcard aws:SourceArn", doc(stmt("Allow", star, `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}`)), true},
		{"fixed aws:SourceAccount", doc(stmt("Allow", star, `{"StringEquals":{"aws:SourceAccount":"111122223333"}}`)), false},
		{"fixed aws:SourceOwner", doc(stmt("Allow", star, `{"StringEquals":{"aws:SourceOwner":"111122223333"}}`)), false},
		{"fixed aws:SourceVpc", doc(stmt("Allow", star, `{"StringEquals":{"aws:SourceVpc":"vpc-111bbb22"}}`)), false},
		{"fixed aws:SourceVpce", doc(stmt("Allow", star, `{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`)), false},
		{"fixed aws:PrincipalOrgID", doc(stmt("Allow", awsStar, `{"StringEquals":{"aws:PrincipalOrgID":"o-abcdef1234"}}`)), false},
		{"key names are case-insensitive", doc(stmt("Allow", star, `{"StringEquals":{"AWS:PRINCIPALORGID":"o-abcdef1234"}}`)), false},
		{"fixed s3:DataAccessPointArn", doc(stmt("Allow", star, `{"StringEquals":{"s3:DataAccessPointArn":"arn:aws:s3:us-east-1:111122223333:accesspoint/ap"}}`)), false},
		{"fixed s3:DataAccessPointAccount", doc(stmt("Allow", star, `{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}`)), false},
		{"fixed aws:userid", doc(stmt("Allow", star, `{"StringEquals":{"aws:userid":"AIDAEXAMPLEUSERID1234"}}`)), false},
		{"aws:userid of any session of a role", doc(stmt("Allow", star, `{"StringLike":{"aws:userid":"AROAEXAMPLEROLEID1234:*"}}`)), true},
		{"StringLike without a wildcard is fixed", doc(stmt("Allow", star, `{"StringLike":{"aws:SourceAccount":"111122223333"}}`)), false},
		{"policy variable", doc(stmt("Allow", star, `{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}`)), true},
		{"IfExists lets requests without the key in", doc(stmt("Allow", star, `{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}`)), true},
		{"negated operator", doc(stmt("Allow", star, `{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}`)), true},
		{"ForAllValues holds for an absent key", doc(stmt("Allow", star, `{"ForAllValues:StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`)), true},
		{"one open value among fixed ones", doc(stmt("Allow", star, `{"StringLike":{"aws:SourceAccount":["111122223333","*"]}}`)), true},
		{"a key that does not count", doc(stmt("Allow", star, `{"StringEquals":{"s3:prefix":"home/"}}`)), true},
		{"Null test of a counted key", doc(stmt("Allow", star, `{"Null":{"aws:SourceArn":"false"}}`)), true},
		{"secure transport only", doc(stmt("Allow", star, `{"Bool":{"aws:SecureTransport":"true"}}`)), true},
		{"one narrowing condition among others", doc(stmt("Allow", star, `{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`)), false},
		{"private /8", doc(stmt("Allow", star, `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)), false},
		{"a /24", doc(stmt("Allow", star, `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`)), false},
		{"one address", doc(stmt("Allow", star, `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`)), false},
		{"wider than /8", doc(stmt("Allow", star, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}`)), true},
		{"all addresses", doc(stmt("Allow", star, `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","0.0.0.0/0"]}}`)), true},
		{"IPv6 /32", doc(stmt("Allow", star, `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`)), false},
		{"IPv6 wider than /32", doc(stmt("Allow", star, `{"IpAddress":{"aws:SourceIp":"2001:db8::/31"}}`)), true},
		{"NotIpAddress", doc(stmt("Allow", star, `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`)), true},
	}
	for _, c := range cases {
		p, err := Parse(c.doc, BucketPolicy)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := p.Public(); got != c.public {
			t.Errorf("%s: Public() = %v, want %v\n%s", c.name, got, c.public, c.doc)
		}
	}
}

func TestDenials(t *testing.T) {
	p, err := Parse(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
		{"Sid":"NoWrites","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}`, BucketPolicy)
	if err != nil {
		t.Fatal(err)
	}
	d := p.Denials()
	if len(d.Statements) != 1 || d.Statements[0].Sid != "NoWrites" || d.Statements[0].Index != 1 || d.Public() {
		t.Fatalf("Denials() = %s", d)
	}
	anon := Request{Principal: Principal{Type: Anonymous}, Resource: "arn:aws:s3:::b/k", ResourceAccount: "111122223333"}
	for action, want := range map[string]Reason{"s3:GetObject": ImplicitDeny, "s3:PutObject": ExplicitDeny} {
		anon.Action = action
		if got := Evaluate(anon, Set{Resource: &Named{Name: "bucket policy", Policy: d}}); got.Reason != want {
			t.Errorf("%s with the denials only: %v, want %v", action, got.Reason, want)
		}
	}
	if len(p.Statements) != 2 {
		t.Fatal("Denials changed the policy")
	}
}
