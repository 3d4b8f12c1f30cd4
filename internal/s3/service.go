package s3

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"

	"github.com/ferrystore/ferry/internal/authz"
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
	authz   *authz.Authorizer
	// principalExists checks bucket-policy principals (Config.PrincipalExists).
	principalExists func(arn string) bool
	// replicator receives new versions' replication work (SetReplicator).
	replicator Replicator
	// peers finds destination buckets served elsewhere (SetPeers).
	peers PeerBuckets
	// destinations checks and tests notification queues
	// (SetNotificationDestinations).
	destinations NotificationDestinations
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
	// Authz decides every request; nil means one without identity
	// policies (root users and bucket policies only), for unit tests.
	Authz *authz.Authorizer
	// PrincipalExists, when set, lets PutBucketPolicy refuse principals
	// that do not exist ("Invalid principal in policy"), as S3 does.
	PrincipalExists func(arn string) bool
}

// New builds the S3 service.
func New(c Config) *Service {
	if c.Clock == nil {
		c.Clock = aws.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Authz == nil {
		c.Authz = authz.New(authz.Config{Clock: c.Clock, Logger: c.Logger})
	}
	s := &Service{store: c.Store, blobs: c.Blobs, clock: c.Clock, regions: map[string]bool{}, log: c.Logger, sse: c.SSE,
		buckets: memo.New[string, *Bucket](bucketCacheLimit), authz: c.Authz, principalExists: c.PrincipalExists}
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

// commit commits a batch, mapping a storage failure to InternalError.
func commit(b meta.Batch) error {
	defer b.Close()
	if err := b.Commit(); err != nil {
		return aws.Internal(fmt.Errorf("commit: %w", err))
	}
	return nil
}
