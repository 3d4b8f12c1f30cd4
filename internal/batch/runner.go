package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
)

// Start runs the job runner until Stop; it resumes the jobs a previous run
// left unfinished.
func (s *Service) Start() {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		timer := time.NewTimer(s.cfg.PollInterval)
		defer timer.Stop()
		for ctx.Err() == nil {
			if err := s.RunPass(ctx); err != nil {
				s.cfg.Logger.Warn("batch runner", "err", err)
			}
			timer.Reset(s.cfg.PollInterval)
			select {
			case <-ctx.Done():
			case <-s.wake:
			case <-timer.C:
			}
		}
	}()
}

// Stop stops the runner and waits for it.
func (s *Service) Stop() {
	s.runMu.Lock()
	cancel := s.cancel
	s.cancel = nil
	s.runMu.Unlock()
	if cancel != nil {
		cancel()
		s.wg.Wait()
	}
}

// RunPass moves every unfinished job one step on, highest priority first.
// Tests drive the service with it instead of Start.
func (s *Service) RunPass(ctx context.Context) error {
	jobs, err := s.unfinished()
	if err != nil {
		return err
	}
	slices.SortStableFunc(jobs, func(a, b *Job) int { return int(b.Priority) - int(a.Priority) })
	var errs []error
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		if err := s.step(ctx, j); err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", j.ID, err))
		}
	}
	return errors.Join(errs...)
}

// unfinished returns every job not in a terminal status.
func (s *Service) unfinished() ([]*Job, error) {
	it, err := s.cfg.Store.NewIterator(indexPrefix, meta.PrefixEnd(indexPrefix))
	if err != nil {
		return nil, err
	}
	type ref struct{ account, id string }
	var refs []ref
	for ok := it.First(); ok; ok = it.Next() {
		id, _, ok := meta.ReadString(it.Key()[len(indexPrefix):])
		if ok {
			refs = append(refs, ref{string(it.Value()), id})
		}
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	var out []*Job
	for _, r := range refs {
		j, err := s.load(aws.AccountID(r.account), r.id)
		if err != nil {
			return nil, err
		}
		if !Terminal(j.Status) {
			out = append(out, j)
		}
	}
	return out, nil
}

// step moves one job on by one stage.
func (s *Service) step(ctx context.Context, j *Job) error {
	switch j.Status {
	case StatusNew:
		return s.transition(j, StatusNew, func(j *Job) { j.Status = StatusPreparing })
	case StatusPreparing:
		return s.prepare(ctx, j)
	case StatusReady:
		now := s.cfg.Clock.Now().UTC()
		return s.transition(j, StatusReady, func(j *Job) { j.Status, j.ActiveSince = StatusActive, &now })
	case StatusActive, StatusCancelling:
		return s.run(ctx, j)
	case StatusCompleting:
		return s.finish(ctx, j, StatusComplete)
	case StatusFailing:
		return s.finish(ctx, j, StatusFailed)
	}
	return nil
}

// transition applies fn if the job is still in status from (a caller may
// have cancelled it meanwhile).
func (s *Service) transition(j *Job, from string, fn func(*Job)) error {
	_, err := s.update(j.Account, j.ID, func(cur *Job) error {
		if cur.Status != from {
			return errMoved
		}
		fn(cur)
		return nil
	})
	if errors.Is(err, errMoved) {
		return nil
	}
	if err == nil {
		s.Wake()
	}
	return err
}

var errMoved = errors.New("batch: job status changed meanwhile")

// fail ends a job Failed with one failure reason.
func (s *Service) fail(j *Job, from, code, reason string) error {
	now := s.cfg.Clock.Now().UTC()
	s.cfg.Logger.Info("batch job failed", "job", j.ID, "code", code, "reason", reason)
	return s.transition(j, from, func(j *Job) {
		j.Status, j.Terminated = StatusFailed, &now
		j.FailureReasons = append(j.FailureReasons, Failure{Code: code, Reason: reason})
		j.stopClock(now)
	})
}

func (j *Job) stopClock(now time.Time) {
	if j.ActiveSince != nil {
		j.ActiveSeconds += int64(now.Sub(*j.ActiveSince).Seconds())
		j.ActiveSince = nil
	}
}

// session assumes the job's role as batchoperations.s3.amazonaws.com (the
// Assumer reuses a live session until IAM changes).
func (s *Service) session(ctx context.Context, j *Job) (aws.Principal, error) {
	return s.cfg.Assumer(ctx, j.RoleArn, string(j.Account), j.ARN())
}

// sessionFailed handles session's error for a job in status from: a role
// S3 Batch Operations may not assume fails the job
// (AssumeRoleNotPermitted); any other error is returned.
func (s *Service) sessionFailed(j *Job, from string, err error) error {
	e, ok := aws.As(err)
	if !ok || e.Status != http.StatusForbidden {
		return err
	}
	return s.fail(j, from, replication.ReasonAssumeRoleNotPermitted,
		fmt.Sprintf("S3 Batch Operations (%s) cannot assume role %s: %s", ServicePrincipal, j.RoleArn, e.Message))
}

// prepare assumes the role, reads or generates the manifest, writes one
// task per line, and leaves the job Suspended (awaiting confirmation) or
// Ready. Running it again (after a restart) rewrites the same tasks.
func (s *Service) prepare(ctx context.Context, j *Job) error {
	sess, err := s.session(ctx, j)
	if err != nil {
		return s.sessionFailed(j, StatusPreparing, err)
	}
	var tasks []Task
	var generated *Manifest
	if j.Manifest != nil {
		tasks, err = s.readManifest(ctx, sess, j)
	} else {
		tasks, generated, err = s.generate(ctx, sess, j)
	}
	var jf *jobFailure
	if errors.As(err, &jf) {
		return s.fail(j, StatusPreparing, jf.code, jf.reason)
	}
	if err != nil {
		return err
	}
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	for i := range tasks {
		b.Set(taskKey(j.ID, uint64(i)), mustJSON(&tasks[i]))
	}
	if err := b.Commit(); err != nil {
		return err
	}
	now := s.cfg.Clock.Now().UTC()
	return s.transition(j, StatusPreparing, func(j *Job) {
		j.Total, j.GeneratedManifest = int64(len(tasks)), generated
		if j.ConfirmationRequired {
			j.Status, j.Suspended, j.SuspendedCause = StatusSuspended, &now, "AwaitingConfirmation"
		} else {
			j.Status = StatusReady
		}
	})
}

// jobFailure fails the whole job (as opposed to one of its tasks).
type jobFailure struct{ code, reason string }

func (f *jobFailure) Error() string { return f.code + ": " + f.reason }

func failJob(code, format string, args ...any) error {
	return &jobFailure{code: code, reason: fmt.Sprintf(format, args...)}
}

// run hands the next tasks to the engine, gathers the outcomes of the
// started ones, and moves the job to Completing when all are settled (or
// to Cancelled once a cancelled job's started tasks are).
func (s *Service) run(ctx context.Context, j *Job) error {
	startedBefore := j.Started
	if j.Status == StatusActive {
		if err := s.startTasks(ctx, j); err != nil {
			return err
		}
	}
	// Another pass at once only if there are more tasks to start or the
	// status moves; settled tasks wake the runner themselves.
	again := j.Started > startedBefore && j.Started < uint64(j.Total)
	succeeded, failed, settled, err := s.gather(j)
	if err != nil {
		return err
	}
	now := s.cfg.Clock.Now().UTC()
	var cancelled bool
	_, err = s.update(j.Account, j.ID, func(cur *Job) error {
		cur.Succeeded, cur.Failed = succeeded, failed
		cur.Started = max(cur.Started, j.Started)
		allStarted := cur.Started >= uint64(cur.Total)
		from := cur.Status
		defer func() { again = again || cur.Status != from }()
		switch {
		case cur.Status == StatusActive && s.overThreshold(succeeded, failed):
			cur.Status = StatusFailing
			cur.FailureReasons = append(cur.FailureReasons, Failure{Code: "JobFailureThresholdExceeded",
				Reason: fmt.Sprintf("More than half of the first %d tasks failed (%d of %d)", s.cfg.FailureThreshold, failed, succeeded+failed)})
			cur.stopClock(now)
		case cur.Status == StatusActive && allStarted && settled == cur.Started:
			cur.Status = StatusCompleting
			cur.stopClock(now)
		case cur.Status == StatusCancelling && settled == cur.Started:
			cancelled = true
			cur.stopClock(now)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if again {
		s.Wake()
	}
	if cancelled {
		return s.finish(ctx, j, StatusCancelled)
	}
	return nil
}

// overThreshold applies AWS's job failure threshold: once
// FailureThreshold tasks have settled, a job more than half of whose
// tasks failed fails.
func (s *Service) overThreshold(succeeded, failed int64) bool {
	n := succeeded + failed
	return n >= int64(s.cfg.FailureThreshold) && failed*2 > n
}

// startTasks hands up to StartPerPass tasks to the engine, advancing
// j.Started; run records it with the pass's outcomes.
func (s *Service) startTasks(ctx context.Context, j *Job) error {
	if j.Started >= uint64(j.Total) {
		return nil
	}
	sess, err := s.session(ctx, j)
	if err != nil {
		return s.sessionFailed(j, StatusActive, err)
	}
	end := min(j.Started+uint64(s.cfg.StartPerPass), uint64(j.Total))
	for idx := j.Started; idx < end; idx++ {
		if err := s.startTask(ctx, j, sess, idx); err != nil {
			return err
		}
		j.Started = idx + 1
	}
	return nil
}

// startTask checks s3:InitiateReplication as the job's role and enqueues
// the version, or records why the task failed at once.
func (s *Service) startTask(ctx context.Context, j *Job, sess aws.Principal, idx uint64) error {
	t, err := s.task(j.ID, idx)
	if err != nil || t.Started || t.Done {
		return err
	}
	arn := "arn:aws:s3:::" + t.Bucket + "/" + t.Key
	d, err := s.cfg.Objects.Decide(ctx, sess, ActionInitiateReplication, arn, nil)
	switch {
	case aws.IsCode(err, "NoSuchBucket"):
		return s.finishTask(j.ID, idx, t, replication.Fail(replication.ReasonSrcBucketNotFound, err))
	case err != nil && !aws.IsCode(err, "AccessDenied"):
		return err
	case !d.Allowed:
		return s.finishTask(j.ID, idx, t, replication.Fail(replication.ReasonInitiateReplicationNotPermitted,
			fmt.Errorf("User: %s is not authorized to perform: %s on resource: %s", sess.ARN, ActionInitiateReplication, arn)))
	}
	_, err = s.cfg.Objects.ReplicateForJob(ctx, j.Region, t.Bucket, t.Key, t.VersionID, j.ID, idx, func(b meta.Batch, n int) {
		t.Started, t.Destinations = true, n
		b.Set(taskKey(j.ID, idx), mustJSON(t))
	})
	var f *replication.Failure
	if errors.As(err, &f) {
		return s.finishTask(j.ID, idx, t, f)
	}
	return err
}

// finishTask records a task that failed before reaching the engine.
func (s *Service) finishTask(id string, idx uint64, t *Task, f *replication.Failure) error {
	t.Started, t.Done, t.Succeeded = true, true, false
	t.ErrorCode, t.HTTPStatus, t.Message = f.Reason, reasonStatus(f.Reason), f.Error()
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	b.Set(taskKey(id, idx), mustJSON(t))
	return b.Commit()
}

// reasonStatus is the HTTP status a report row shows for a failure reason.
func reasonStatus(reason string) int {
	switch {
	case strings.HasSuffix(reason, "NotPermitted"):
		return http.StatusForbidden
	case strings.HasSuffix(reason, "NotFound"):
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

func (s *Service) task(id string, idx uint64) (*Task, error) {
	raw, err := s.cfg.Store.Get(taskKey(id, idx))
	if err != nil {
		return nil, fmt.Errorf("batch: task %d of job %s: %w", idx, id, err)
	}
	var t Task
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("batch: decode task: %w", err)
	}
	return &t, nil
}

// gather settles started tasks whose destinations all reported and
// counts the outcomes.
func (s *Service) gather(j *Job) (succeeded, failed int64, settled uint64, err error) {
	var pending []uint64
	tasks := map[uint64]*Task{}
	err = s.scanTasks(j.ID, func(idx uint64, t *Task) {
		switch {
		case t.Done && t.Succeeded:
			succeeded++
			settled++
		case t.Done:
			failed++
			settled++
		case t.Started:
			pending = append(pending, idx)
			tasks[idx] = t
		}
	})
	if err != nil {
		return
	}
	if len(pending) == 0 {
		return
	}
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	var done int
	for _, idx := range pending {
		t := tasks[idx]
		results, rerr := s.results(j.ID, idx)
		if rerr != nil {
			return 0, 0, 0, rerr
		}
		if len(results) < t.Destinations {
			continue
		}
		t.Done, t.Succeeded, t.HTTPStatus = true, true, http.StatusOK
		for _, r := range results {
			if r.Status != string(replication.StatusCompleted) {
				t.Succeeded = false
				t.ErrorCode, t.HTTPStatus, t.Message = r.Reason, reasonStatus(r.Reason), r.Message
				break
			}
		}
		b.Set(taskKey(j.ID, idx), mustJSON(t))
		done++
		settled++
		if t.Succeeded {
			succeeded++
		} else {
			failed++
		}
	}
	if done > 0 {
		if err = b.Commit(); err != nil {
			return 0, 0, 0, err
		}
	}
	return
}

func (s *Service) scanTasks(id string, fn func(uint64, *Task)) error {
	prefix := tasksPrefix(id)
	it, err := s.cfg.Store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		idx, _, ok := meta.ReadUint64(it.Key()[len(prefix):])
		if !ok {
			return fmt.Errorf("batch: malformed task key %q", it.Key())
		}
		var t Task
		if err := json.Unmarshal(it.Value(), &t); err != nil {
			return fmt.Errorf("batch: decode task: %w", err)
		}
		fn(idx, &t)
	}
	return it.Close()
}

func (s *Service) results(id string, idx uint64) ([]DestinationResult, error) {
	prefix := resultsPrefix(id, idx)
	it, err := s.cfg.Store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []DestinationResult
	for ok := it.First(); ok; ok = it.Next() {
		var r DestinationResult
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return nil, fmt.Errorf("batch: decode result: %w", err)
		}
		out = append(out, r)
	}
	return out, it.Close()
}

// finish ends a job that is Completing, Failing or Cancelling in status
// to: it writes the completion report first (if enabled; a job that ends
// early reports the tasks settled so far). A report the bucket refuses
// fails the job with FailureCode ReportWriteFailed.
func (s *Service) finish(ctx context.Context, j *Job, to string) error {
	from := j.Status
	if j.Report.Enabled {
		sess, err := s.session(ctx, j)
		if err == nil {
			err = s.writeReport(ctx, sess, j)
		}
		if err != nil {
			if e, ok := aws.As(err); ok && e.Status >= 400 && e.Status < 500 {
				return s.fail(j, from, "ReportWriteFailed",
					fmt.Sprintf("Writing the completion report to %s is not possible: %s: %s", j.Report.Bucket, e.Code, e.Message))
			}
			return err
		}
	}
	now := s.cfg.Clock.Now().UTC()
	return s.transition(j, from, func(j *Job) { j.Status, j.Terminated = to, &now })
}
