package s3

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/memo"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/sse"
)

// InlineLimit is the largest object kept inside its metadata record instead
// of a blob file: small objects then cost one durable (group-committed)
// metadata write and no file fsync.
const InlineLimit = 128 << 10

// bucketCacheLimit bounds the bucket record cache.
const bucketCacheLimit = 10000

// Service implements S3's operations for every region this server hosts.
type Service struct {
	store   meta.Store
	blobs   *blob.Store
	clock   aws.Clock
	seq     Sequencer
	regions map[string]bool
	locks   [256]sync.Mutex
	// buckets caches decoded bucket records; every change to a bucket
	// record calls buckets.Forget after its commit. Records in it are
	// shared: Bucket hands out copies.
	buckets *memo.Table[string, *Bucket]
	log     *slog.Logger
	sse     *sse.Service
	// replicator receives new versions' replication work (SetReplicator).
	replicator Replicator
}

// Config holds what a Service needs.
type Config struct {
	Store   meta.Store
	Blobs   *blob.Store
	Clock   aws.Clock
	Regions []string
	Logger  *slog.Logger
	// SSE encrypts object bytes at rest; nil stores them in the clear.
	SSE *sse.Service
}

// New builds the S3 service.
func New(c Config) *Service {
	if c.Clock == nil {
		c.Clock = aws.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	s := &Service{store: c.Store, blobs: c.Blobs, clock: c.Clock, regions: map[string]bool{}, log: c.Logger, sse: c.SSE,
		buckets: memo.New[string, *Bucket](bucketCacheLimit)}
	s.seq.clock = c.Clock
	for _, r := range c.Regions {
		s.regions[r] = true
	}
	return s
}

// ServesRegion reports whether this server hosts region r.
func (s *Service) ServesRegion(r string) bool { return s.regions[r] }

// lock serialises read-modify-write on one object key (or, with key "", on a
// bucket's configuration). It returns the unlock function.
func (s *Service) lock(bucket, key string) func() {
	h := fnv.New32a()
	h.Write([]byte(bucket))
	h.Write([]byte{0})
	h.Write([]byte(key))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

// Actions named by the owner-only check; the policy engine replaces that
// check and uses the same names.
const (
	ActionCreateBucket = "s3:CreateBucket"
	ActionReadBucket   = "s3:ListBucket"
	ActionWriteBucket  = "s3:PutBucketConfiguration"
	ActionDeleteBucket = "s3:DeleteBucket"
	ActionRead         = "s3:GetObject"
	ActionWrite        = "s3:PutObject"
	ActionDelete       = "s3:DeleteObject"
)

// authorize is the one place that decides whether p may perform action on
// bucket b (and key). For now: principals of the bucket-owning account may
// act on it; everyone else, anonymous included, gets AccessDenied.
func (s *Service) authorize(_ context.Context, p aws.Principal, action string, b *Bucket, key string) error {
	if p.IsAnonymous() || b == nil || p.Account != b.Account {
		return aws.ErrAccessDenied()
	}
	return nil
}

// Bucket returns a bucket's record or NoSuchBucket. It does not authorize:
// callers use it for routing (the bucket's region) and then authorize.
func (s *Service) Bucket(name string) (*Bucket, error) {
	cached, gen, ok := s.buckets.Get(name)
	if ok {
		cp := *cached
		return &cp, nil
	}
	raw, err := s.store.Get(bucketKey(name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, aws.ErrNoSuchBucket(name)
	}
	if err != nil {
		return nil, aws.Internal(fmt.Errorf("get bucket %s: %w", name, err))
	}
	var b Bucket
	if err := decode(raw, &b); err != nil {
		return nil, aws.Internal(err)
	}
	cp := b
	s.buckets.Put(name, &cp, gen)
	return &b, nil
}

// bucketFor loads a bucket and authorizes action on it.
func (s *Service) bucketFor(ctx context.Context, p aws.Principal, name, action, key string) (*Bucket, error) {
	b, err := s.Bucket(name)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, action, b, key); err != nil {
		return nil, err
	}
	return b, nil
}

// commit commits a batch, mapping a storage failure to InternalError.
func commit(b meta.Batch) error {
	defer b.Close()
	if err := b.Commit(); err != nil {
		return aws.Internal(fmt.Errorf("commit: %w", err))
	}
	return nil
}
