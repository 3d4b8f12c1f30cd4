package bench

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestKeySize(t *testing.T) {
	tests := []struct {
		path string
		want int64
		ok   bool
	}{
		{"/b/4KiB/w000/00000001", 4096, true},
		{"/b/64MiB/w001/00000002", 64 << 20, true},
		{"/b/100B/w000/0", 100, true},
		{"/b", 0, false},
		{"/b/xKiB/w", 0, false},
	}
	for _, tt := range tests {
		got, err := keySize(tt.path)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("keySize(%q) = %d, %v", tt.path, got, err)
		}
	}
}

// TestRunAgainstNullServer runs both phases end to end against the baseline
// server and checks the figures add up.
func TestRunAgainstNullServer(t *testing.T) {
	n, err := StartNullServer()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	res, err := Run(context.Background(), Config{
		Endpoint: n.URL, Region: "us-east-1", Credentials: aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"},
		Bucket: "b", Concurrency: 4, Sizes: []int64{4096}, Duration: time.Second, MaxOps: 200,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Op != "PUT" || res[1].Op != "GET" {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if r.Ops != 200 || r.Errors != 0 || r.OpsPerSec() <= 0 || r.Percentile(50) <= 0 {
			t.Errorf("%s: %d ops, %d errors, %v", r.Op, r.Ops, r.Errors, r.FirstError)
		}
	}
}
