package ferryapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestClient: requests are signed for service ferry in us-east-1 with the
// payload hash, answers decode, and a non-2xx answer is an *Error carrying
// the answer's "error" member (or its body).
func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if !strings.Contains(auth, "Credential=AKID/") || !strings.Contains(auth, "/us-east-1/ferry/aws4_request") ||
			r.Header.Get("x-amz-content-sha256") == "" {
			http.Error(w, "unsigned", http.StatusForbidden)
			return
		}
		switch r.URL.Query().Get("case") {
		case "ok":
			w.Write([]byte(`{"ok":true}`))
		case "json-error":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"no such bucket"}`))
		default:
			http.Error(w, "plain failure", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c := Client{Endpoint: srv.URL + "/", Credentials: aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}}
	var out struct{ OK bool }
	if err := c.JSON(context.Background(), http.MethodGet, "/x", url.Values{"case": {"ok"}}, nil, &out); err != nil || !out.OK {
		t.Fatalf("ok: %+v %v", out, err)
	}
	cases := map[string]struct {
		status int
		msg    string
	}{"json-error": {404, "no such bucket"}, "plain": {500, "plain failure"}}
	for name, want := range cases {
		_, err := c.Do(context.Background(), http.MethodGet, "/x", url.Values{"case": {name}}, []byte("body"))
		var e *Error
		if !errors.As(err, &e) || e.Status != want.status || e.Message != want.msg {
			t.Errorf("%s: %v, want %d %q", name, err, want.status, want.msg)
		}
	}
}
