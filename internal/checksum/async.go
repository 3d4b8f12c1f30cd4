package checksum

import (
	"hash"
	"runtime"
	"sync"
)

// asyncAfter is how much of a body is hashed in line before MD5 moves to
// its own goroutine. MD5 is the slowest step of a large PUT (about 1.5 ms per
// MiB on one core); run beside the checksum, encryption and disk writes that
// follow it in the request's goroutine, a single upload stream can use the
// second core. Small bodies are not worth a goroutine.
const asyncAfter = 4 << 20

// asyncHash feeds a hash from a goroutine of its own. Data is copied into
// pooled chunks, since the caller reuses its buffer after Read returns.
type asyncHash struct {
	h    hash.Hash
	ch   chan *[]byte
	done chan struct{}
	once sync.Once
}

var chunkPool = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

func startAsync(h hash.Hash) *asyncHash {
	a := &asyncHash{h: h, ch: make(chan *[]byte, 8), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for b := range a.ch {
			a.h.Write(*b)
			*b = (*b)[:0]
			chunkPool.Put(b)
		}
	}()
	return a
}

// write queues a copy of p.
func (a *asyncHash) write(p []byte) {
	for len(p) > 0 {
		b := chunkPool.Get().(*[]byte)
		n := min(len(p), cap(*b))
		*b = append((*b)[:0], p[:n]...)
		a.ch <- b
		p = p[n:]
	}
}

// wait lets the goroutine finish what is queued and stop; the hash is then
// complete. Safe to call more than once.
func (a *asyncHash) wait() {
	a.once.Do(func() { close(a.ch) })
	<-a.done
}

// stopWhenUnreachable ends the goroutine of a Reader dropped before its end
// (an upload that failed half way), so it is never left blocked.
func stopWhenUnreachable(cr *Reader, a *asyncHash) {
	runtime.AddCleanup(cr, func(a *asyncHash) { a.once.Do(func() { close(a.ch) }) }, a)
}
