package replication

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// tableQueue is the replication engine's table byte in the metadata store.
// Key schema:
//
//	'r' 'q' seq destBucket            → Task   (seq: the source version's sequence number)
//	'r' 'q' seq destBucket job index  → Task   (a Batch Replication job's task)
//
// A job's task has a key of its own, so that it neither replaces nor is
// replaced by live work (or another job's) on the same version.
// Tasks therefore scan in the order their versions were written.
const tableQueue = 'r'

var queuePrefix = meta.NewKey(tableQueue).Bytes([]byte{'q'})

func taskKey(seq uint64, dest string) []byte {
	return queuePrefix.Uint64(seq).String(dest)
}

// Task is one queue entry: one source version to replicate to one
// destination. The rule's settings are copied in at enqueue time, so a task
// finishes under the configuration it was created with even if the
// configuration changes or is deleted meanwhile (§12.7: "prefer finishing").
type Task struct {
	Seq           uint64        `json:"seq"`
	SourceBucket  string        `json:"src"`
	SourceAccount aws.AccountID `json:"srcAccount"`
	SourceRegion  string        `json:"srcRegion,omitempty"`
	Key           string        `json:"key"`
	VersionID     string        `json:"vid"`
	DeleteMarker  bool          `json:"dm,omitempty"`
	// TagUpdate: copy the source version's current tags onto an existing
	// replica instead of writing the replica.
	TagUpdate bool `json:"tags,omitempty"`
	// ObjectLock: the source bucket had Object Lock when the task was
	// queued; the destination must have it too.
	ObjectLock bool      `json:"lock,omitempty"`
	Size       int64     `json:"size"`
	ETag       string    `json:"etag,omitempty"`
	Created    time.Time `json:"created"`

	Role               string `json:"role"`
	RuleID             string `json:"rule,omitempty"`
	Destination        string `json:"dst"`
	DestinationAccount string `json:"dstAccount,omitempty"`
	StorageClass       string `json:"sc,omitempty"`
	OwnerOverride      bool   `json:"ownerOverride,omitempty"`
	ReplicaKmsKeyID    string `json:"replicaKey,omitempty"`
	// Metrics: the rule has replication metrics, so a failure is recorded
	// as a FailedReplication event (§6.1). RTC: the rule has Replication
	// Time Control, so the threshold events are recorded too; Missed: the
	// MissedThreshold event has been recorded.
	Metrics bool `json:"metrics,omitempty"`
	RTC     bool `json:"rtc,omitempty"`
	Missed  bool `json:"missed,omitempty"`

	// Job and JobTask name the Batch Replication job and task that asked
	// for this replication ("" for live replication); the engine reports
	// the outcome to its SettleHook.
	Job     string `json:"job,omitempty"`
	JobTask uint64 `json:"jobTask,omitempty"`

	Enqueued    time.Time `json:"enqueued"`
	Attempts    int       `json:"attempts,omitempty"`
	LastAttempt time.Time `json:"last,omitempty"`
	LastError   string    `json:"err,omitempty"`
	NextAttempt time.Time `json:"next,omitempty"`

	// LeaseOwner and LeaseUntil: a worker owns the task until LeaseUntil;
	// after that (a crash, a hung worker) any worker may take it again.
	LeaseOwner string    `json:"owner,omitempty"`
	LeaseUntil time.Time `json:"until,omitempty"`
}

func (t *Task) key() []byte {
	if t.Job == "" {
		return taskKey(t.Seq, t.Destination)
	}
	return queuePrefix.Uint64(t.Seq).String(t.Destination).String(t.Job).Uint64(t.JobTask)
}

// SourceARN is the source bucket's ARN (aws:SourceArn when assuming the role).
func (t *Task) SourceARN() string { return "arn:aws:s3:::" + t.SourceBucket }

// Queue is the durable replication queue with leases. Leasing is
// serialised within the process by leaseMu; several processes sharing one
// store would need a compare-and-set in meta.Store (not available yet).
//
// mu orders the writers of a task: settling a task, retrying it and
// leasing share it (each touches only tasks it holds or that nobody
// holds), while the threshold check, which marks any queued task, takes
// it alone — so a mark is never lost nor written onto a settled task.
type Queue struct {
	store   meta.Store
	clock   aws.Clock
	mu      sync.RWMutex
	leaseMu sync.Mutex
}

// NewQueue returns the queue kept in store.
func NewQueue(store meta.Store, clock aws.Clock) *Queue {
	return &Queue{store: store, clock: clock}
}

// Add writes a task into batch (the batch of the version's commit).
func (q *Queue) Add(batch meta.Batch, t *Task) {
	batch.Set(t.key(), encodeTask(t))
}

// Remove deletes a task in batch (the batch that settles its status).
func (q *Queue) Remove(batch meta.Batch, t *Task) {
	batch.Delete(t.key())
}

// Lease takes the first task that is due and not leased (or whose lease
// expired), records owner and the lease expiry durably, and returns it;
// nil when there is nothing to do.
func (q *Queue) Lease(owner string, ttl time.Duration) (*Task, error) {
	ts, err := q.LeaseBatch(owner, ttl, 1)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	return ts[0], nil
}

// LeaseBatch is Lease for up to n tasks, in queue order, leased in one
// commit: one scan of the queue serves n replications.
func (q *Queue) LeaseBatch(owner string, ttl time.Duration, n int) ([]*Task, error) {
	q.leaseMu.Lock()
	defer q.leaseMu.Unlock()
	q.mu.RLock()
	defer q.mu.RUnlock()
	now := q.clock.Now()
	var found []*Task
	err := q.Scan(func(t *Task) bool {
		if !t.LeaseUntil.After(now) && !t.NextAttempt.After(now) {
			found = append(found, t)
		}
		return len(found) < n
	})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	batch := q.store.NewBatch()
	defer batch.Close()
	for _, t := range found {
		t.LeaseOwner, t.LeaseUntil = owner, now.Add(ttl)
		batch.Set(t.key(), encodeTask(t))
	}
	if err := batch.Commit(); err != nil {
		return nil, fmt.Errorf("replication queue: lease %d tasks: %w", len(found), err)
	}
	return found, nil
}

// Release gives back leased tasks that were never started (the engine
// stopping with work in hand), so that they are due again at once rather
// than when their lease runs out.
func (q *Queue) Release(ts []*Task) error {
	if len(ts) == 0 {
		return nil
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	batch := q.store.NewBatch()
	defer batch.Close()
	for _, t := range ts {
		cur, err := q.get(t.key())
		if err != nil || cur == nil || cur.LeaseOwner != t.LeaseOwner {
			continue
		}
		cur.LeaseOwner, cur.LeaseUntil = "", time.Time{}
		batch.Set(cur.key(), encodeTask(cur))
	}
	return batch.Commit()
}

// Holds reports whether owner is still t's lessee: the task exists and no
// other worker has leased it since. An expired lease that nobody took over
// still counts, so a replication that outlives its lease (a large object)
// settles instead of starting over; if another worker did take it over,
// both may write the replica, which is idempotent, and the later lessee
// settles.
func (q *Queue) Holds(t *Task, owner string) (bool, error) {
	cur, err := q.get(t.key())
	if err != nil || cur == nil {
		return false, err
	}
	return cur.LeaseOwner == owner, nil
}

// Retry releases t's lease after a transient failure: the attempt is
// counted, the error kept, and the task is due again at next. A task its
// lessee no longer holds (settled, or leased by another worker since, see
// Holds) is left to whoever has it.
func (q *Queue) Retry(t *Task, cause error, next time.Time) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	cur, err := q.get(t.key())
	if err != nil || cur == nil || cur.LeaseOwner != t.LeaseOwner {
		return err
	}
	if cur.Missed {
		t.Missed = true // recorded by the threshold check while t was out
	}
	t.LastError = cause.Error()
	t.NextAttempt = next
	t.LeaseOwner, t.LeaseUntil = "", time.Time{}
	return q.put(t)
}

// Get reads one live task; nil when it is gone.
func (q *Queue) Get(seq uint64, dest string) (*Task, error) {
	return q.get(taskKey(seq, dest))
}

func (q *Queue) get(key []byte) (*Task, error) {
	raw, err := q.store.Get(key)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("replication queue: get: %w", err)
	}
	return decodeTask(raw)
}

// Scan calls fn for every task in order until fn returns false.
func (q *Queue) Scan(fn func(*Task) bool) error {
	it, err := q.store.NewIterator(queuePrefix, meta.PrefixEnd(queuePrefix))
	if err != nil {
		return fmt.Errorf("replication queue: scan: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		t, err := decodeTask(it.Value())
		if err != nil {
			return err
		}
		if !fn(t) {
			break
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("replication queue: scan: %w", err)
	}
	return nil
}

func (q *Queue) put(t *Task) error {
	batch := q.store.NewBatch()
	defer batch.Close()
	batch.Set(t.key(), encodeTask(t))
	if err := batch.Commit(); err != nil {
		return fmt.Errorf("replication queue: write task %s/%s → %s: %w", t.SourceBucket, t.Key, t.Destination, err)
	}
	return nil
}

func encodeTask(t *Task) []byte {
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("replication: encode task: %v", err)) // plain data
	}
	return b
}

func decodeTask(raw []byte) (*Task, error) {
	var t Task
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("replication queue: decode task: %w", err)
	}
	return &t, nil
}
