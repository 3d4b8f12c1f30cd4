// Package router is a meta.Store that sends the keys under some prefixes to
// one store and every other key to another: a Ferry follower keeps its
// regional data (buckets, objects, KMS keys, the replication queue) in its
// own Pebble store and the global IAM and STS keyspaces at its IAM home.
//
// Each batch and each iterator must stay on one side: a batch that writes
// both sides, or a range that spans them, is a programming error and fails
// (the two stores cannot commit together atomically).
package router

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ferrystore/ferry/internal/meta"
)

// ErrSpansStores is returned for a batch or range touching both stores.
var ErrSpansStores = errors.New("router: a batch or range spans the local and the shared store")

// Store routes keys between Local and Shared.
type Store struct {
	Local, Shared meta.Store
	// Prefixes are the key prefixes that live in Shared.
	Prefixes [][]byte
}

// side returns the store holding all of [lower, upper), or an error when
// the range reaches both.
func (s *Store) side(lower, upper []byte) (meta.Store, error) {
	if p, ok := meta.MatchPrefix(s.Prefixes, lower); ok {
		if meta.RangeInPrefix(p, lower, upper) {
			return s.Shared, nil
		}
		return nil, fmt.Errorf("%w: [%q, %q)", ErrSpansStores, lower, upper)
	}
	for _, p := range s.Prefixes {
		// A local range must end before any shared prefix it would reach.
		if bytes.Compare(p, lower) > 0 && (upper == nil || bytes.Compare(p, upper) < 0) {
			return nil, fmt.Errorf("%w: [%q, %q)", ErrSpansStores, lower, upper)
		}
	}
	return s.Local, nil
}

// Get implements meta.Store.
func (s *Store) Get(key []byte) ([]byte, error) {
	if _, ok := meta.MatchPrefix(s.Prefixes, key); ok {
		return s.Shared.Get(key)
	}
	return s.Local.Get(key)
}

// NewIterator implements meta.Store.
func (s *Store) NewIterator(lower, upper []byte) (meta.Iterator, error) {
	st, err := s.side(lower, upper)
	if err != nil {
		return nil, err
	}
	return st.NewIterator(lower, upper)
}

// NewBatch implements meta.Store: the batch picks its store at its first
// write.
func (s *Store) NewBatch() meta.Batch { return &batch{s: s} }

// Close closes both stores.
func (s *Store) Close() error { return errors.Join(s.Local.Close(), s.Shared.Close()) }

type batch struct {
	s     *Store
	store meta.Store
	b     meta.Batch
	err   error
}

// to directs the batch at st, or records that it spans both stores.
func (b *batch) to(st meta.Store, err error) bool {
	switch {
	case b.err != nil:
		return false
	case err != nil:
		b.err = err
		return false
	case b.store == nil:
		b.store, b.b = st, st.NewBatch()
	case b.store != st:
		b.err = ErrSpansStores
		return false
	}
	return true
}

func (b *batch) pick(key []byte) (meta.Store, error) {
	if _, ok := meta.MatchPrefix(b.s.Prefixes, key); ok {
		return b.s.Shared, nil
	}
	return b.s.Local, nil
}

func (b *batch) Set(key, value []byte) {
	if b.to(b.pick(key)) {
		b.b.Set(key, value)
	}
}

func (b *batch) Delete(key []byte) {
	if b.to(b.pick(key)) {
		b.b.Delete(key)
	}
}

func (b *batch) DeleteRange(start, end []byte) {
	if b.to(b.s.side(start, end)) {
		b.b.DeleteRange(start, end)
	}
}

func (b *batch) Commit() error {
	if b.err != nil {
		return b.err
	}
	if b.b == nil {
		return nil
	}
	return b.b.Commit()
}

func (b *batch) Close() {
	if b.b != nil {
		b.b.Close()
	}
}
