package replication_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
)

// elsewhere hides the destination bucket, as a process that does not serve
// its region sees it.
type elsewhere struct{ replication.DestinationStore }

func (elsewhere) ReplicationBucket(_ context.Context, name string) (replication.BucketInfo, error) {
	return replication.BucketInfo{}, fmt.Errorf("%w: %s", replication.ErrBucketNotFound, name)
}

// loopPeers stands for the HTTP peers: the destination's engine runs the
// destination hops (Accept) unless the peer is down or refuses.
type loopPeers struct {
	dst    *replication.Engine
	answer error // when set, returned instead
}

func (p loopPeers) Replicate(ctx context.Context, s aws.Principal, t *replication.Task, src, r *replication.ObjectVersion, body io.Reader) error {
	if p.answer != nil {
		return p.answer
	}
	return p.dst.Accept(ctx, s, t, src, r, body)
}

func (p loopPeers) ReplicateTags(ctx context.Context, s aws.Principal, t *replication.Task, src *replication.ObjectVersion) error {
	if p.answer != nil {
		return p.answer
	}
	return p.dst.AcceptTags(ctx, s, t, src)
}

// A destination bucket this process does not serve goes to the peers: the
// peer's verdict settles the version as the in-process hops would, and a
// peer that cannot be reached leaves it PENDING.
func TestPeersDeliver(t *testing.T) {
	tests := []struct {
		name       string
		peers      func(dst *replication.Engine) replication.Peers
		want       replication.Status
		wantReason string
	}{
		{"delivered", func(dst *replication.Engine) replication.Peers { return loopPeers{dst: dst} }, replication.StatusCompleted, ""},
		{"peer refuses", func(dst *replication.Engine) replication.Peers {
			return loopPeers{answer: replication.Fail(replication.ReasonDstKmsKeyInvalidState, errors.New("disabled"))}
		}, replication.StatusFailed, replication.ReasonDstKmsKeyInvalidState},
		{"peer down", func(dst *replication.Engine) replication.Peers {
			return loopPeers{answer: errors.New("dial tcp: connection refused")}
		}, replication.StatusPending, ""},
		{"no peers", func(*replication.Engine) replication.Peers { return nil }, replication.StatusFailed, replication.ReasonDstBucketNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, options{})
			// f.engine is the destination's process; source is this one.
			source := replication.New(replication.Config{Store: f.store, Clock: f.clock, Source: f.s3,
				Destination: elsewhere{f.s3}, Peers: tt.peers(f.engine), Assumer: f.assume})
			vid := f.put("a.txt", "over the wire", "k=v")
			for {
				did, err := source.RunOnce(f.ctx, "src-worker")
				if err != nil {
					t.Fatal(err)
				}
				if !did {
					break
				}
			}
			st, detail := f.status("a.txt", vid)
			if st != tt.want || len(detail) != 1 || detail[0].FailureReason != tt.wantReason {
				t.Fatalf("status %s %+v, want %s %q", st, detail, tt.want, tt.wantReason)
			}
			_, err := f.version(acctA, "dst", "a.txt", vid)
			if (err == nil) != (tt.want == replication.StatusCompleted) {
				t.Fatalf("replica: %v", err)
			}
		})
	}
}
