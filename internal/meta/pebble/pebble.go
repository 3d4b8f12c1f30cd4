// Package pebble is the persistent meta.Store backend, built on the Pebble
// LSM key-value engine (github.com/cockroachdb/pebble/v2).
//
// Every batch commits with a synced write-ahead log write: when Commit
// returns nil the batch is durable. Concurrent commits share WAL fsyncs
// (group commit), so throughput grows with the number of committers.
// Iterators read a point-in-time view of the store fixed at creation.
package pebble

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/ferrystore/ferry/internal/meta"
)

// Defaults used when the matching Options field is zero.
const (
	// DefaultCacheSize is the default block cache size: 64 MiB.
	DefaultCacheSize = 64 << 20
	// DefaultMemTableSize is the default memtable size: 16 MiB.
	DefaultMemTableSize = 16 << 20
)

// Options tunes the store. The zero value suits a small machine.
type Options struct {
	// CacheSize is the block cache size in bytes (DefaultCacheSize if 0).
	CacheSize int64
	// MemTableSize is the size of one memtable in bytes
	// (DefaultMemTableSize if 0). Writes stall when two memtables are full
	// and waiting to be flushed.
	MemTableSize uint64
	// Logger receives Pebble's log messages; nil discards them.
	Logger *slog.Logger
}

// Store is a meta.Store kept in a Pebble database directory.
type Store struct {
	db *pdb.DB

	mu     sync.RWMutex // guards closed against use after Close
	closed bool
}

var _ meta.Store = (*Store)(nil)

// errClosed is returned for operations on a closed store or batch.
var errClosed = errors.New("meta/pebble: closed")

// Open opens (creating if needed) the database in dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.MemTableSize == 0 {
		opts.MemTableSize = DefaultMemTableSize
	}
	cache := pdb.NewCache(opts.CacheSize)
	// The database holds its own reference to the cache.
	defer cache.Unref()
	po := &pdb.Options{
		Cache:              cache,
		MemTableSize:       opts.MemTableSize,
		FormatMajorVersion: pdb.FormatNewest,
		Logger:             slogLogger{opts.Logger},
	}
	// Bloom filters let point reads (bucket records, null-version indexes,
	// version lookups by id, access keys) skip tables that lack the key.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pdb.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: open %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// Get implements meta.Store.
func (s *Store) Get(key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pdb.ErrNotFound) {
		return nil, meta.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: get: %w", err)
	}
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	if err := closer.Close(); err != nil {
		return nil, fmt.Errorf("meta/pebble: get: %w", err)
	}
	return out, nil
}

// NewIterator implements meta.Store. The iterator sees the store as it was
// when the iterator was created.
func (s *Store) NewIterator(lower, upper []byte) (meta.Iterator, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	if upper != nil && bytes.Compare(lower, upper) >= 0 {
		// Pebble reads an empty upper bound as none and rejects
		// inverted bounds; both ranges are simply empty.
		return emptyIterator{}, nil
	}
	// Pebble keeps the bound slices; copy them so callers may reuse theirs.
	// An empty lower bound is no bound at all; Pebble's invariant checks
	// (on in race builds) index a non-nil empty seek key, so pass nil.
	it, err := s.db.NewIter(&pdb.IterOptions{
		LowerBound: nilIfEmpty(bytes.Clone(lower)),
		UpperBound: bytes.Clone(upper),
	})
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: new iterator: %w", err)
	}
	return &iterator{it: it}, nil
}

// NewBatch implements meta.Store.
func (s *Store) NewBatch() meta.Batch { return &batch{s: s, b: s.db.NewBatch()} }

// Close implements meta.Store. Iterators must be closed first.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("meta/pebble: close: %w", err)
	}
	return nil
}

// DiskUsage returns the bytes the database occupies on disk: tables, logs
// and manifests.
func (s *Store) DiskUsage() uint64 { return s.db.Metrics().DiskSpaceUsage() }

// Metrics returns Pebble's metrics, for export and debugging.
func (s *Store) Metrics() *pdb.Metrics { return s.db.Metrics() }

type batch struct {
	s    *Store
	b    *pdb.Batch
	err  error // first error met while staging writes
	done bool  // committed or closed
}

func (b *batch) note(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

func (b *batch) Set(key, value []byte) {
	if !b.done {
		b.note(b.b.Set(key, value, nil))
	}
}

func (b *batch) Delete(key []byte) {
	if !b.done {
		b.note(b.b.Delete(key, nil))
	}
}

func (b *batch) DeleteRange(start, end []byte) {
	if !b.done {
		b.note(b.b.DeleteRange(start, end, nil))
	}
}

// Commit writes the batch with a synced WAL write.
func (b *batch) Commit() error {
	if b.done {
		return fmt.Errorf("meta/pebble: commit: batch already committed or closed")
	}
	if b.err != nil {
		return fmt.Errorf("meta/pebble: batch: %w", b.err)
	}
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	if b.s.closed {
		return errClosed
	}
	b.done = true
	if err := b.b.Commit(pdb.Sync); err != nil {
		return fmt.Errorf("meta/pebble: commit: %w", err)
	}
	return nil
}

// Close releases the batch; it is safe after Commit and more than once.
func (b *batch) Close() {
	if b.b == nil {
		return
	}
	b.done = true
	b.b.Close()
	b.b = nil
}

// nilIfEmpty maps the empty key, the smallest of all, to nil.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

type iterator struct {
	it *pdb.Iterator
}

func (i *iterator) First() bool            { return i.it.First() }
func (i *iterator) SeekGE(key []byte) bool { return i.it.SeekGE(nilIfEmpty(key)) }
func (i *iterator) Next() bool             { return i.it.Next() }
func (i *iterator) Valid() bool            { return i.it.Valid() }
func (i *iterator) Key() []byte            { return i.it.Key() }
func (i *iterator) Value() []byte          { return i.it.Value() }

func (i *iterator) Close() error {
	if i.it == nil {
		return nil
	}
	err := i.it.Close()
	i.it = nil
	if err != nil {
		return fmt.Errorf("meta/pebble: iterator: %w", err)
	}
	return nil
}

// emptyIterator iterates an empty range.
type emptyIterator struct{}

func (emptyIterator) First() bool        { return false }
func (emptyIterator) SeekGE([]byte) bool { return false }
func (emptyIterator) Next() bool         { return false }
func (emptyIterator) Valid() bool        { return false }
func (emptyIterator) Key() []byte        { return nil }
func (emptyIterator) Value() []byte      { return nil }
func (emptyIterator) Close() error       { return nil }

// slogLogger adapts Pebble's logger interface to slog; a nil logger is
// silent.
type slogLogger struct{ l *slog.Logger }

func (l slogLogger) Infof(format string, args ...any) {
	if l.l != nil {
		l.l.Info(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (l slogLogger) Errorf(format string, args ...any) {
	if l.l != nil {
		l.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

// Fatalf logs and panics: Pebble calls it on unrecoverable corruption and
// does not expect it to return.
func (l slogLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if l.l != nil {
		l.l.Error(msg, "component", "pebble", "fatal", true)
	}
	panic("meta/pebble: fatal: " + msg)
}
