package authz

import (
	"crypto/sha256"
	"sync"

	"github.com/ferrystore/ferry/policy"
)

// parseCache keeps parsed policies by kind and document content. A document
// that changes (a new managed policy version, a new bucket policy) has new
// content and so a new entry: nothing needs invalidating when IAM or S3
// write. When full, the cache is emptied and refills with what is in use.
type parseCache struct {
	mu   sync.Mutex
	max  int
	docs map[cacheKey]*policy.Policy
}

type cacheKey struct {
	kind policy.Kind
	sum  [sha256.Size]byte
}

func (c *parseCache) init(max int) {
	c.max = max
	c.docs = make(map[cacheKey]*policy.Policy)
}

// parse returns the parsed document, parsing it on a miss. Errors are not
// cached: stored documents were validated when written.
func (c *parseCache) parse(doc string, kind policy.Kind, opt policy.Options) (*policy.Policy, error) {
	k := cacheKey{kind: kind, sum: sha256.Sum256([]byte(doc))}
	c.mu.Lock()
	p, ok := c.docs[k]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.ParseOptions(doc, kind, opt)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.docs) >= c.max {
		clear(c.docs)
	}
	c.docs[k] = p
	c.mu.Unlock()
	return p, nil
}
