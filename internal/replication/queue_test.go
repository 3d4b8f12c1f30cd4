package replication

import (
	"errors"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

func addTasks(t *testing.T, q *Queue, store meta.Store, tasks ...*Task) {
	t.Helper()
	batch := store.NewBatch()
	defer batch.Close()
	for _, task := range tasks {
		q.Add(batch, task)
	}
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestQueueLease: a leased task is invisible to other workers until its
// lease expires (a crashed worker), then another worker resumes it; the
// lease is durable (a second Queue over the same store sees it).
func TestQueueLease(t *testing.T) {
	store := meta.NewMemory()
	clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := NewQueue(store, clock)
	addTasks(t, q, store,
		&Task{Seq: 2, SourceBucket: "src", Key: "b", Destination: "dst"},
		&Task{Seq: 1, SourceBucket: "src", Key: "a", Destination: "dst"})

	first, err := q.Lease("w1", time.Minute)
	if err != nil || first == nil || first.Key != "a" {
		t.Fatalf("first lease = %+v, %v; want the oldest task (seq 1)", first, err)
	}
	second, _ := q.Lease("w1", time.Minute)
	if second == nil || second.Key != "b" {
		t.Fatalf("second lease = %+v, want b", second)
	}
	// "Crash": a new queue (another process after restart) over the same store.
	q2 := NewQueue(store, clock)
	if got, _ := q2.Lease("w2", time.Minute); got != nil {
		t.Fatalf("leased task handed out again before expiry: %+v", got)
	}
	if held, _ := q.Holds(first, "w1"); !held {
		t.Fatal("w1 should hold its lease")
	}
	clock.Advance(time.Minute + time.Second)
	if held, _ := q.Holds(first, "w1"); !held {
		t.Fatal("an expired lease nobody took over is still w1's")
	}
	resumed, err := q2.Lease("w2", time.Minute)
	if err != nil || resumed == nil || resumed.Key != "a" || resumed.LeaseOwner != "w2" {
		t.Fatalf("resume after expiry = %+v, %v", resumed, err)
	}
	if held, _ := q.Holds(first, "w1"); held {
		t.Fatal("w1 still holds a task w2 took over")
	}
}

// TestQueueRetry: a retried task keeps its error and is not due before its
// next attempt.
func TestQueueRetry(t *testing.T) {
	store := meta.NewMemory()
	clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := NewQueue(store, clock)
	addTasks(t, q, store, &Task{Seq: 1, SourceBucket: "src", Key: "a", Destination: "dst"})
	task, _ := q.Lease("w1", time.Minute)
	if err := q.Retry(task, errors.New("destination unreachable"), clock.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := q.Lease("w1", time.Minute); got != nil {
		t.Fatal("task due before its next attempt")
	}
	clock.Advance(10 * time.Second)
	got, _ := q.Lease("w1", time.Minute)
	if got == nil || got.LastError != "destination unreachable" {
		t.Fatalf("after backoff = %+v", got)
	}
	batch := store.NewBatch()
	q.Remove(batch, got)
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
	if left, _ := q.Get(1, "dst"); left != nil {
		t.Fatal("removed task still there")
	}
}

// TestQueueRetryNotHeld: a worker retrying a task it no longer holds
// leaves it alone: one another worker took over stays that worker's, and
// one settled meanwhile is not written back.
func TestQueueRetryNotHeld(t *testing.T) {
	store := meta.NewMemory()
	clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := NewQueue(store, clock)
	addTasks(t, q, store, &Task{Seq: 1, SourceBucket: "src", Key: "a", Destination: "dst"})
	first, _ := q.Lease("w1", time.Minute)
	clock.Advance(2 * time.Minute)
	second, _ := q.Lease("w2", time.Minute)
	if second == nil {
		t.Fatal("expired lease not taken over")
	}
	if err := q.Retry(first, errors.New("timeout"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if cur, _ := q.Get(1, "dst"); cur == nil || cur.LeaseOwner != "w2" || cur.LastError != "" {
		t.Fatalf("after the old lessee's retry = %+v", cur)
	}
	batch := store.NewBatch()
	q.Remove(batch, second)
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := q.Retry(second, errors.New("timeout"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if cur, _ := q.Get(1, "dst"); cur != nil {
		t.Fatalf("settled task written back by a retry: %+v", cur)
	}
}

func TestBackoff(t *testing.T) {
	e := New(Config{Store: meta.NewMemory(), Backoff: time.Second, MaxBackoff: 10 * time.Second})
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 20: 10 * time.Second} {
		if got := e.backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestStateStatus(t *testing.T) {
	var none *State
	if none.Status() != "" || !ReplicaState().IsReplica() || ReplicaState().Status() != StatusReplica {
		t.Fatal("nil and replica states")
	}
	st := &State{Destinations: []DestinationState{{Bucket: "a", Status: StatusCompleted}, {Bucket: "b", Status: StatusPending}}}
	if st.Status() != StatusPending {
		t.Fatalf("one pending: %s", st.Status())
	}
	st.Destinations[1].Status = StatusCompleted
	if st.Status() != StatusCompleted {
		t.Fatalf("all completed: %s", st.Status())
	}
	st.Destinations[0].Status = StatusFailed
	if st.Status() != StatusFailed {
		t.Fatalf("one failed: %s", st.Status())
	}
}
