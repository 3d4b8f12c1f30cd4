package peer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
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
