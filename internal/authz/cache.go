package authz

import (
	"crypto/sha256"
	"sync"

	"github.com/ferrystore/ferry/internal/aws"

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

// identityCache keeps what was gathered about a principal (policies, tags,
// session) for as long as the source's generation does not change: any IAM
// write invalidates every entry. Sessions never change once issued.
type identityCache struct {
	mu  sync.Mutex
	max int
	m   map[identityKey]*identity
}

type identityKey struct {
	arn, accessKey string
}

func (c *identityCache) init(max int) {
	c.max = max
	c.m = make(map[identityKey]*identity)
}

// get returns the principal's identity, loading it on a miss or when the
// source has moved to a new generation.
func (c *identityCache) get(a *Authorizer, p aws.Principal) (*identity, error) {
	gen := a.src.Generation() // before reading, so a concurrent write forces a reload
	k := identityKey{arn: p.ARN, accessKey: p.AccessKeyID}
	if p.SessionToken == "" {
		k.accessKey = ""
	}
	c.mu.Lock()
	id, ok := c.m[k]
	c.mu.Unlock()
	if ok && id.gen == gen {
		return id, nil
	}
	id, err := a.load(p, gen)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = id
	c.mu.Unlock()
	return id, nil
}
