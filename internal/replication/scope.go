package replication

import (
	"context"
	"sync"
)

// ReadScope keeps what the source side read while the engine works on one
// task, so that a version read for the hops' permission checks, for the
// replica's attributes and for its bytes is read and decoded once. It lives
// only as long as the task's context; nothing written through the source's
// read-modify-write paths (UpdateReplicationState) goes through it.
type ReadScope struct {
	mu sync.Mutex
	m  map[any]any
}

type readScopeKey struct{}

// WithReadScope returns ctx carrying a new, empty ReadScope.
func WithReadScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, readScopeKey{}, &ReadScope{m: make(map[any]any)})
}

// ReadScopeFrom returns ctx's ReadScope, nil when it has none.
func ReadScopeFrom(ctx context.Context) *ReadScope {
	s, _ := ctx.Value(readScopeKey{}).(*ReadScope)
	return s
}

// Load returns what was stored under k.
func (s *ReadScope) Load(k any) (any, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	return v, ok
}

// Store keeps v under k; a nil scope keeps nothing.
func (s *ReadScope) Store(k, v any) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
}
