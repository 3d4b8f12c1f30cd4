package sse

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
)

// S3 Bucket Keys: instead of one KMS data key per object, S3 asks KMS for a
// bucket-level data key (encryption context: the bucket ARN) and wraps each
// object's key under it. The Bucket Key is reused for BucketKeyTTL, so a
// burst of writes or reads costs one KMS call per bucket and KMS key instead
// of one per object.
//
// A cache hit still goes through kms.CheckKey: authorization and key state
// (disabled, pending deletion) apply to every request, with no cryptography.

// maxBucketKeys bounds the cache; when full, expired entries are dropped and,
// if that is not enough, everything is.
const maxBucketKeys = 10000

type bucketKey struct {
	keyARN    string
	plaintext []byte
	blob      []byte
	expires   time.Time
}

type bucketKeyCache struct {
	mu  sync.Mutex
	ttl time.Duration
	// byScope finds the Bucket Key for writes: region, bucket, key ARN and
	// context. byBlob finds it for reads, by its ciphertext blob.
	byScope map[string]*bucketKey
	byBlob  map[[32]byte]*bucketKey
}

func (c *bucketKeyCache) init(ttl time.Duration) {
	c.ttl = ttl
	c.byScope = map[string]*bucketKey{}
	c.byBlob = map[[32]byte]*bucketKey{}
}

func scopeID(region, keyARN string, ec kms.EncryptionContext) string {
	b, _ := json.Marshal(ec) // encoding/json sorts map keys: a canonical form
	return region + "\x00" + keyARN + "\x00" + string(b)
}

func (c *bucketKeyCache) get(m map[string]*bucketKey, id string, now time.Time) *bucketKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bk := m[id]; bk != nil && now.Before(bk.expires) {
		return bk
	}
	return nil
}

func (c *bucketKeyCache) getBlob(blob []byte, now time.Time) *bucketKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bk := c.byBlob[sha256.Sum256(blob)]; bk != nil && now.Before(bk.expires) {
		return bk
	}
	return nil
}

func (c *bucketKeyCache) put(scope string, bk *bucketKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byBlob) >= maxBucketKeys {
		for id, e := range c.byBlob {
			if !now.Before(e.expires) {
				delete(c.byBlob, id)
			}
		}
		for id, e := range c.byScope {
			if !now.Before(e.expires) {
				delete(c.byScope, id)
			}
		}
		if len(c.byBlob) >= maxBucketKeys {
			c.init(c.ttl)
		}
	}
	if scope != "" {
		c.byScope[scope] = bk
	}
	c.byBlob[sha256.Sum256(bk.blob)] = bk
}

// bucketKeyForWrite returns the Bucket Key for a write, asking KMS for a new
// one when none is cached for this bucket, key and context.
func (s *Service) bucketKeyForWrite(ctx context.Context, p aws.Principal, region, keyRef string, env *Envelope) ([]byte, error) {
	k, err := s.kms.CheckKey(ctx, p, region, keyRef, kms.ActionGenerateDataKey, env.Context)
	if err != nil {
		return nil, aws.KMSForS3(err)
	}
	if kms.ReplicaWrite(ctx) {
		// A replica under a Bucket Key also needs kms:Decrypt on the
		// replica key, with which S3 verifies the Bucket Key (spec §5.2).
		if _, err := s.kms.CheckKey(ctx, p, region, k.ARN, kms.ActionDecrypt, env.Context); err != nil {
			return nil, aws.KMSForS3(err)
		}
	}
	now := s.clock.Now()
	scope := scopeID(region, k.ARN, env.Context)
	bk := s.bucketKeys.get(s.bucketKeys.byScope, scope, now)
	if bk == nil {
		out, err := s.kms.GenerateDataKey(ctx, p, region, k.ARN, kms.AES256, env.Context)
		if err != nil {
			return nil, aws.KMSForS3(err)
		}
		bk = &bucketKey{keyARN: out.KeyID, plaintext: out.Plaintext, blob: out.CiphertextBlob, expires: now.Add(s.bucketKeys.ttl)}
		s.bucketKeys.put(scope, bk, now)
	}
	env.KMSKeyARN, env.DataKey = bk.keyARN, bk.blob
	return bytesCopy(bk.plaintext), nil
}

// bucketKeyForRead returns the Bucket Key an object was written with,
// decrypting its blob through KMS when it is not cached.
func (s *Service) bucketKeyForRead(ctx context.Context, p aws.Principal, region string, env *Envelope) ([]byte, error) {
	now := s.clock.Now()
	if bk := s.bucketKeys.getBlob(env.DataKey, now); bk != nil && bk.keyARN == env.KMSKeyARN {
		if _, err := s.kms.CheckKey(ctx, p, region, env.KMSKeyARN, kms.ActionDecrypt, env.Context); err != nil {
			return nil, aws.KMSForS3(err)
		}
		return bytesCopy(bk.plaintext), nil
	}
	out, err := s.kms.Decrypt(ctx, p, region, env.DataKey, env.Context, env.KMSKeyARN)
	if err != nil {
		return nil, aws.KMSForS3(err)
	}
	s.bucketKeys.put("", &bucketKey{keyARN: out.KeyID, plaintext: out.Plaintext, blob: env.DataKey, expires: now.Add(s.bucketKeys.ttl)}, now)
	return bytesCopy(out.Plaintext), nil
}
