package notification

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sqs"
)

// fakeQueues answers SendAsService with err (nil: accepted) and keeps what
// it accepted.
type fakeQueues struct {
	err  error
	sent []sqs.ServiceSend
}

func (f *fakeQueues) SendAsService(_ context.Context, m sqs.ServiceSend) (sqs.Sent, error) {
	if f.err != nil {
		return sqs.Sent{}, f.err
	}
	f.sent = append(f.sent, m)
	return sqs.Sent{}, nil
}

func (f *fakeQueues) Lookup(sqs.Ref) (*sqs.Queue, error) { return nil, nil }

const owner = "111122223333"

func bucket() *s3.Bucket {
	return &s3.Bucket{Name: "src", Account: owner, Region: "us-east-1", Notification: &s3.NotificationConfiguration{
		Queues: []s3.NotificationTarget{
			{ID: "fail", Queue: "arn:aws:sqs:us-east-1:" + owner + ":a", Events: []string{"s3:Replication:OperationFailedReplication"}},
			{ID: "all", Queue: "arn:aws:sqs:us-east-1:" + owner + ":b", Events: []string{"s3:Replication:*"},
				Filter: &s3.NotificationFilter{S3Key: &s3.S3KeyFilter{Rules: []s3.FilterRule{{Name: "prefix", Value: "logs/"}}}}},
		}}}
}

func event(name, key string) *replication.Event {
	ev := &replication.Event{EventName: name}
	ev.S3.Bucket = replication.EventBucket{Name: "src", OwnerIdentity: replication.EventIdentity{PrincipalID: owner}}
	ev.S3.Object.Key = key
	return ev
}

func TestRecordMatchesConfigurations(t *testing.T) {
	tests := []struct {
		name   string
		ev     *replication.Event
		queues []string
	}{
		{"failure outside the prefix", event(replication.EventFailedReplication, "data/x"), []string{"fail"}},
		{"failure under the prefix", event(replication.EventFailedReplication, "logs/x"), []string{"fail", "all"}},
		{"missed threshold outside the prefix", event(replication.EventMissedThreshold, "data/x"), nil},
		{"another owner's bucket of that name", func() *replication.Event {
			ev := event(replication.EventFailedReplication, "logs/x")
			ev.S3.Bucket.OwnerIdentity.PrincipalID = "444455556666"
			return ev
		}(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := meta.NewMemory()
			d := New(Config{Store: store, SQS: &fakeQueues{}, Bucket: func(string) (*s3.Bucket, error) { return bucket(), nil }})
			b := store.NewBatch()
			d.Record(b, tt.ev)
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			pending, _ := d.Pending()
			if len(pending) != len(tt.queues) {
				t.Fatalf("%d deliveries, want %v", len(pending), tt.queues)
			}
			for i, p := range pending {
				if p.ConfigurationID != tt.queues[i] {
					t.Fatalf("delivery %d for %s, want %s", i, p.ConfigurationID, tt.queues[i])
				}
			}
		})
	}
}

func TestDeliverRetriesAndDrops(t *testing.T) {
	internal := sqs.ErrInternal(errors.New("disk"))
	tests := []struct {
		name    string
		err     error
		pending int
		result  string
	}{
		{"delivered", nil, 0, "delivered"},
		{"queue gone: dropped", sqs.ErrQueueDoesNotExist(), 0, "dropped"},
		{"policy denies: dropped", sqs.ErrAccessDenied("no"), 0, "dropped"},
		{"internal failure: retried", internal, 1, "retried"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := meta.NewMemory()
			clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			q := &fakeQueues{err: tt.err}
			d := New(Config{Store: store, Clock: clock, SQS: q, MaxAttempts: 2,
				Bucket: func(string) (*s3.Bucket, error) { return bucket(), nil }})
			b := store.NewBatch()
			d.Record(b, event(replication.EventFailedReplication, "data/x"))
			b.Commit()
			if err := d.Deliver(context.Background()); err != nil {
				t.Fatal(err)
			}
			pending, _ := d.Pending()
			if len(pending) != tt.pending {
				t.Fatalf("%d pending, want %d", len(pending), tt.pending)
			}
			if tt.err == nil && (len(q.sent) != 1 || q.sent[0].Service != "s3.amazonaws.com" ||
				q.sent[0].SourceArn != "arn:aws:s3:::src" || q.sent[0].SourceAccount != owner) {
				t.Fatalf("sent %+v", q.sent)
			}
			if tt.pending == 0 {
				return
			}
			// Not due before its backoff; the last attempt drops it.
			d.Deliver(context.Background())
			if pending, _ := d.Pending(); len(pending) != 1 || pending[0].Attempts != 1 {
				t.Fatalf("retried before its time: %+v", pending)
			}
			clock.Advance(time.Minute)
			d.Deliver(context.Background())
			if pending, _ := d.Pending(); len(pending) != 0 {
				t.Fatalf("not dropped after MaxAttempts: %+v", pending)
			}
		})
	}
}
