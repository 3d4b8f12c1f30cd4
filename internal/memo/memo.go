// Package memo keeps decoded records in memory in front of the metadata
// store, for records read on every request (bucket records, access keys,
// policies) and changed rarely.
//
// The rule that keeps a Table correct: every change to a record calls Forget
// after its commit. A reader that loaded a record before a change must not
// cache it afterwards; Get hands out a generation, and Put caches only if no
// Forget happened since. Values are shared between readers: treat them as
// immutable (copy before changing, or store values, not pointers).
package memo

import "sync"

// Table caches values by key. The zero value is not usable; use New.
type Table[K comparable, V any] struct {
	mu    sync.RWMutex
	gen   uint64
	limit int
	m     map[K]V
}

// New returns a table that holds at most limit entries; past it, the table
// starts over empty (records are cheap to load again).
func New[K comparable, V any](limit int) *Table[K, V] {
	return &Table[K, V]{limit: limit, m: make(map[K]V)}
}

// Get returns the cached value and true, or the generation to pass to Put.
func (t *Table[K, V]) Get(k K) (V, uint64, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	v, ok := t.m[k]
	return v, t.gen, ok
}

// Put caches v under k unless something was forgotten since gen was read.
func (t *Table[K, V]) Put(k K, v V, gen uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gen != gen {
		return
	}
	if len(t.m) >= t.limit {
		t.m = make(map[K]V)
	}
	t.m[k] = v
}

// Forget drops k after a committed change, and stops in-flight readers
// from caching what they loaded before it.
func (t *Table[K, V]) Forget(k K) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	delete(t.m, k)
}

// Clear drops everything (after a change that touches many keys).
func (t *Table[K, V]) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	t.m = make(map[K]V)
}
