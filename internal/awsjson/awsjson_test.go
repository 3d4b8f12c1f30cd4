package awsjson

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

var testProtocol = Protocol{TargetPrefix: "Svc.", ContentType: "application/x-amz-json-1.0", MaxBody: 8,
	TooLarge: func() error { return aws.New("ValidationException", 400, "too large") }}

func TestOperation(t *testing.T) {
	for target, want := range map[string]string{"Svc.Send": "Send", "Other.Send": "", "": ""} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("X-Amz-Target", target)
		if got := testProtocol.Operation(r); got != want {
			t.Errorf("Operation(%q) = %q, want %q", target, got, want)
		}
	}
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

func TestReadBody(t *testing.T) {
	mismatch := aws.New("XAmzContentSHA256Mismatch", 400, "hash")
	tests := []struct {
		name string
		body io.Reader
		want string // body, or the error code
	}{
		{"fits", strings.NewReader("12345678"), "12345678"},
		{"too large", strings.NewReader("123456789"), "ValidationException"},
		{"payload hash", failing{mismatch}, "XAmzContentSHA256Mismatch"},
		{"broken stream", failing{errors.New("reset")}, "SerializationException"},
	}
	for _, tt := range tests {
		raw, err := testProtocol.ReadBody(tt.body)
		got := string(raw)
		if e, ok := aws.As(err); ok {
			got = e.Code
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDecode(t *testing.T) {
	type in struct{ Name *string }
	if v, err := Decode[in](nil); err != nil || v == nil || v.Name != nil {
		t.Fatalf("empty body: %+v, %v", v, err)
	}
	if v, err := Decode[in]([]byte(`{"Name":"q"}`)); err != nil || *v.Name != "q" {
		t.Fatalf("input: %+v, %v", v, err)
	}
	_, err := Decode[in]([]byte(`{"Name":5}`))
	if e, ok := aws.As(err); !ok || e.Code != "SerializationException" || e.Message != "" {
		t.Fatalf("wrong member type: %v", err)
	}
	_, err = Decode[in]([]byte(`[}`))
	if e, ok := aws.As(err); !ok || e.Message != "Start of structure or map found where not expected." {
		t.Fatalf("syntax error: %v", err)
	}
}

func TestAuthError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"InvalidAccessKeyId", "UnrecognizedClientException"},
		{"InvalidToken", "UnrecognizedClientException"},
		{"ExpiredToken", "ExpiredTokenException"},
		{"SignatureDoesNotMatch", "InvalidSignatureException"},
		{"XAmzContentSHA256Mismatch", "InvalidSignatureException"},
		{"RequestTimeTooSkewed", "RequestTimeTooSkewed"},
		{"AccessDenied", ""},
	}
	for _, tt := range tests {
		got, ok := AuthError(aws.New(tt.in, 403, "m"))
		if ok != (tt.want != "") || (ok && (got.Code != tt.want || got.Status != 400)) {
			t.Errorf("AuthError(%s) = %v, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestWrite(t *testing.T) {
	w := httptest.NewRecorder()
	if err := testProtocol.WriteOutput(w, map[string]int{"N": 1}); err != nil || w.Code != 200 || w.Body.String() != `{"N":1}` ||
		w.Header().Get("Content-Type") != testProtocol.ContentType {
		t.Fatalf("output: %d %q %v", w.Code, w.Body, err)
	}
	if err := testProtocol.WriteOutput(httptest.NewRecorder(), func() {}); err == nil {
		t.Fatal("an output that cannot be encoded was sent")
	}
	w = httptest.NewRecorder()
	testProtocol.WriteError(w, aws.New("Throttled", 429, "slow down").WithHeader("x-extra", "1"), "svc#Throttled")
	if w.Code != 429 || w.Body.String() != `{"__type":"svc#Throttled","message":"slow down"}` || w.Header().Get("x-extra") != "1" {
		t.Fatalf("error: %d %q %v", w.Code, w.Body, w.Header())
	}
}

func TestRegistryRefusesDuplicates(t *testing.T) {
	r := Registry[int]{}
	r.Register("A", 1)
	defer func() {
		if recover() == nil {
			t.Fatal("a second handler for A was accepted")
		}
	}()
	r.Register("A", 2)
}

func TestReply(t *testing.T) {
	var sent error
	writeErr := func(w http.ResponseWriter, err error) { sent = err; w.WriteHeader(400) }
	for name, tc := range map[string]struct {
		out     any
		err     error
		status  int
		wantErr bool
	}{
		"output":       {map[string]int{"N": 1}, nil, 200, false},
		"error":        {nil, aws.New("Bad", 400, "no"), 400, true},
		"unencodeable": {func() {}, nil, 400, true},
	} {
		sent = nil
		w := httptest.NewRecorder()
		testProtocol.Reply(w, "req-1", tc.out, tc.err, writeErr)
		if w.Code != tc.status || (sent != nil) != tc.wantErr || w.Header().Get("x-amzn-RequestId") != "req-1" {
			t.Errorf("%s: status %d, error sent %v, request id %q", name, w.Code, sent, w.Header().Get("x-amzn-RequestId"))
		}
	}
}
