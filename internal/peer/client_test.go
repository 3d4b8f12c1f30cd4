package peer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/sigv4"
)

// peerServer serves Handler for one region's buckets to any signed caller
// (the signature itself is checked by Ferry's HTTP front, not here).
func peerServer(t *testing.T, region string, buckets ...string) string {
	h := &Handler{
		Buckets: bucketsFunc(func(name string) (replication.BucketInfo, error) {
			for _, b := range buckets {
				if b == name {
					return replication.BucketInfo{Name: name, Region: region, Versioned: true}, nil
				}
			}
			return replication.BucketInfo{}, replication.ErrBucketNotFound
		}),
		Principal: func(context.Context) (aws.Principal, bool) { return aws.Principal{Type: aws.PrincipalAdmin}, true },
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A lookup asks every peer: the one that has the bucket answers; when none
// has it the bucket is not found; when one cannot be asked the lookup is
// transient, not a verdict.
func TestClientLookup(t *testing.T) {
	west, east := peerServer(t, "us-west-2", "dst"), peerServer(t, "eu-west-1", "other")
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct {
		name    string
		regions map[string]string
		bucket  string
		want    string // region, "notfound" or "transient"
	}{
		{"found", map[string]string{"us-west-2": west, "eu-west-1": east}, "dst", "us-west-2"},
		{"found at the other", map[string]string{"us-west-2": west, "eu-west-1": east}, "other", "eu-west-1"},
		{"nowhere", map[string]string{"us-west-2": west, "eu-west-1": east}, "none", "notfound"},
		{"a peer down", map[string]string{"us-west-2": west, "sa-east-1": down.URL}, "none", "transient"},
		{"found though another is down", map[string]string{"us-west-2": west, "sa-east-1": down.URL}, "dst", "us-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Regions: tt.regions, Admin: func() (sdkaws.Credentials, error) {
				return sdkaws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, nil
			}}
			info, err := c.ReplicationBucket(context.Background(), tt.bucket)
			got := info.Region
			switch {
			case errors.Is(err, replication.ErrBucketNotFound):
				got = "notfound"
			case err != nil:
				got = "transient"
			}
			if got != tt.want {
				t.Fatalf("%s: %q (%v), want %q", tt.bucket, got, err, tt.want)
			}
		})
	}
}

// A replica travels from Client to Handler whole: the envelope, the bytes
// (none for a delete marker), and the destination's verdict back.
func TestClientReplicate(t *testing.T) {
	caller := aws.Principal{Type: aws.PrincipalAssumedRole, AccessKeyID: "ASIA-S3", SessionToken: "tok", RoleARN: role}
	tests := []struct {
		name     string
		replica  replication.ObjectVersion
		body     string
		engine   error
		wantBody string
		want     string // "ok", a reason, or "transient"
	}{
		{"object", replication.ObjectVersion{Key: "k", VersionID: "v", Size: 5}, "bytes", nil, "bytes", "ok"},
		{"delete marker", replication.ObjectVersion{Key: "k", VersionID: "v", DeleteMarker: true}, "", nil, "", "ok"},
		{"refused", replication.ObjectVersion{Key: "k", VersionID: "v", Size: 5}, "bytes",
			replication.Fail(replication.ReasonDstKmsKeyNotFound, errors.New("no key")), "bytes", replication.ReasonDstKmsKeyNotFound},
		{"destination trouble", replication.ObjectVersion{Key: "k", VersionID: "v", Size: 5}, "bytes", errors.New("disk full"), "bytes", "transient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &acceptor{err: tt.engine}
			h := &Handler{Engine: eng, Session: session,
				Buckets: bucketsFunc(func(string) (replication.BucketInfo, error) {
					return replication.BucketInfo{Name: "dst", Region: "us-west-2", Versioned: true}, nil
				}),
				Principal: func(ctx context.Context) (aws.Principal, bool) {
					if r, _ := ctx.Value(lookupKey{}).(bool); r {
						return aws.Principal{Type: aws.PrincipalAdmin}, true
					}
					return caller, true
				}}
			// The server verifies signatures as Ferry's does, so the
			// replica's signed chunks are checked and decoded on the way.
			v := &sigv4.Verifier{Lookup: func(_ context.Context, akid string) (sigv4.Credentials, error) {
				if akid == caller.AccessKeyID {
					return sigv4.Credentials{AccessKeyID: akid, SecretAccessKey: "secret", SessionToken: "tok", Principal: caller}, nil
				}
				return sigv4.Credentials{AccessKeyID: akid, SecretAccessKey: "s", Principal: aws.Principal{Type: aws.PrincipalAdmin}}, nil
			}}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res, err := v.Verify(r)
				if err != nil {
					http.Error(w, err.Error(), http.StatusForbidden)
					return
				}
				r.Body = res.Body
				if r.Method == http.MethodGet {
					r = r.WithContext(context.WithValue(r.Context(), lookupKey{}, true))
				}
				h.ServeHTTP(w, r)
			}))
			defer srv.Close()
			c := &Client{Regions: map[string]string{"us-west-2": srv.URL},
				Admin: func() (sdkaws.Credentials, error) {
					return sdkaws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, nil
				},
				Secret: func(string) (string, error) { return "secret", nil }}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			tk := task
			err := c.Replicate(context.Background(), caller, &tk, &tt.replica, &tt.replica, body)
			got := "transient"
			var f *replication.Failure
			switch {
			case err == nil:
				got = "ok"
			case errors.As(err, &f):
				got = f.Reason
			}
			if got != tt.want || eng.body != tt.wantBody {
				t.Fatalf("%s (%v), body %q; want %s, body %q", got, err, eng.body, tt.want, tt.wantBody)
			}
		})
	}
}

type lookupKey struct{}

// A destination found once is remembered: later replicas go straight to
// its peer. When that peer no longer has the bucket the attempt is retried
// (transient), and the next one finds the bucket where it now is.
func TestClientRemembersDestination(t *testing.T) {
	type peerState struct {
		has     bool
		lookups int
		puts    int
	}
	serve := func(st *peerState, region string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			switch {
			case r.Method == http.MethodGet:
				st.lookups++
				if !st.has {
					writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such bucket"})
					return
				}
				writeJSON(w, http.StatusOK, replication.BucketInfo{Name: "dst", Region: region, Versioned: true})
			case !st.has:
				st.puts++
				writeJSON(w, http.StatusConflict, failure{Reason: replication.ReasonDstBucketNotFound, Error: "gone"})
			default:
				st.puts++
				writeJSON(w, http.StatusOK, struct{}{})
			}
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	west, east := &peerState{has: true}, &peerState{}
	c := &Client{Regions: map[string]string{"us-west-2": serve(west, "us-west-2"), "eu-west-1": serve(east, "eu-west-1")},
		Admin: func() (sdkaws.Credentials, error) {
			return sdkaws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, nil
		},
		Secret: func(string) (string, error) { return "secret", nil }}
	caller := aws.Principal{Type: aws.PrincipalAssumedRole, AccessKeyID: "ASIA-S3", SessionToken: "tok", RoleARN: role}
	replicate := func() error {
		tk := task
		v := replication.ObjectVersion{Key: "k", VersionID: "v", Size: 5}
		return c.Replicate(context.Background(), caller, &tk, &v, &v, strings.NewReader("bytes"))
	}
	for i := 0; i < 3; i++ {
		if err := replicate(); err != nil {
			t.Fatal(err)
		}
	}
	if west.lookups != 1 || west.puts != 3 {
		t.Fatalf("west: %d lookups, %d puts; want 1 and 3", west.lookups, west.puts)
	}
	west.has, east.has = false, true
	var f *replication.Failure
	if err := replicate(); err == nil || errors.As(err, &f) {
		t.Fatalf("moved bucket: %v, want a transient error", err)
	}
	if err := replicate(); err != nil {
		t.Fatalf("after the move: %v", err)
	}
	if east.puts != 1 {
		t.Fatalf("east: %d puts, want 1", east.puts)
	}
	east.has = false
	if err := replicate(); err == nil || errors.As(err, &f) {
		t.Fatalf("deleted bucket, remembered peer: %v, want a transient error", err)
	}
	if err := replicate(); !errors.As(err, &f) || f.Reason != replication.ReasonDstBucketNotFound {
		t.Fatalf("no peer has it: %v, want %s", err, replication.ReasonDstBucketNotFound)
	}
}
