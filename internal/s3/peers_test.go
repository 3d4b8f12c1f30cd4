package s3

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
)

// fakePeers serves buckets "in another process".
type fakePeers struct {
	buckets []BucketSummary
	down    bool
}

func (f *fakePeers) ReplicationBucket(_ context.Context, name string) (replication.BucketInfo, error) {
	if f.down {
		return replication.BucketInfo{}, errors.New("connection refused")
	}
	for _, b := range f.buckets {
		if b.Name == name {
			return replication.BucketInfo{Name: b.Name, Account: b.Account, Region: b.Region, Versioned: true}, nil
		}
	}
	return replication.BucketInfo{}, replication.ErrBucketNotFound
}

func (f *fakePeers) AccountBuckets(_ context.Context, account aws.AccountID) ([]BucketSummary, error) {
	if f.down {
		return nil, errors.New("connection refused")
	}
	var out []BucketSummary
	for _, b := range f.buckets {
		if b.Account == account {
			out = append(out, b)
		}
	}
	return out, nil
}

// With peers, bucket names are one namespace and listings span processes.
func TestPeersShareTheNamespace(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t) // owner's "bkt" in us-east-1, here
	peers := &fakePeers{buckets: []BucketSummary{
		{Name: "aaa-west", Account: owner.Account, Region: "us-west-2"},
		{Name: "zzz-west", Account: owner.Account, Region: "us-west-2"},
		{Name: "theirs", Account: "222222222222", Region: "us-west-2"},
	}}
	s.SetPeers(peers)
	creates := []struct {
		who  aws.Principal
		name string
		code string
	}{
		{owner, "aaa-west", "BucketAlreadyOwnedByYou"},
		{owner, "theirs", "BucketAlreadyExists"},
		{owner, "fresh", ""},
	}
	for _, c := range creates {
		_, err := s.CreateBucket(ctx, c.who, CreateBucketInput{Bucket: c.name, Region: "us-east-1"})
		if got := codeOf(err); got != c.code {
			t.Errorf("create %s: %v, want %q", c.name, err, c.code)
		}
	}
	lists := []struct {
		in   ListBucketsInput
		want string
	}{
		{ListBucketsInput{}, "[aaa-west bkt fresh zzz-west] "},
		{ListBucketsInput{BucketRegion: "us-west-2"}, "[aaa-west zzz-west] "},
		{ListBucketsInput{MaxBuckets: 2}, "[aaa-west bkt] bkt"},
		{ListBucketsInput{MaxBuckets: 2, ContinuationToken: "bkt"}, "[fresh zzz-west] "},
	}
	for _, l := range lists {
		out, err := s.ListBuckets(ctx, owner, l.in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, b := range out.Buckets {
			names = append(names, b.Name)
		}
		if got := fmt.Sprint(names) + " " + out.ContinuationToken; got != l.want {
			t.Errorf("ListBuckets %+v: %q, want %q", l.in, got, l.want)
		}
	}
	if out, err := s.ListBuckets(ctx, other, ListBucketsInput{}); err != nil || len(out.Buckets) != 1 || out.Buckets[0].Name != "theirs" {
		t.Errorf("another account's listing: %+v, %v", out.Buckets, err)
	}
	peers.down = true
	if _, err := s.ListBuckets(ctx, owner, ListBucketsInput{}); codeOf(err) != "ServiceUnavailable" {
		t.Errorf("listing with a peer down: %v", err)
	}
	if _, err := s.CreateBucket(ctx, owner, CreateBucketInput{Bucket: "another", Region: "us-east-1"}); codeOf(err) != "ServiceUnavailable" {
		t.Errorf("creating with a peer down: %v", err)
	}
}

func codeOf(err error) string {
	if e, ok := aws.As(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
