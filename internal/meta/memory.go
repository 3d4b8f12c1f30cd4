package meta

import (
	"bytes"
	"sort"
	"sync"
)

// Memory is an in-memory Store for tests and throw-away servers. It is
// atomic but, of course, not durable.
type Memory struct {
	mu   sync.RWMutex
	keys [][]byte // sorted
	vals map[string][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{vals: map[string][]byte{}} }

// Get implements Store.
func (m *Memory) Get(key []byte) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.vals[string(key)]
	if !ok {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

// NewIterator implements Store; it copies the range, which is fine for tests.
func (m *Memory) NewIterator(lower, upper []byte) (Iterator, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i := sort.Search(len(m.keys), func(i int) bool { return bytes.Compare(m.keys[i], lower) >= 0 })
	it := &memIter{pos: -1}
	for ; i < len(m.keys); i++ {
		k := m.keys[i]
		if upper != nil && bytes.Compare(k, upper) >= 0 {
			break
		}
		it.keys = append(it.keys, k)
		it.vals = append(it.vals, m.vals[string(k)])
	}
	return it, nil
}

// NewBatch implements Store.
func (m *Memory) NewBatch() Batch { return &memBatch{m: m} }

// Close implements Store.
func (m *Memory) Close() error { return nil }

func (m *Memory) set(k, v []byte) {
	if _, ok := m.vals[string(k)]; !ok {
		i := sort.Search(len(m.keys), func(i int) bool { return bytes.Compare(m.keys[i], k) >= 0 })
		m.keys = append(m.keys, nil)
		copy(m.keys[i+1:], m.keys[i:])
		m.keys[i] = bytes.Clone(k)
	}
	m.vals[string(k)] = bytes.Clone(v)
}

func (m *Memory) del(k []byte) {
	if _, ok := m.vals[string(k)]; !ok {
		return
	}
	delete(m.vals, string(k))
	i := sort.Search(len(m.keys), func(i int) bool { return bytes.Compare(m.keys[i], k) >= 0 })
	m.keys = append(m.keys[:i], m.keys[i+1:]...)
}

type memOp struct {
	kind       byte // 's', 'd', 'r'
	key, value []byte
}

type memBatch struct {
	m   *Memory
	ops []memOp
}

func (b *memBatch) Set(k, v []byte) {
	b.ops = append(b.ops, memOp{'s', bytes.Clone(k), bytes.Clone(v)})
}
func (b *memBatch) Delete(k []byte) { b.ops = append(b.ops, memOp{'d', bytes.Clone(k), nil}) }
func (b *memBatch) DeleteRange(s, e []byte) {
	b.ops = append(b.ops, memOp{'r', bytes.Clone(s), bytes.Clone(e)})
}
func (b *memBatch) Close() { b.ops = nil }

func (b *memBatch) Commit() error {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	for _, op := range b.ops {
		switch op.kind {
		case 's':
			b.m.set(op.key, op.value)
		case 'd':
			b.m.del(op.key)
		case 'r':
			var doomed [][]byte
			for _, k := range b.m.keys {
				if bytes.Compare(k, op.key) >= 0 && bytes.Compare(k, op.value) < 0 {
					doomed = append(doomed, k)
				}
			}
			for _, k := range doomed {
				b.m.del(k)
			}
		}
	}
	b.ops = nil
	return nil
}

type memIter struct {
	keys, vals [][]byte
	pos        int
}

func (it *memIter) First() bool { it.pos = 0; return it.Valid() }
func (it *memIter) SeekGE(k []byte) bool {
	it.pos = sort.Search(len(it.keys), func(i int) bool { return bytes.Compare(it.keys[i], k) >= 0 })
	return it.Valid()
}
func (it *memIter) Next() bool    { it.pos++; return it.Valid() }
func (it *memIter) Valid() bool   { return it.pos >= 0 && it.pos < len(it.keys) }
func (it *memIter) Key() []byte   { return it.keys[it.pos] }
func (it *memIter) Value() []byte { return it.vals[it.pos] }
func (it *memIter) Close() error  { return nil }
