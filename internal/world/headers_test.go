package world

import (
	"net/http"
	"regexp"
	"testing"
)

// TestResponseHeadersPerService: S3 answers carry S3's request and host ids
// and Server: AmazonS3; the Query services carry their own request id only.
func TestResponseHeadersPerService(t *testing.T) {
	e := startIAMEnv(t)
	resp, err := e.srv.Client().Get(e.srv.URL + "/no-such-bucket-here/k")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Server"); got != "AmazonS3" {
		t.Errorf("S3 Server header %q", got)
	}
	if id := resp.Header.Get("x-amz-request-id"); !regexp.MustCompile(`^[0-9A-Z]{16}$`).MatchString(id) {
		t.Errorf("S3 request id %q", id)
	}
	if resp.Header.Get("x-amz-id-2") == "" {
		t.Error("S3 answer without x-amz-id-2")
	}

	k := e.root["a"]
	resp = e.signedResponse(t, http.MethodPost, "sts", "us-east-1", "Action=GetCallerIdentity&Version=2011-06-15", k.ID, k.Secret, "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("GetCallerIdentity: %d, x-amzn-RequestId %q", resp.StatusCode, resp.Header.Get("x-amzn-RequestId"))
	}
	for _, h := range []string{"x-amz-id-2", "x-amz-request-id", "Server"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("STS answer carries %s: %q", h, v)
		}
	}
}
