package authz

import (
	"sync"
	"time"

	"github.com/ferrystore/ferry/policy"
)

// Entry is one decision Authorize made.
type Entry struct {
	Time      time.Time
	RequestID string
	Decision  policy.Decision
}

// Explain is the decision's explanation for people.
func (e Entry) Explain() string { return e.Decision.Explain() }

// ring keeps the last decisions.
type ring struct {
	mu      sync.Mutex
	entries []Entry
	next    int
	full    bool
}

func (r *ring) init(n int) { r.entries = make([]Entry, n) }

func (r *ring) add(e Entry) {
	r.mu.Lock()
	r.entries[r.next] = e
	r.next++
	if r.next == len(r.entries) {
		r.next, r.full = 0, true
	}
	r.mu.Unlock()
}

// Recent returns the last decisions, newest first; deniedOnly keeps only
// denials.
func (a *Authorizer) Recent(deniedOnly bool) []Entry {
	r := &a.recent
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.entries)
	}
	out := make([]Entry, 0, n)
	for i := 1; i <= n; i++ {
		e := r.entries[(r.next-i+len(r.entries))%len(r.entries)]
		if deniedOnly && e.Decision.Allowed {
			continue
		}
		out = append(out, e)
	}
	return out
}
