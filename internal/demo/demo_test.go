package demo

import (
	"bytes"
	"context"
	"errors"
	"github.com/ferrystore/ferry/internal/world"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// startServer runs an in-process Ferry with a fast replication engine and
// returns demo options aimed at it.
func startServer(t *testing.T) (*Server, Options) {
	t.Helper()
	srv, err := StartServer(t.TempDir(), 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	a, b, err := LoadProfiles(srv.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := world.ReadAdmin(srv.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	operator := Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.SecretAccessKey}
	return srv, Options{Endpoint: srv.Endpoint, A: a, B: b, Operator: operator, Objects: 2, Timeout: 10 * time.Second}
}

// TestDemo runs the demo without a break and with the breaks whose outcome
// the walkthrough promises, on one server, and checks the exact outcome of
// every object: status, failure reason, replica and tags.
func TestDemo(t *testing.T) {
	_, base := startServer(t)
	cases := []struct {
		brk    string
		status string
		reason string
	}{
		{"", StatusCompleted, ""},
		{BreakUntrustedRole, StatusFailed, "AssumeRoleNotPermitted"},
		{BreakMissingBucketPolicy, StatusFailed, "DstPutObjectNotPermitted"},
		{BreakMissingKeyPolicy, StatusFailed, "DstPutObjectNotPermitted"},
		{BreakReplicaKeyDisabled, StatusFailed, "DstKmsKeyInvalidState"},
		{BreakDestinationUnversioned, StatusFailed, "DstBucketUnversioned"},
		{BreakTagsDenied, StatusCompleted, ""},
		{BreakMissingSourceRead, StatusFailed, "SrcGetObjectNotPermitted"},
		{BreakMissingReplicateObject, StatusFailed, "DstPutObjectNotPermitted"},
		{BreakMissingSourceKeyDecrypt, StatusFailed, "SrcGetObjectNotPermitted"},
		{BreakReplicaKeyWrongRegion, StatusFailed, "DstKmsKeyNotFound"},
		{BreakOwnerOverrideDenied, StatusFailed, "DstPutObjectNotPermitted"},
		{BreakMissingReplicaKeyDecrypt, StatusFailed, "DstPutObjectNotPermitted"},
		{BreakDestinationWithoutLock, StatusFailed, "DstBucketObjectLockConfigMissing"},
	}
	for _, c := range cases {
		name := c.brk
		if name == "" {
			name = "no-break"
		}
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			o := base
			o.Break, o.Out = c.brk, &out
			res, err := Run(context.Background(), o)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if !res.OK || len(res.Objects) != 2 {
				t.Fatalf("result %+v\n%s", res, out.String())
			}
			for _, obj := range res.Objects {
				if obj.Status != c.status || obj.Reason != c.reason {
					t.Errorf("%s: %s %q, want %s %q", obj.Key, obj.Status, obj.Reason, c.status, c.reason)
				}
				if c.status == StatusCompleted && !obj.ReplicaOK {
					t.Errorf("%s: replica not verified: %v", obj.Key, obj.Problems)
				}
				if obj.Tagged && c.status == StatusCompleted && obj.ReplicaTags != (c.brk != BreakTagsDenied) {
					t.Errorf("%s: replica has tags %v", obj.Key, obj.ReplicaTags)
				}
			}
			text := out.String()
			// The pre-flight check flags a break that fails objects before
			// any object is written.
			preflight := "Every hop passes: new objects will replicate."
			if c.status == StatusFailed {
				preflight = "new objects would end FAILED."
			}
			for _, want := range []string{"✓ create role", "Replication of bucket", preflight, "Ferry did what AWS does."} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			if c.brk == BreakTagsDenied && !strings.Contains(text, "⚠ warning") {
				t.Errorf("no warning about the lost tags:\n%s", text)
			}
		})
	}
}

// TestDemoUnexpected checks that an outcome other than the expected one
// fails the run with ErrUnexpected and says so: tags-denied is given a
// wrong expectation (a failure) for the run.
func TestDemoUnexpected(t *testing.T) {
	_, o := startServer(t)
	var out bytes.Buffer
	o.Out, o.Objects = &out, 1
	saved := Breaks[BreakTagsDenied]
	b := saved
	b.Expect = Expectation{Status: StatusFailed, Reason: "DstPutTaggingNotPermitted", Spec: "test"}
	Breaks[BreakTagsDenied] = b
	defer func() { Breaks[BreakTagsDenied] = saved }()
	o.Break = BreakTagsDenied
	res, err := Run(context.Background(), o)
	if !errors.Is(err, ErrUnexpected) || res.OK {
		t.Fatalf("err %v, ok %v\n%s", err, res.OK, out.String())
	}
	if !strings.Contains(out.String(), "Ferry did NOT do what AWS does.") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestDiagnose checks the diagnostics client: a 404 is ErrNoDiagnostics, an
// answer is decoded, and the request is SigV4-signed for service ferry.
func TestDiagnose(t *testing.T) {
	var auth string
	mux := http.NewServeMux()
	mux.HandleFunc("/_ferry/explain", func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":false,"text":"hop 3: denied","destinations":[{"reason":""},{"reason":"DstPutObjectNotPermitted"}]}`))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	if _, err := Diagnose(context.Background(), nil, ts.URL, creds, DoctorPath, nil); !errors.Is(err, ErrNoDiagnostics) {
		t.Fatalf("404: %v", err)
	}
	g, err := Diagnose(context.Background(), nil, ts.URL, creds, ExplainPath, map[string][]string{"bucket": {"src"}})
	if err != nil || g.OK || g.Text != "hop 3: denied" || g.FailureReasonOf() != "DstPutObjectNotPermitted" {
		t.Fatalf("%+v, %v", g, err)
	}
	if !strings.Contains(auth, "/us-east-1/ferry/aws4_request") || !strings.Contains(auth, "Credential=AKIDEXAMPLE/") {
		t.Fatalf("Authorization %q", auth)
	}
}

// TestLiveProgress checks that a terminal gets lines redrawn in place.
func TestLiveProgress(t *testing.T) {
	var out bytes.Buffer
	d := &demo{o: Options{Out: &out, Live: true}}
	p := &progress{d: d, objects: []ObjectResult{{Key: "a", Status: StatusPending}, {Key: "b", Status: StatusCompleted}}}
	p.changed(0, 0)
	p.changed(1, time.Second)
	if got := out.String(); !strings.HasPrefix(got, "\n\n\x1b[2A\r\x1b[2K  … a") || !strings.Contains(got, "\x1b[1A\r\x1b[2K  ✓ b") {
		t.Fatalf("%q", got)
	}
}
