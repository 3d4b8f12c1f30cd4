package kmsapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/meta"
)

var alice = aws.Principal{Type: aws.PrincipalRoot, Account: "111111111111", ARN: aws.RootARN("111111111111"), UserID: "111111111111"}

func newAPI(t *testing.T) *API {
	t.Helper()
	store := meta.NewMemory()
	root, err := keyring.Open(store, keyring.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return &API{KMS: kms.New(kms.Config{Store: store, Root: root, Clock: clock})}
}

// do sends one operation and returns the status and the decoded body.
func do(t *testing.T, a *API, op, body string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", TargetPrefix+op)
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	a.Serve(w, r, alice, "us-east-1", r.Body, "req-1")
	if ct := w.Header().Get("Content-Type"); ct != contentType {
		t.Fatalf("%s: Content-Type %q", op, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: body %q: %v", op, w.Body.String(), err)
	}
	return w.Code, out
}

func TestWireShapes(t *testing.T) {
	a := newAPI(t)
	status, out := do(t, a, "CreateKey", `{"Description":"d"}`)
	if status != 200 {
		t.Fatalf("CreateKey: %d %v", status, out)
	}
	md := out["KeyMetadata"].(map[string]any)
	if _, ok := md["CreationDate"].(float64); !ok {
		t.Errorf("CreationDate is not epoch seconds: %v", md["CreationDate"])
	}
	if md["CreationDate"].(float64) != 1767225600 {
		t.Errorf("CreationDate = %v", md["CreationDate"])
	}
	id := md["KeyId"].(string)

	status, out = do(t, a, "Encrypt", `{"KeyId":"`+id+`","Plaintext":"aGVsbG8="}`)
	if status != 200 || out["CiphertextBlob"] == "" || out["EncryptionAlgorithm"] != "SYMMETRIC_DEFAULT" {
		t.Fatalf("Encrypt: %d %v", status, out)
	}
	status, out = do(t, a, "Decrypt", `{"CiphertextBlob":"`+out["CiphertextBlob"].(string)+`"}`)
	if status != 200 || out["Plaintext"] != "aGVsbG8=" {
		t.Fatalf("Decrypt: %d %v", status, out)
	}
}

func TestErrorShapes(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct {
		op, body, code, message string
	}{
		{"DescribeKey", `{"KeyId":"fake-key-id"}`, "NotFoundException", "Invalid keyId 'fake-key-id'"},
		{"DescribeKey", `{}`, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"},
		{"GenerateRandom", `{}`, "ValidationException", "NumberOfBytes is required."},
		{"Decrypt", `{"CiphertextBlob":"AAAA"}`, "InvalidCiphertextException", ""},
		{"NoSuchOperation", `{}`, "UnknownOperationException", ""},
		{"ListKeys", `{"Limit":`, "SerializationException", ""},
	} {
		status, out := do(t, a, tc.op, tc.body)
		if status != 400 || out["__type"] != tc.code {
			t.Errorf("%s %s: %d %v, want 400 %s", tc.op, tc.body, status, out, tc.code)
			continue
		}
		msg, has := out["message"]
		if tc.message == "" && has && tc.code == "InvalidCiphertextException" {
			t.Errorf("%s: message %q, want none", tc.op, msg)
		}
		if tc.message != "" && msg != tc.message {
			t.Errorf("%s: message %q, want %q", tc.op, msg, tc.message)
		}
	}
}

func TestPagination(t *testing.T) {
	a := newAPI(t)
	for range 3 {
		if status, out := do(t, a, "CreateKey", `{}`); status != 200 {
			t.Fatal(out)
		}
	}
	_, out := do(t, a, "ListKeys", `{"Limit":2}`)
	if len(out["Keys"].([]any)) != 2 || out["Truncated"] != true || out["NextMarker"] == "" {
		t.Fatalf("first page: %v", out)
	}
	_, out = do(t, a, "ListKeys", `{"Limit":2,"Marker":"`+out["NextMarker"].(string)+`"}`)
	if len(out["Keys"].([]any)) != 1 || out["Truncated"] != false {
		t.Fatalf("second page: %v", out)
	}
}

func TestDryRun(t *testing.T) {
	a := newAPI(t)
	_, out := do(t, a, "CreateKey", `{}`)
	id := out["KeyMetadata"].(map[string]any)["KeyId"].(string)
	status, out := do(t, a, "Encrypt", `{"KeyId":"`+id+`","Plaintext":"aGVsbG8=","DryRun":true}`)
	if status != 400 || out["__type"] != "DryRunOperationException" {
		t.Fatalf("Encrypt dry run: %d %v", status, out)
	}
	status, out = do(t, a, "CreateGrant", `{"KeyId":"`+id+`","GranteePrincipal":"arn:aws:iam::111111111111:root","Operations":["Decrypt"],"DryRun":true}`)
	if status != 400 || out["__type"] != "DryRunOperationException" {
		t.Fatalf("CreateGrant dry run: %d %v", status, out)
	}
	if _, out = do(t, a, "ListGrants", `{"KeyId":"`+id+`"}`); len(out["Grants"].([]any)) != 0 {
		t.Fatalf("a dry run created a grant: %v", out)
	}
	status, out = do(t, a, "CreateGrant", `{"KeyId":"`+id+`","GranteePrincipal":"arn:aws:iam::111111111111:root","Operations":["Sign"],"DryRun":true}`)
	if status != 400 || out["__type"] != "ValidationException" {
		t.Fatalf("CreateGrant dry run of an invalid grant: %d %v", status, out)
	}
	_, out = do(t, a, "CreateGrant", `{"KeyId":"`+id+`","GranteePrincipal":"arn:aws:iam::111111111111:root","Operations":["Decrypt"]}`)
	grantID := out["GrantId"].(string)
	for _, op := range []string{"RetireGrant", "RevokeGrant"} {
		status, out = do(t, a, op, `{"KeyId":"`+id+`","GrantId":"`+grantID+`","DryRun":true}`)
		if status != 400 || out["__type"] != "DryRunOperationException" {
			t.Fatalf("%s dry run: %d %v", op, status, out)
		}
	}
	if _, out = do(t, a, "ListGrants", `{"KeyId":"`+id+`"}`); len(out["Grants"].([]any)) != 1 {
		t.Fatalf("a dry run deleted the grant: %v", out)
	}
	if status, out = do(t, a, "Encrypt", `{"KeyId":"fake-key-id","Plaintext":"aGVsbG8=","DryRun":true}`); out["__type"] != "NotFoundException" {
		t.Fatalf("dry run of a failing call: %d %v", status, out)
	}
}

func TestGrantTokensChecked(t *testing.T) {
	for _, tt := range []struct {
		name  string
		in    any
		valid bool
	}{
		{"no tokens", &sdk.EncryptInput{}, true},
		{"a token Ferry issued", &sdk.EncryptInput{GrantTokens: []string{grantToken("arn:aws:kms:us-east-1:111111111111:key/k", "g")}}, true},
		{"garbage", &sdk.DecryptInput{GrantTokens: []string{"not a token!"}}, false},
		{"an input without tokens", &sdk.ListKeysInput{}, true},
	} {
		err := checkGrantTokens(tt.in)
		if (err == nil) != tt.valid {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
