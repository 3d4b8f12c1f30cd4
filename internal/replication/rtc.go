package replication

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Threshold is the S3 Replication Time Control threshold: a version of an
// RTC rule still pending this long after its write has missed it (§7).
const Threshold = OnlyMinutes * time.Minute

// tracksThreshold reports whether t is covered by RTC's threshold: an
// object version of an RTC rule. Delete markers are outside the RTC
// commitment (§7) and so are tag updates ([Inf]: metadata operations are
// not "objects replicated").
func tracksThreshold(t *Task) bool { return t.RTC && !t.DeleteMarker && !t.TagUpdate }

// outcomeEvents are the event records a settling task produces, with the
// engine's clock: FailedReplication for a failure under a rule with
// metrics (AWS: "you must enable S3 Replication metrics"; RTC turns them
// on), and for an RTC version replicated after the threshold
// ReplicatedAfterThreshold, preceded by MissedThreshold when the threshold
// check had not recorded it yet (it runs every ThresholdInterval).
func (e *Engine) outcomeEvents(t *Task, status Status, f *Failure) []*Event {
	now := e.cfg.Clock.Now()
	var out []*Event
	switch {
	case status == StatusFailed && t.Metrics:
		ev := newEvent(EventFailedReplication, t, now)
		if f != nil {
			ev.ReplicationEventData.FailureReason = f.Reason
		}
		if t.RTC {
			ev.withThreshold()
		}
		out = append(out, ev)
	case status == StatusCompleted && tracksThreshold(t) && now.Sub(t.Created) > Threshold:
		if !t.Missed {
			out = append(out, newEvent(EventMissedThreshold, t, now).withThreshold())
		}
		ev := newEvent(EventReplicatedAfterThreshold, t, now).withThreshold()
		ev.ReplicationEventData.ReplicationTime = strconv.FormatInt(int64(now.Sub(t.Created)/time.Second), 10)
		out = append(out, ev)
	}
	return out
}

// CheckThresholds records MissedThreshold, once, for every queued RTC
// version still pending Threshold after its write, marking its task in the
// same batch. The running engine calls it every ThresholdInterval; tests
// call it after advancing the clock.
func (e *Engine) CheckThresholds() error {
	q := e.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	now := e.cfg.Clock.Now()
	var late []*Task
	err := q.Scan(func(t *Task) bool {
		if tracksThreshold(t) && !t.Missed && now.Sub(t.Created) > Threshold {
			late = append(late, t)
		}
		return true
	})
	if err != nil || len(late) == 0 {
		return err
	}
	batch := e.cfg.Store.NewBatch()
	defer batch.Close()
	buckets := map[string]bool{}
	for _, t := range late {
		t.Missed = true
		batch.Set(t.key(), encodeTask(t))
		e.events.Append(batch, newEvent(EventMissedThreshold, t, now).withThreshold())
		buckets[t.SourceBucket] = true
	}
	if err := batch.Commit(); err != nil {
		return fmt.Errorf("replication: record missed thresholds: %w", err)
	}
	e.events.committed()
	for b := range buckets {
		if err := e.events.trim(b); err != nil {
			return err
		}
	}
	return nil
}

// watchThresholds runs CheckThresholds every ThresholdInterval until ctx ends.
func (e *Engine) watchThresholds(ctx context.Context) {
	defer e.wg.Done()
	tick := time.NewTicker(e.cfg.ThresholdInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := e.CheckThresholds(); err != nil {
				e.cfg.Logger.Warn("replication thresholds", "err", err)
			}
		}
	}
}
