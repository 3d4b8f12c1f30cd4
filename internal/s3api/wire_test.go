package s3api

import (
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func TestAWSEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<ETag>&#34;abc&#34;</ETag>`, `<ETag>&quot;abc&quot;</ETag>`},
		{`region &#39;eu-west-1&#39; is wrong`, `region 'eu-west-1' is wrong`},
		{`a &amp;#34; b`, `a &amp;#34; b`},
		{`plain`, `plain`},
	}
	for _, tt := range tests {
		if got := string(awsEscapes([]byte(tt.in))); got != tt.want {
			t.Errorf("awsEscapes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorBodyShape(t *testing.T) {
	e := aws.New("AuthorizationHeaderMalformed", 400, "the region 'eu-west-1' is wrong; expecting 'us-east-1'").With("Region", "us-east-1")
	got := string(ErrorBody(e, "REQ", "HOST"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'eu-west-1' is wrong; expecting 'us-east-1'</Message>` +
		`<Region>us-east-1</Region><RequestId>REQ</RequestId><HostId>HOST</HostId></Error>`
	if got != want {
		t.Errorf("ErrorBody =\n%s\nwant\n%s", got, want)
	}
}
