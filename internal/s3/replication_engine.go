package s3

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/sse"
)

// This file is the S3 service's side of the replication engine: the hook
// commitVersion calls, and the source and destination operations the
// engine's workers use (replication.Source and replication.DestinationStore).
// None of them authorizes: the engine checks every hop as the role session
// through its Authorizer before calling them.

// Replicator receives the replication work of new versions;
// *replication.Engine implements it. Enqueue runs inside the version's
// commit and adds its writes to that batch; Wake runs after the commit.
type Replicator interface {
	Enqueue(batch meta.Batch, w replication.Work)
	Wake()
}

// SetReplicator connects the replication engine; call it before serving.
func (s *Service) SetReplicator(r Replicator) { s.replicator = r }

// PeerBuckets finds buckets that other Ferry processes serve.
type PeerBuckets interface {
	ReplicationBucket(ctx context.Context, name string) (replication.BucketInfo, error)
}

// SetPeers connects the peers, where replication configurations may name
// destination buckets of other regions, and whose buckets share this
// process's global namespace; call it before serving.
func (s *Service) SetPeers(p PeerBuckets) { s.peers = p }

// takenByPeer refuses a bucket name another process serves, as S3's global
// namespace does. When a peer cannot be asked the name cannot be promised,
// and creation fails (503) rather than risk two buckets of one name.
func (s *Service) takenByPeer(ctx context.Context, p aws.Principal, name string) error {
	if s.peers == nil {
		return nil
	}
	info, err := s.peers.ReplicationBucket(ctx, name)
	switch {
	case errors.Is(err, replication.ErrBucketNotFound):
		return nil
	case err != nil:
		return aws.ErrServiceUnavailable().WithCause(fmt.Errorf("cannot tell whether another region holds bucket %s: %w", name, err))
	case info.Account == p.Account:
		return aws.ErrBucketAlreadyOwnedByYou(name)
	}
	return aws.ErrBucketAlreadyExists(name)
}

// enqueueReplication matches a new version against its bucket's replication
// configuration (spec §12.1-3). On a match it marks the version PENDING per
// destination and adds the queue entries to batch, the batch that commits
// the version, and reports true. Replicas, versions no rule matches and
// unversioned buckets get nothing.
func (s *Service) enqueueReplication(b *Bucket, v *Version, batch meta.Batch) bool {
	if s.replicator == nil || b.Replication == nil || !b.Versioned() || v.Replication.IsReplica() {
		return false
	}
	op := replication.OpPut
	if v.DeleteMarker {
		op = replication.OpDeleteMarker
	}
	kmsEncrypted := v.SSE != nil && v.SSE.Mode == sse.ModeKMS // SSE-KMS matches only rules that opt in
	targets := b.Replication.Match(op, replication.Object{Key: v.Key, Tags: tagMap(v.Tags), StorageClass: v.StorageClass,
		KMSEncrypted: kmsEncrypted})
	if len(targets) == 0 {
		return false
	}
	v.Replication = replication.NewPendingState(targets)
	s.replicator.Enqueue(batch, versionWork(b, v, targets))
	return true
}

// versionWork is the replication work of version v of bucket b towards
// targets: a new version's, or one a Batch Replication job replicates.
func versionWork(b *Bucket, v *Version, targets []replication.Target) replication.Work {
	return replication.Work{
		SourceBucket: b.Name, SourceAccount: b.Account, SourceRegion: b.Region, Role: b.Replication.Role,
		Key: v.Key, VersionID: v.VersionID, Seq: v.Seq, DeleteMarker: v.DeleteMarker, Size: v.Size, ETag: v.ETag,
		Created: v.LastModified, Targets: targets, ObjectLock: b.LockEnabled(),
	}
}

// enqueueTagReplication queues, in the batch that retags a version (or
// changes its ACL or Object Lock: the update task carries all three), one
// task per destination of replication.UpdateTargets: the replicas of a
// source version, or, for a replica under ReplicaModifications, the
// version it came from; such a replica reports PENDING until the change
// is back (§4). It runs before v is encoded and reports whether it queued.
func (s *Service) enqueueTagReplication(b *Bucket, v *Version, batch meta.Batch) bool {
	if s.replicator == nil {
		return false
	}
	o := replication.Object{Key: v.Key, Tags: tagMap(v.Tags), StorageClass: v.StorageClass}
	targets := replication.UpdateTargets(b.Replication, v.Replication, o)
	if len(targets) == 0 {
		return false
	}
	if v.Replication.IsReplica() {
		v.Replication = v.Replication.WithPending(targets)
	}
	s.replicator.Enqueue(batch, replication.Work{
		SourceBucket: b.Name, SourceAccount: b.Account, SourceRegion: b.Region, Role: b.Replication.Role,
		Key: v.Key, VersionID: v.VersionID, Seq: v.Seq, TagUpdate: true, Created: s.clock.Now().UTC(), Targets: targets,
		ObjectLock: b.LockEnabled(),
	})
	return true
}

func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// ReadReplicationVersion returns a version's replicable attributes.
func (s *Service) ReadReplicationVersion(ctx context.Context, bucket, key, versionID string) (*replication.ObjectVersion, error) {
	if _, err := s.Bucket(bucket); err != nil {
		return nil, err
	}
	v, err := s.scopedVersion(ctx, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	return toReplica(v), nil
}

// scopedVersionKey names a version in a replication.ReadScope.
type scopedVersionKey struct{ bucket, key, versionID string }

// scopedVersion is getVersion for the engine's reads of one task: within
// the task's ReadScope a version is read and decoded once. The version
// returned is shared: callers only read it.
func (s *Service) scopedVersion(ctx context.Context, bucket, key, versionID string) (*Version, error) {
	scope := replication.ReadScopeFrom(ctx)
	k := scopedVersionKey{bucket, key, versionID}
	if v, ok := scope.Load(k); ok {
		return v.(*Version), nil
	}
	v, err := s.getVersion(bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	scope.Store(k, v)
	return v, nil
}

// OpenReplicationData returns a verified reader of all of a version's
// bytes, decrypted with its key opened as session: for SSE-KMS, KMS Decrypt
// as the role session via s3.<source region>.amazonaws.com. SSE-C objects
// cannot be opened without the customer's key, which Ferry does not keep.
func (s *Service) OpenReplicationData(ctx context.Context, session aws.Principal, bucket, key, versionID string) (io.ReadCloser, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return nil, err
	}
	v, err := s.scopedVersion(ctx, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	if v.SSE != nil && v.SSE.Mode == sse.ModeC {
		return nil, replication.Fail(replication.ReasonSrcGetObjectNotPermitted, errors.New("Ferry does not replicate SSE-C objects yet"))
	}
	objKey, err := s.openObjectKey(ctx, session, b, v, nil)
	if err != nil {
		return nil, err
	}
	return s.openVerified(v, objKey, 0, v.Size), nil
}

// UpdateReplicationState applies update to a version's replication state
// and commits it, with extra's writes, in one batch under the key's lock.
func (s *Service) UpdateReplicationState(_ context.Context, bucket, key, versionID string,
	update func(*replication.State), extra func(meta.Batch)) error {
	unlock := s.lock(bucket, key)
	defer unlock()
	v, err := s.getVersion(bucket, key, versionID)
	if err != nil {
		return err
	}
	st := v.Replication.Clone()
	if st == nil {
		st = &replication.State{}
	}
	update(st)
	v.Replication = st
	batch := s.store.NewBatch()
	batch.Set(versionKey(bucket, key, v.Seq), encodeVersion(v))
	if extra != nil {
		extra(batch)
	}
	return commit(batch)
}

// ReplicationState returns a version's replication state, nil if none.
func (s *Service) ReplicationState(_ context.Context, bucket, key, versionID string) (*replication.State, error) {
	v, err := s.getVersion(bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	return v.Replication.Clone(), nil
}

// ReplicationBucket describes a destination bucket for the engine's checks.
func (s *Service) ReplicationBucket(_ context.Context, name string) (replication.BucketInfo, error) {
	b, err := s.Bucket(name)
	if aws.IsCode(err, "NoSuchBucket") {
		return replication.BucketInfo{}, fmt.Errorf("%w: %s", replication.ErrBucketNotFound, name)
	}
	if err != nil {
		return replication.BucketInfo{}, err
	}
	return replication.BucketInfo{Name: b.Name, Account: b.Account, Region: b.Region, Versioned: b.Versioned(),
		OwnerEnforced: b.OwnerEnforced(), ObjectLock: b.LockEnabled()}, nil
}

// WriteReplica writes r into bucket as a replica: the source's version id
// (so its position among the key's versions is the source's), Last-Modified,
// attributes and bytes, with status REPLICA. If that version is already
// there (a retry after a crash) nothing is written. The replica is
// encrypted as r.Encryption, r.KMSKeyID and r.BucketKey say (the engine's
// Encryption seam, spec §3.3; "" is the bucket's default encryption), with
// KMS called as session via s3.<destination region>.amazonaws.com. It keeps
// the source's ETag whatever its encryption ([Inf], spec §13).
func (s *Service) WriteReplica(ctx context.Context, session aws.Principal, bucket string, r *replication.ObjectVersion, body io.Reader) error {
	ctx = kms.WithReplicaWrite(ctx)
	b, err := s.Bucket(bucket)
	if aws.IsCode(err, "NoSuchBucket") {
		return fmt.Errorf("%w: %s", replication.ErrBucketNotFound, bucket)
	}
	if err != nil {
		return err
	}
	if !b.Versioned() {
		return replication.Fail(replication.ReasonDstBucketUnversioned, fmt.Errorf("bucket %s is not versioned", bucket))
	}
	seq, ok := ParseVersionID(r.VersionID)
	if !ok {
		return fmt.Errorf("replica of %s: version id %q cannot be kept", r.Key, r.VersionID)
	}
	if exists, err := s.hasVersion(bucket, r.Key, r.VersionID, seq); err != nil || exists {
		return err
	}
	v := fromReplica(r)
	if !r.DeleteMarker && r.Size > 0 {
		if body == nil {
			return fmt.Errorf("replica of %s: no body", r.Key)
		}
		req := sse.Request{Mode: sse.Mode(r.Encryption), KMSKeyID: r.KMSKeyID, BucketKey: r.BucketKey, BucketKeySet: true}
		objKey, env, err := s.newObjectKey(ctx, session, b, r.Key, req)
		if err != nil {
			return err
		}
		seg, err := s.storeData(body, r.Size, streamOf(objKey, 0), 0)
		if err != nil {
			return fmt.Errorf("replica of %s: %w", r.Key, err)
		}
		v.Data, v.SSE = []Segment{seg}, env
	}
	unlock := s.lock(bucket, r.Key)
	defer unlock()
	exists, err := s.hasVersion(bucket, r.Key, r.VersionID, seq)
	if err == nil && !exists {
		err = s.commitVersion(b, v, nil)
	}
	if err != nil || exists {
		s.removeData(v.Data)
	}
	return err
}

// PutReplicaTags replaces the tags of a replica version.
func (s *Service) PutReplicaTags(_ context.Context, bucket, key, versionID string, tags []replication.Tag) error {
	return s.updateReplica(bucket, key, versionID, func(v *Version) {
		v.Tags = nil
		for _, t := range tags {
			v.Tags = append(v.Tags, Tag{Key: t.Key, Value: t.Value})
		}
	})
}

// PutReplicaACL replaces the ACL of a replica version.
func (s *Service) PutReplicaACL(_ context.Context, bucket, key, versionID string, acl []replication.ACLGrant) error {
	return s.updateReplica(bucket, key, versionID, func(v *Version) { v.ACL = grantsFromReplica(acl) })
}

// grantsFromReplica is the ACL a replica carries, as a version stores it.
func grantsFromReplica(acl []replication.ACLGrant) []Grant {
	var out []Grant
	for _, g := range acl {
		out = append(out, Grant{Type: g.Type, ID: g.ID, URI: g.URI, Permission: g.Permission})
	}
	return out
}

// PutReplicaLock replaces the retention and legal hold of a replica
// version: the replication role sets what the source has, whatever the
// replica's current protection.
func (s *Service) PutReplicaLock(_ context.Context, bucket, key, versionID string, r *replication.Retention, legalHold string) error {
	return s.updateReplica(bucket, key, versionID, func(v *Version) {
		v.Retention, v.LegalHold = retentionFromReplica(r), legalHold
	})
}

func retentionFromReplica(r *replication.Retention) *Retention {
	if r == nil {
		return nil
	}
	return &Retention{Mode: r.Mode, Until: r.Until.UTC()}
}

// updateReplica changes one replica version's record under the key's lock;
// NoSuchVersion when it is gone.
func (s *Service) updateReplica(bucket, key, versionID string, change func(*Version)) error {
	seq, ok := ParseVersionID(versionID)
	if !ok {
		return aws.ErrNoSuchVersion(key, versionID)
	}
	unlock := s.lock(bucket, key)
	defer unlock()
	v, err := s.versionAt(bucket, key, versionID, seq)
	if err != nil {
		return err
	}
	change(v)
	batch := s.store.NewBatch()
	batch.Set(versionKey(bucket, key, v.Seq), encodeVersion(v))
	return commit(batch)
}

func (s *Service) hasVersion(bucket, key, versionID string, seq uint64) (bool, error) {
	_, err := s.versionAt(bucket, key, versionID, seq)
	var e *aws.Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &e) && e.Code == "NoSuchVersion":
		return false, nil
	}
	return false, err
}

// toReplica copies what replication carries out of a version.
func toReplica(v *Version) *replication.ObjectVersion {
	r := &replication.ObjectVersion{
		Key: v.Key, VersionID: v.VersionID, DeleteMarker: v.DeleteMarker, LastModified: v.LastModified,
		Owner: v.Owner, Size: v.Size, ETag: v.ETag, ContentType: v.ContentType, ContentEncoding: v.ContentEncoding,
		ContentDisposition: v.ContentDisposition, ContentLanguage: v.ContentLanguage, CacheControl: v.CacheControl,
		Expires: v.Expires, Metadata: v.Metadata, StorageClass: v.StorageClass,
	}
	for _, t := range v.Tags {
		r.Tags = append(r.Tags, replication.Tag{Key: t.Key, Value: t.Value})
	}
	for _, g := range v.ACL {
		r.ACL = append(r.ACL, replication.ACLGrant{Type: g.Type, ID: g.ID, URI: g.URI, Permission: g.Permission})
	}
	if v.Checksum != nil {
		r.ChecksumAlgorithm, r.ChecksumValue, r.ChecksumType = v.Checksum.Algorithm, v.Checksum.Value, v.Checksum.Type
	}
	if v.SSE != nil {
		r.Encryption, r.KMSKeyID, r.BucketKey = string(v.SSE.Mode), v.SSE.KMSKeyARN, v.SSE.BucketKey
	}
	for _, p := range v.Parts {
		r.Parts = append(r.Parts, replication.PartLayout{Number: p.Number, Size: p.Size, ETag: p.ETag})
	}
	if v.Retention != nil {
		r.Retention = &replication.Retention{Mode: v.Retention.Mode, Until: v.Retention.Until}
	}
	r.LegalHold = v.LegalHold
	return r
}

// fromReplica builds the replica version (without its bytes).
func fromReplica(r *replication.ObjectVersion) *Version {
	v := &Version{
		Key: r.Key, VersionID: r.VersionID, DeleteMarker: r.DeleteMarker, LastModified: r.LastModified.UTC(),
		Owner: r.Owner, Size: r.Size, ETag: r.ETag, ContentType: r.ContentType, ContentEncoding: r.ContentEncoding,
		ContentDisposition: r.ContentDisposition, ContentLanguage: r.ContentLanguage, CacheControl: r.CacheControl,
		Expires: r.Expires, Metadata: r.Metadata, StorageClass: r.StorageClass,
		Replication: replication.ReplicaState(),
	}
	if v.StorageClass == defaultStorage {
		v.StorageClass = ""
	}
	for _, t := range r.Tags {
		v.Tags = append(v.Tags, Tag{Key: t.Key, Value: t.Value})
	}
	v.ACL = grantsFromReplica(r.ACL)
	if r.ChecksumAlgorithm != "" {
		v.Checksum = &Checksum{Algorithm: r.ChecksumAlgorithm, Value: r.ChecksumValue, Type: r.ChecksumType}
	}
	for _, p := range r.Parts {
		v.Parts = append(v.Parts, PartInfo{Number: p.Number, Size: p.Size, ETag: p.ETag})
	}
	v.Retention, v.LegalHold = retentionFromReplica(r.Retention), r.LegalHold
	return v
}

// The S3 service is the engine's in-process source and destination.
var (
	_ replication.Source           = (*Service)(nil)
	_ replication.DestinationStore = (*Service)(nil)
	_ replication.ReplicaACLStore  = (*Service)(nil)
	_ replication.ReplicaLockStore = (*Service)(nil)
)
