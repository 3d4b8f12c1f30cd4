package s3

import "sync"

// bucketCacheLimit bounds the bucket cache; past it the cache starts over.
const bucketCacheLimit = 10000

// bucketCache keeps decoded bucket records, since every request reads its
// bucket's. Every change to a bucket record calls forget after its commit;
// a generation counter keeps a reader that loaded a record before the change
// from caching the old one afterwards. Cached records are shared: callers get
// a shallow copy and replace nested values rather than changing them in place.
type bucketCache struct {
	mu  sync.RWMutex
	gen uint64
	m   map[string]*Bucket
}

// get returns a copy of the cached record, or the generation to pass to put.
func (c *bucketCache) get(name string) (*Bucket, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if b, ok := c.m[name]; ok {
		cp := *b
		return &cp, c.gen
	}
	return nil, c.gen
}

// put caches a copy of b unless a bucket changed since gen was read.
func (c *bucketCache) put(name string, b *Bucket, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) >= bucketCacheLimit {
		c.m = make(map[string]*Bucket)
	}
	cp := *b
	c.m[name] = &cp
}

// forget drops a bucket's record after a committed change.
func (c *bucketCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, name)
}
