// Package remote is a meta.Store over HTTP: Store is the client, Handler
// serves a local store to it. A Ferry follower reads and writes the global
// keyspaces (IAM and STS) of its IAM home through it; the home serves them
// under the admin API, so every call is signed with the home's admin key.
//
// Get and Commit are one round trip each; a batch commits atomically on the
// home. An iterator fetches its whole range in one answer, scanned through
// one iterator of the home's store, so it is a consistent snapshot as
// meta.Store requires; ranges are bounded (MaxScanBytes), which the global
// keyspaces stay far below.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"time"

	"github.com/ferrystore/ferry/internal/meta"
)

// Path is where Handler is served.
const Path = "/_ferry/admin/meta/"

// MaxScanBytes bounds the keys and values of one scan's answer.
const MaxScanBytes = 8 << 20

// Caller sends one signed request and returns the body of a 2xx answer
// (ferryapi.Client implements it).
type Caller interface {
	Do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error)
}

// Store is a meta.Store served by another process.
type Store struct {
	c Caller
	// Timeout bounds each call (default 15 s).
	Timeout time.Duration
}

// New returns a Store calling through c.
func New(c Caller) *Store { return &Store{c: c, Timeout: 15 * time.Second} }

type getRequest struct {
	Key []byte `json:"key"`
}

type getAnswer struct {
	Found bool   `json:"found"`
	Value []byte `json:"value,omitempty"`
}

type scanRequest struct {
	Lower []byte `json:"lower"`
	Upper []byte `json:"upper"`
}

type pair struct {
	K []byte `json:"k"`
	V []byte `json:"v"`
}

type scanAnswer struct {
	Pairs []pair `json:"pairs"`
}

// op is one write of a batch: "set" (K, V), "del" (K) or "range" (K to End).
type op struct {
	Op  string `json:"op"`
	K   []byte `json:"k"`
	V   []byte `json:"v,omitempty"`
	End []byte `json:"end,omitempty"`
}

type commitRequest struct {
	Ops []op `json:"ops"`
}

func (s *Store) call(name string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("remote meta %s: encode: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	raw, err := s.c.Do(ctx, "POST", Path+name, nil, body)
	if err != nil {
		return fmt.Errorf("remote meta %s: %w", name, err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("remote meta %s: decode: %w", name, err)
	}
	return nil
}

// Get implements meta.Store.
func (s *Store) Get(key []byte) ([]byte, error) {
	var a getAnswer
	if err := s.call("get", getRequest{Key: key}, &a); err != nil {
		return nil, err
	}
	if !a.Found {
		return nil, meta.ErrNotFound
	}
	if a.Value == nil {
		a.Value = []byte{}
	}
	return a.Value, nil
}

// NewIterator implements meta.Store: the range is read at once.
func (s *Store) NewIterator(lower, upper []byte) (meta.Iterator, error) {
	var a scanAnswer
	if err := s.call("scan", scanRequest{Lower: lower, Upper: upper}, &a); err != nil {
		return nil, err
	}
	return &iterator{pairs: a.Pairs, pos: -1}, nil
}

// NewBatch implements meta.Store.
func (s *Store) NewBatch() meta.Batch { return &batch{s: s} }

// Close implements meta.Store; the home stays open.
func (s *Store) Close() error { return nil }

type batch struct {
	s   *Store
	ops []op
}

func (b *batch) Set(key, value []byte) {
	b.ops = append(b.ops, op{Op: "set", K: bytes.Clone(key), V: nonNil(bytes.Clone(value))})
}

func (b *batch) Delete(key []byte) { b.ops = append(b.ops, op{Op: "del", K: bytes.Clone(key)}) }

func (b *batch) DeleteRange(start, end []byte) {
	b.ops = append(b.ops, op{Op: "range", K: bytes.Clone(start), End: bytes.Clone(end)})
}

func (b *batch) Commit() error {
	if len(b.ops) == 0 {
		return nil
	}
	return b.s.call("commit", commitRequest{Ops: b.ops}, nil)
}

func (b *batch) Close() { b.ops = nil }

func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

// iterator walks a range read at once.
type iterator struct {
	pairs []pair
	pos   int
}

func (it *iterator) First() bool { it.pos = 0; return it.Valid() }

func (it *iterator) SeekGE(key []byte) bool {
	it.pos = sort.Search(len(it.pairs), func(i int) bool { return bytes.Compare(it.pairs[i].K, key) >= 0 })
	return it.Valid()
}

func (it *iterator) Next() bool {
	if it.pos < len(it.pairs) {
		it.pos++
	}
	return it.Valid()
}

func (it *iterator) Valid() bool   { return it.pos >= 0 && it.pos < len(it.pairs) }
func (it *iterator) Key() []byte   { return it.pairs[it.pos].K }
func (it *iterator) Value() []byte { return nonNil(it.pairs[it.pos].V) }
func (it *iterator) Close() error  { return nil }
