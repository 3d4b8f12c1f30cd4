package replication

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Defaults of an Engine's Config.
const (
	DefaultWorkers      = 16
	DefaultPollInterval = time.Second
	DefaultLease        = 5 * time.Minute
	DefaultBackoff      = time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	// DefaultThresholdInterval is how often running workers look for RTC
	// versions past the 15-minute threshold.
	DefaultThresholdInterval = 10 * time.Second
)

// Config holds what an Engine needs. Store, Source, Destination and Assumer
// are required; the rest have defaults.
type Config struct {
	Store       meta.Store
	Clock       aws.Clock
	Source      Source
	Destination DestinationStore
	// Peers, when set, reaches destination buckets served by other
	// processes; nil means every destination is in Destination.
	Peers   Peers
	Assumer Assumer
	// Authorizer defaults to the interim OwnerAuthorizer.
	Authorizer Authorizer
	// Encryption defaults to MatrixEncryption (spec §3.3).
	Encryption Encryption
	// Workers is the number of concurrent replications (DefaultWorkers).
	Workers int
	// PollInterval is how often idle workers look for due tasks (retries,
	// expired leases); new tasks wake them at once.
	PollInterval time.Duration
	// Lease is how long a worker owns a task before another may take it.
	Lease time.Duration
	// Backoff is the first retry delay after a transient fault; it doubles
	// per attempt up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// ThresholdInterval is how often the running engine records
	// MissedThreshold events (DefaultThresholdInterval); CheckThresholds
	// does it on demand.
	ThresholdInterval time.Duration
	// EventRetention is how many event records are kept per source bucket
	// (DefaultEventRetention).
	EventRetention int
	Logger         *slog.Logger
}

// Engine replicates object versions: Enqueue records the work inside the
// version's commit, workers lease tasks from the durable Queue and walk the
// hops (worker.go), and the outcome is written back onto the source version.
type Engine struct {
	cfg     Config
	queue   *Queue
	metrics *Collector
	events  *EventLog
	id      string // lease owner prefix, unique per engine instance
	wake    chan struct{}

	settled SettleHook

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds an engine; Start runs its workers.
func New(cfg Config) *Engine {
	if cfg.Clock == nil {
		cfg.Clock = aws.SystemClock{}
	}
	if cfg.Authorizer == nil {
		cfg.Authorizer = OwnerAuthorizer{}
	}
	if cfg.Encryption == nil {
		cfg.Encryption = MatrixEncryption{}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.ThresholdInterval <= 0 {
		cfg.ThresholdInterval = DefaultThresholdInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var b [6]byte
	rand.Read(b[:])
	q := NewQueue(cfg.Store, cfg.Clock)
	return &Engine{cfg: cfg, queue: q, metrics: newMetrics(q, cfg.Clock), events: NewEventLog(cfg.Store, cfg.EventRetention),
		id: hex.EncodeToString(b[:]), wake: make(chan struct{}, 1)}
}

// Events returns the engine's replication event log.
func (e *Engine) Events() *EventLog { return e.events }

// SettleHook learns the outcome of a task that belongs to a Batch
// Replication job (Task.Job set). It runs inside the batch that records
// the outcome on the source version and removes the task, and may add its
// own writes to it: the job's record of the outcome is durable together
// with the version's status. f is nil unless status is FAILED.
type SettleHook func(b meta.Batch, t *Task, status Status, f *Failure)

// SetSettleHook installs the hook of job tasks; call it before Start.
func (e *Engine) SetSettleHook(h SettleHook) { e.settled = h }

// Queue returns the engine's durable queue.
func (e *Engine) Queue() *Queue { return e.queue }

// Metrics returns the engine's Prometheus metrics, for registration.
func (e *Engine) Metrics() *Collector { return e.metrics }

// Enqueue adds one task per target of w to batch, the batch that commits
// the new version (which carries NewPendingState(w.Targets)): the version
// and its queue entries become durable together, or not at all.
func (e *Engine) Enqueue(batch meta.Batch, w Work) {
	now := e.cfg.Clock.Now()
	if w.Created.IsZero() {
		w.Created = now
	}
	for _, t := range w.Targets {
		d := t.Rule.Destination
		e.queue.Add(batch, &Task{
			Seq: w.Seq, SourceBucket: w.SourceBucket, SourceAccount: w.SourceAccount, SourceRegion: w.SourceRegion,
			Key: w.Key, VersionID: w.VersionID, DeleteMarker: w.DeleteMarker, TagUpdate: w.TagUpdate, ObjectLock: w.ObjectLock, Size: w.Size, ETag: w.ETag, Created: w.Created,
			Role: w.Role, RuleID: t.Rule.ID, Destination: t.Bucket, DestinationAccount: d.Account,
			StorageClass: d.StorageClass, OwnerOverride: d.OwnerOverride(), ReplicaKmsKeyID: d.ReplicaKmsKeyID(),
			Metrics: d.MetricsEnabled(), RTC: d.RTCEnabled(), Enqueued: now, Job: w.Job, JobTask: w.JobTask,
		})
	}
}

// Wake tells idle workers that new tasks were committed.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Start runs the workers until Stop. It resumes whatever the queue holds,
// including tasks leased by a previous run once their lease expires.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	tasks := make(chan *Task)
	e.wg.Add(1)
	go e.lease(ctx, e.id, tasks)
	for i := 0; i < e.cfg.Workers; i++ {
		e.wg.Add(1)
		go e.work(ctx, e.id, tasks)
	}
	e.wg.Add(1)
	go e.watchThresholds(ctx)
}

// Stop stops the workers and waits for them; a task in flight finishes or,
// if cut short, is resumed after its lease expires.
func (e *Engine) Stop() {
	e.mu.Lock()
	cancel := e.cancel
	e.cancel = nil
	e.mu.Unlock()
	if cancel != nil {
		cancel()
		e.wg.Wait()
	}
}

// lease feeds the workers: it leases due tasks in batches (one queue scan
// and one commit for up to two per worker) and hands them out, then sleeps
// until woken or the poll interval passes. Stopping, it gives back the
// tasks no worker took.
func (e *Engine) lease(ctx context.Context, owner string, tasks chan<- *Task) {
	defer e.wg.Done()
	defer close(tasks)
	timer := time.NewTimer(e.cfg.PollInterval)
	defer timer.Stop()
	for ctx.Err() == nil {
		batch, err := e.queue.LeaseBatch(owner, e.cfg.Lease, 2*e.cfg.Workers)
		if err != nil {
			e.cfg.Logger.Warn("replication lease", "err", err)
		}
		for i, t := range batch {
			select {
			case tasks <- t:
			case <-ctx.Done():
				if err := e.queue.Release(batch[i:]); err != nil {
					e.cfg.Logger.Warn("replication release", "err", err)
				}
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		timer.Reset(e.cfg.PollInterval)
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-timer.C:
		}
	}
}

// work is one worker's loop: replicate the tasks lease hands out.
func (e *Engine) work(ctx context.Context, owner string, tasks <-chan *Task) {
	defer e.wg.Done()
	for t := range tasks {
		if err := e.process(ctx, owner, t); err != nil {
			e.cfg.Logger.Warn("replication worker", "err", err)
		}
	}
}

// RunOnce leases and runs one due task as worker owner; it reports whether
// there was one. Tests drive the engine with it instead of Start.
func (e *Engine) RunOnce(ctx context.Context, owner string) (bool, error) {
	return e.runOne(ctx, owner)
}

func (e *Engine) runOne(ctx context.Context, owner string) (bool, error) {
	t, err := e.queue.Lease(owner, e.cfg.Lease)
	if err != nil || t == nil {
		return false, err
	}
	e.Wake() // there may be more: let another idle worker look
	return true, e.process(ctx, owner, t)
}

// DestinationStatus is one destination's replication detail, for
// diagnostics: the state recorded on the version and, while the task is
// queued, its attempts, last error, next attempt and lease.
type DestinationStatus struct {
	DestinationState
	Queued      bool
	NextAttempt time.Time
	LeaseOwner  string
	LeaseUntil  time.Time
}

// Status returns a source version's aggregate replication status ("" when
// it is not replicated) and the detail per destination.
func (e *Engine) Status(ctx context.Context, bucket, key, versionID string) (Status, []DestinationStatus, error) {
	st, err := e.cfg.Source.ReplicationState(ctx, bucket, key, versionID)
	if err != nil {
		return "", nil, fmt.Errorf("replication status of %s/%s (%s): %w", bucket, key, versionID, err)
	}
	if st == nil {
		return "", nil, nil
	}
	out := make([]DestinationStatus, len(st.Destinations))
	index := map[string]int{}
	for i, d := range st.Destinations {
		out[i] = DestinationStatus{DestinationState: d}
		index[d.Bucket] = i
	}
	err = e.queue.Scan(func(t *Task) bool {
		i, ok := index[t.Destination]
		if ok && t.SourceBucket == bucket && t.Key == key && t.VersionID == versionID {
			o := &out[i]
			o.Queued, o.NextAttempt, o.LeaseOwner, o.LeaseUntil = true, t.NextAttempt, t.LeaseOwner, t.LeaseUntil
			o.Attempts, o.LastAttempt, o.LastError = t.Attempts, t.LastAttempt, t.LastError
		}
		return true
	})
	if err != nil {
		return "", nil, err
	}
	return st.Status(), out, nil
}
