package world

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func TestBootstrapWritesClientFiles(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	if len(e.keys) != 2 || e.keys["a"].Account == e.keys["b"].Account {
		t.Fatalf("bootstrap accounts: %+v", e.keys)
	}
	if err := e.w.WriteClientFiles(e.srv.URL); err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(filepath.Join(e.dir, "aws", "config"))
	creds, _ := os.ReadFile(filepath.Join(e.dir, "aws", "credentials"))
	for _, want := range []string{"[profile ferry-a]", "[profile ferry-b]", "endpoint_url = " + e.srv.URL, "region = us-west-2"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if !strings.Contains(string(creds), e.keys["a"].Secret) {
		t.Error("credentials lack account a's secret")
	}
	st, err := os.Stat(filepath.Join(e.dir, "aws", "credentials"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials mode: %v %v", st.Mode(), err)
	}
	again, err := e.w.Bootstrap()
	if err != nil || len(again) != 0 {
		t.Fatalf("second bootstrap created %v (%v)", again, err)
	}
}

func TestAdminAPIRequiresAdminKey(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	if err := e.w.WriteClientFiles(e.srv.URL); err != nil {
		t.Fatal(err)
	}
	admin, err := ReadAdmin(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	call := func(akid, secret string, body string) int {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/_ferry/admin/accounts", bytes.NewReader([]byte(body)))
		sum := sha256.Sum256([]byte(body))
		hash := hex.EncodeToString(sum[:])
		req.Header.Set("x-amz-content-sha256", hash)
		v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req, hash, "ferry", "us-east-1", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusCreated {
			var s AccountSummary
			json.NewDecoder(resp.Body).Decode(&s)
			if s.Name != "carol" || !s.ID.Valid() || s.AccessKeyID == "" {
				t.Errorf("summary %+v", s)
			}
		}
		return resp.StatusCode
	}
	if got := call(e.keys["a"].ID, e.keys["a"].Secret, `{"name":"carol"}`); got != http.StatusForbidden {
		t.Errorf("account root on admin API: %d", got)
	}
	if got := call(admin.AccessKeyID, "wrong", `{"name":"carol"}`); got != http.StatusForbidden {
		t.Errorf("bad signature on admin API: %d", got)
	}
	if got := call(admin.AccessKeyID, admin.SecretAccessKey, `{"name":"Bad Name"}`); got != http.StatusBadRequest {
		t.Errorf("bad name: %d", got)
	}
	if got := call(admin.AccessKeyID, admin.SecretAccessKey, `{"name":"carol"}`); got != http.StatusCreated {
		t.Errorf("create: %d", got)
	}
	if got := call(admin.AccessKeyID, admin.SecretAccessKey, `{"name":"carol"}`); got != http.StatusConflict {
		t.Errorf("duplicate: %d", got)
	}
}

// A profile names its account's default region when the process serves
// it, else the first region it serves.
func TestProfileRegion(t *testing.T) {
	tests := []struct {
		regions []string
		account string
		want    string
	}{
		{[]string{"us-east-1", "us-west-2"}, "a", "us-east-1"},
		{[]string{"us-east-1", "us-west-2"}, "b", "us-west-2"},
		{[]string{"ap-northeast-1"}, "a", "ap-northeast-1"},
		{[]string{"us-west-2"}, "a", "us-west-2"},
		{[]string{"eu-west-1", "us-east-1"}, "c", "us-east-1"},
	}
	for _, tt := range tests {
		w := &World{Config: Config{Regions: tt.regions}}
		if got := w.profileRegion(tt.account); got != tt.want {
			t.Errorf("%s with %v: %s, want %s", tt.account, tt.regions, got, tt.want)
		}
	}
}
