package s3api

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func TestAWSEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<ETag>&#34;abc&#34;</ETag>`, `<ETag>&quot;abc&quot;</ETag>`},
		{`region &#39;eu-west-1&#39; is wrong`, `region 'eu-west-1' is wrong`},
		{`a &amp;#34; b`, `a &amp;#34; b`},
		{`plain`, `plain`},
		{`AWS4-HMAC-SHA256&#xA;20261123T000000Z`, "AWS4-HMAC-SHA256\n20261123T000000Z"},
		{`key&#xD;`, `key&#xD;`},
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

// TestErrorBodyMatchesCatalogue renders catalogue errors through ErrorBody and
// compares them byte for byte with the shape of spec/errors.md §1.1: the XML
// declaration, a newline, then one unindented <Error> line holding Code,
// Message, the extra elements in AWS's order, RequestId and HostId, and no
// <Resource>.
func TestErrorBodyMatchesCatalogue(t *testing.T) {
	const (
		reqID  = "7N3QK2B9TF0XJ4WA"
		hostID = "cG9sbHktZXhhbXBsZS1ob3N0LWlkLW5vdC1yZWFsLTEyMzQ1Njc4OTA="
		decl   = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
		tail   = `<RequestId>` + reqID + `</RequestId><HostId>` + hostID + `</HostId></Error>`
	)
	tests := []struct {
		name string
		err  *aws.Error
		want string
	}{
		{"NoSuchKey (§1.1 example)", aws.ErrNoSuchKey("reports/2026/q1.csv"),
			decl + `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>reports/2026/q1.csv</Key>` + tail},
		{"NoSuchBucket", aws.ErrNoSuchBucket("my-bucket"),
			decl + `<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>my-bucket</BucketName>` + tail},
		{"PermanentRedirect", aws.ErrPermanentRedirect("DOC-EXAMPLE-BUCKET", "us-west-2"),
			decl + `<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message>` +
				`<Endpoint>DOC-EXAMPLE-BUCKET.s3-us-west-2.amazonaws.com</Endpoint><Bucket>DOC-EXAMPLE-BUCKET</Bucket>` + tail},
		{"InvalidArgument max-keys", aws.ErrInvalidMaxKeys("abc"),
			decl + `<Error><Code>InvalidArgument</Code><Message>Provided max-keys not an integer or within integer range</Message>` +
				`<ArgumentName>max-keys</ArgumentName><ArgumentValue>abc</ArgumentValue>` + tail},
		{"empty version-id-marker", aws.ErrVersionIDMarkerEmpty(),
			decl + `<Error><Code>InvalidArgument</Code><Message>A version-id marker cannot be empty.</Message>` +
				`<ArgumentName>version-id-marker</ArgumentName><ArgumentValue></ArgumentValue>` + tail},
		{"InvalidPart double space", aws.ErrInvalidPart("up1", 2, "0cc175b9c0f1b6a831c399e269772661"),
			decl + `<Error><Code>InvalidPart</Code><Message>One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.</Message>` +
				`<UploadId>up1</UploadId><PartNumber>2</PartNumber><ETag>0cc175b9c0f1b6a831c399e269772661</ETag>` + tail},
		{"RequestTimeTooSkewed", aws.ErrRequestTimeTooSkewed("20250901T162148Z", "2025-09-03T16:21:50Z"),
			decl + `<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message>` +
				`<RequestTime>20250901T162148Z</RequestTime><ServerTime>2025-09-03T16:21:50Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>` + tail},
		{"XAmzContentSHA256Mismatch apostrophes", aws.ErrXAmzContentSHA256Mismatch("aa", "bb"),
			decl + `<Error><Code>XAmzContentSHA256Mismatch</Code><Message>The provided 'x-amz-content-sha256' header does not match what was computed.</Message>` +
				`<ClientComputedContentSHA256>aa</ClientComputedContentSHA256><S3ComputedContentSHA256>bb</S3ComputedContentSHA256>` + tail},
		{"invalid canned ACL: empty Message", aws.ErrInvalidCannedACL("bogus"),
			decl + `<Error><Code>InvalidArgument</Code><Message></Message><ArgumentName>x-amz-acl</ArgumentName><ArgumentValue>bogus</ArgumentValue>` + tail},
		{"If-None-Match NotImplemented", aws.ErrIfNoneMatchNotImplemented(),
			decl + `<Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message>` +
				`<Header>If-None-Match</Header><additionalMessage>We don't accept the provided value of If-None-Match header for this API</additionalMessage>` + tail},
	}
	for _, tt := range tests {
		got := string(ErrorBody(tt.err, reqID, hostID))
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		if strings.Contains(got, "<Resource>") || strings.Count(got, "\n") != 1 {
			t.Errorf("%s: body must be the declaration line plus one <Error> line without <Resource>: %q", tt.name, got)
		}
	}
}

// TestHeadErrorsHaveNoBody: HEAD answers carry the status and headers only,
// whatever the error (spec/errors.md §1.1).
func TestHeadErrorsHaveNoBody(t *testing.T) {
	o := newObjTest(t, "headerr")
	o.put(t, "k", []byte("x"))
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/no-such-bucket-headerr/k", 404},
		{"/headerr/k?versionId=bad", 400},
		{"/headerr/k?partNumber=5", 416},
	} {
		resp := rawRequest(t, o.ts, http.MethodHead, tc.path)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tc.status || len(b) != 0 {
			t.Errorf("HEAD %s: status %d body %q, want %d and no body", tc.path, resp.StatusCode, b, tc.status)
		}
	}
}
