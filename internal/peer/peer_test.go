package peer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sts"
)

const (
	role    = "arn:aws:iam::111111111111:role/replication"
	srcAcct = "111111111111"
)

var task = replication.Task{SourceBucket: "src", SourceAccount: srcAcct, Role: role, Destination: "dst", Key: "k", VersionID: "v"}

// acceptor records what the handler hands the engine.
type acceptor struct {
	err  error
	body string
	tags bool
}

func (a *acceptor) Accept(_ context.Context, _ aws.Principal, _ *replication.Task, _, _ *replication.ObjectVersion, body io.Reader) error {
	if body != nil {
		b, _ := io.ReadAll(body)
		a.body = string(b)
	}
	return a.err
}

func (a *acceptor) AcceptTags(context.Context, aws.Principal, *replication.Task, *replication.ObjectVersion) error {
	a.tags = true
	return a.err
}

func session(p aws.Principal) (*sts.Session, error) {
	switch p.AccessKeyID {
	case "ASIA-S3":
		return &sts.Session{SourceAccount: srcAcct, SourceARN: "arn:aws:s3:::src"}, nil
	case "ASIA-OTHER-SOURCE":
		return &sts.Session{SourceAccount: srcAcct, SourceARN: "arn:aws:s3:::elsewhere"}, nil
	case "ASIA-USER":
		return &sts.Session{}, nil
	}
	return nil, sts.ErrNoSuchSession
}

func envelopeRequest(t *testing.T, op string, env Envelope, body string, tamper bool) *http.Request {
	raw, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if tamper {
		raw = bytes.Replace(raw, []byte(`"dst"`), []byte(`"dsx"`), 1)
	}
	r := httptest.NewRequest(http.MethodPut, Path+op, io.MultiReader(bytes.NewReader(raw), bytes.NewReader([]byte(body))))
	r.Header.Set(HeaderEnvelopeLength, strconv.Itoa(len(raw)))
	r.Header.Set(HeaderEnvelopeSHA256, hex.EncodeToString(sum[:]))
	return r
}

// The replica endpoint admits only a replication session S3 assumed for the
// task's role and source bucket, checks the envelope against its signed
// hash, and answers the engine's verdict so the source can settle it.
func TestHandler(t *testing.T) {
	roleSession := func(akid string) aws.Principal {
		return aws.Principal{Type: aws.PrincipalAssumedRole, AccessKeyID: akid, SessionToken: "tok", RoleARN: role}
	}
	replica := &replication.ObjectVersion{Key: "k", VersionID: "v", Size: 5}
	tests := []struct {
		name       string
		caller     aws.Principal
		op         string
		tamper     bool
		engine     error
		wantStatus int
		wantBody   string
	}{
		{"replica written", roleSession("ASIA-S3"), "object", false, nil, http.StatusOK, "bytes"},
		{"tags", roleSession("ASIA-S3"), "tags", false, nil, http.StatusOK, ""},
		{"engine refuses", roleSession("ASIA-S3"), "object", false,
			replication.Fail(replication.ReasonDstPutObjectNotPermitted, errors.New("no")), http.StatusConflict, "bytes"},
		{"engine transient", roleSession("ASIA-S3"), "object", false, errors.New("disk"), http.StatusServiceUnavailable, "bytes"},
		{"tampered envelope", roleSession("ASIA-S3"), "object", true, nil, http.StatusBadRequest, ""},
		{"session for another source", roleSession("ASIA-OTHER-SOURCE"), "object", false, nil, http.StatusForbidden, ""},
		{"session a user assumed", roleSession("ASIA-USER"), "object", false, nil, http.StatusForbidden, ""},
		{"unknown session", roleSession("ASIA-NONE"), "object", false, nil, http.StatusForbidden, ""},
		{"another role", aws.Principal{Type: aws.PrincipalAssumedRole, AccessKeyID: "ASIA-S3", RoleARN: role + "2"}, "object", false, nil, http.StatusForbidden, ""},
		{"a user", aws.Principal{Type: aws.PrincipalUser, ARN: "arn:aws:iam::111111111111:user/u"}, "object", false, nil, http.StatusForbidden, ""},
		{"the operator", aws.Principal{Type: aws.PrincipalAdmin}, "object", false, nil, http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &acceptor{err: tt.engine}
			h := &Handler{Engine: eng, Session: session,
				Principal: func(context.Context) (aws.Principal, bool) { return tt.caller, true }}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, envelopeRequest(t, tt.op, Envelope{Task: task, Replica: replica}, "bytes", tt.tamper))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if eng.body != tt.wantBody {
				t.Fatalf("body handed to the engine %q, want %q", eng.body, tt.wantBody)
			}
			if got := answer("us-west-2", rec.Code, rec.Body.Bytes()); tt.wantStatus == http.StatusConflict {
				var f *replication.Failure
				if !errors.As(got, &f) || f.Reason != replication.ReasonDstPutObjectNotPermitted {
					t.Fatalf("the source reads %v, want the failure reason", got)
				}
			}
		})
	}
}

// answer maps a peer's answer to the engine's three outcomes.
func TestAnswer(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   string // "ok", a reason, or "transient"
	}{
		{http.StatusOK, `{}`, "ok"},
		{http.StatusConflict, `{"reason":"DstKmsKeyNotFound","error":"no key"}`, "DstKmsKeyNotFound"},
		{http.StatusConflict, `{"reason":"DstBucketUnversioned","error":"x"}`, "DstBucketUnversioned"},
		{http.StatusConflict, `not json`, "transient"},
		{http.StatusForbidden, `{"error":"denied"}`, "transient"},
		{http.StatusServiceUnavailable, `{"error":"down"}`, "transient"},
		{http.StatusBadGateway, ``, "transient"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status)+tt.want, func(t *testing.T) {
			err := answer("r", tt.status, []byte(tt.body))
			var f *replication.Failure
			got := "transient"
			switch {
			case err == nil:
				got = "ok"
			case errors.As(err, &f):
				got = f.Reason
			}
			if got != tt.want {
				t.Fatalf("%d %s: %s (%v), want %s", tt.status, tt.body, got, err, tt.want)
			}
		})
	}
}

// A bucket lookup is for Ferry processes (the admin key) only.
func TestBucketLookup(t *testing.T) {
	buckets := bucketsFunc(func(name string) (replication.BucketInfo, error) {
		if name == "dst" {
			return replication.BucketInfo{Name: "dst", Region: "us-west-2", Versioned: true}, nil
		}
		return replication.BucketInfo{}, replication.ErrBucketNotFound
	})
	tests := []struct {
		caller aws.Principal
		name   string
		want   int
	}{
		{aws.Principal{Type: aws.PrincipalAdmin}, "dst", http.StatusOK},
		{aws.Principal{Type: aws.PrincipalAdmin}, "nope", http.StatusNotFound},
		{aws.Principal{Type: aws.PrincipalRoot, Account: srcAcct}, "dst", http.StatusForbidden},
		{aws.Principal{Type: aws.PrincipalAssumedRole, RoleARN: role}, "dst", http.StatusForbidden},
	}
	for _, tt := range tests {
		h := &Handler{Buckets: buckets, Principal: func(context.Context) (aws.Principal, bool) { return tt.caller, true }}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path+"bucket?name="+tt.name, nil))
		if rec.Code != tt.want {
			t.Errorf("%s asks for %s: %d, want %d", tt.caller.Type, tt.name, rec.Code, tt.want)
		}
	}
}

type bucketsFunc func(name string) (replication.BucketInfo, error)

func (f bucketsFunc) ReplicationBucket(_ context.Context, name string) (replication.BucketInfo, error) {
	return f(name)
}

// An account's bucket listing is for Ferry processes (the admin key) only.
func TestBucketListing(t *testing.T) {
	list := func(account aws.AccountID) ([]s3.BucketSummary, error) {
		return []s3.BucketSummary{{Name: "dst", Account: account, Region: "us-west-2"}}, nil
	}
	tests := []struct {
		caller aws.Principal
		want   int
	}{
		{aws.Principal{Type: aws.PrincipalAdmin}, http.StatusOK},
		{aws.Principal{Type: aws.PrincipalRoot, Account: srcAcct}, http.StatusForbidden},
		{aws.Principal{Type: aws.PrincipalAssumedRole, RoleARN: role}, http.StatusForbidden},
	}
	for _, tt := range tests {
		h := &Handler{AccountBuckets: list, Principal: func(context.Context) (aws.Principal, bool) { return tt.caller, true }}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path+"buckets?account="+srcAcct, nil))
		if rec.Code != tt.want {
			t.Errorf("%s lists: %d, want %d", tt.caller.Type, rec.Code, tt.want)
		}
		var got []s3.BucketSummary
		if tt.want == http.StatusOK && (json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got) != 1 || got[0].Account != srcAcct) {
			t.Errorf("listing: %s", rec.Body)
		}
	}
}
