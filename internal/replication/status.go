package replication

import "time"

// Status is a value of x-amz-replication-status (spec §4).
type Status string

// The statuses S3 reports. COMPLETE is a legacy spelling and never emitted.
const (
	StatusPending   Status = "PENDING"
	StatusCompleted Status = "COMPLETED"
	StatusFailed    Status = "FAILED"
	StatusReplica   Status = "REPLICA"
)

// State is the replication state kept on an object version: for a source
// version, one entry per destination it is being replicated to; for a
// replica, the Replica mark. A version no rule matched has no State (nil),
// and so no x-amz-replication-status header.
type State struct {
	// Replica marks a version written by replication: it reports REPLICA
	// and is never replicated again.
	Replica      bool               `json:"replica,omitempty"`
	Destinations []DestinationState `json:"dst,omitempty"`
}

// DestinationState is a source version's progress towards one destination.
type DestinationState struct {
	Bucket string `json:"bucket"`
	RuleID string `json:"rule,omitempty"`
	Status Status `json:"status"`
	// Attempts, LastAttempt and LastError describe the tries made so far
	// (they are recorded when the destination settles; while it is PENDING
	// the queue entry holds them, and Engine.Status merges the two).
	Attempts    int       `json:"attempts,omitempty"`
	LastAttempt time.Time `json:"last,omitempty"`
	LastError   string    `json:"err,omitempty"`
	// FailureReason is the §6.2 reason of a FAILED destination.
	FailureReason string `json:"reason,omitempty"`
}

// NewPendingState is the state of a new source version bound for targets.
func NewPendingState(targets []Target) *State {
	st := &State{Destinations: make([]DestinationState, len(targets))}
	for i, t := range targets {
		st.Destinations[i] = DestinationState{Bucket: t.Bucket, RuleID: t.Rule.ID, Status: StatusPending}
	}
	return st
}

// ReplicaState is the state of a version written by replication.
func ReplicaState() *State { return &State{Replica: true} }

// IsReplica reports whether the version was written by replication; nil-safe.
func (s *State) IsReplica() bool { return s != nil && s.Replica }

// Status is the aggregate x-amz-replication-status: "" when the version
// has no replication state; FAILED as soon as one destination failed,
// PENDING while any is pending, else COMPLETED — or REPLICA for a replica,
// whose destinations are the sources its own metadata changes go back to
// (ReplicaModifications, §4).
func (s *State) Status() Status {
	switch {
	case s == nil:
		return ""
	case len(s.Destinations) == 0 && !s.Replica:
		return ""
	}
	agg := StatusCompleted
	if s.Replica {
		agg = StatusReplica
	}
	for _, d := range s.Destinations {
		switch d.Status {
		case StatusFailed:
			return StatusFailed
		case StatusPending:
			agg = StatusPending
		}
	}
	return agg
}

// Destination returns the entry for a destination bucket, nil if none.
func (s *State) Destination(bucket string) *DestinationState {
	if s == nil {
		return nil
	}
	for i := range s.Destinations {
		if s.Destinations[i].Bucket == bucket {
			return &s.Destinations[i]
		}
	}
	return nil
}

// WithPending returns a copy of s in which each target's destination is
// PENDING (added if s has no entry for it).
func (s *State) WithPending(targets []Target) *State {
	cp := s.Clone()
	if cp == nil {
		cp = &State{}
	}
	for _, t := range targets {
		d := DestinationState{Bucket: t.Bucket, RuleID: t.Rule.ID, Status: StatusPending}
		if cur := cp.Destination(t.Bucket); cur != nil {
			*cur = d
		} else {
			cp.Destinations = append(cp.Destinations, d)
		}
	}
	return cp
}

// Clone returns a deep copy, so that a cached or shared version is never
// modified in place.
func (s *State) Clone() *State {
	if s == nil {
		return nil
	}
	cp := *s
	cp.Destinations = append([]DestinationState(nil), s.Destinations...)
	return &cp
}
