// Package meta is Ferry's metadata store: an ordered key-value store with
// atomic, durable batches. Services encode their records and keys on top of
// it (see Key for the order-preserving tuple encoding), so listings are range
// scans. Every backend must pass the conformance suite in meta/metatest.
package meta

import (
	"errors"
)

// ErrNotFound is returned by Get when the key is absent.
var ErrNotFound = errors.New("meta: not found")

// Store is an ordered key-value store. Keys are compared bytewise.
type Store interface {
	// Get returns a copy of the value stored under key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// NewIterator iterates the keys in [lower, upper) in ascending order;
	// a nil upper means no upper bound. The iterator sees a consistent
	// snapshot taken when it was created.
	NewIterator(lower, upper []byte) (Iterator, error)
	// NewBatch starts an atomic batch of writes.
	NewBatch() Batch
	// Close releases the store.
	Close() error
}

// Iterator walks keys in ascending order. Key and Value are valid until the
// next call that moves the iterator.
type Iterator interface {
	// First moves to the first key in range and reports whether there is one.
	First() bool
	// SeekGE moves to the first key ≥ key (within range).
	SeekGE(key []byte) bool
	// Next moves to the next key.
	Next() bool
	// Valid reports whether the iterator is positioned on a key.
	Valid() bool
	Key() []byte
	Value() []byte
	// Close releases the iterator and returns any error met while iterating.
	Close() error
}

// Batch collects writes that commit atomically.
type Batch interface {
	Set(key, value []byte)
	Delete(key []byte)
	// DeleteRange deletes every key in [start, end).
	DeleteRange(start, end []byte)
	// Commit applies the batch atomically; when it returns nil the writes are
	// durable (synced to stable storage) for a persistent backend.
	Commit() error
	// Close discards an uncommitted batch.
	Close()
}
