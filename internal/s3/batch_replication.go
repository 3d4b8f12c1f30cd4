package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/sse"
)

// This file is the S3 service's side of Batch Replication (spec §9): the
// version scan behind a generated manifest, the enqueueing of one task of a
// job into the replication engine, and reads and writes of the manifest and
// completion report as the job's role session (authorized as any request).

// ScanReplicationCandidates calls fn for every version and delete marker
// of bucket, in key order and newest first, until fn returns false. It
// does not authorize: the batch service checks the job role first.
func (s *Service) ScanReplicationCandidates(bucket string, fn func(replication.Candidate) bool) error {
	b, err := s.Bucket(bucket)
	if err != nil {
		return err
	}
	sc, err := s.newScan(bucket, "", "")
	if err != nil {
		return err
	}
	prev := ""
	first := true
	for ok := sc.seekAfterKey(""); ok; ok = sc.it.Next() {
		key, err := sc.key()
		if err != nil {
			sc.close()
			return err
		}
		v, err := sc.version()
		if err != nil {
			sc.close()
			return err
		}
		latest := first || key != prev
		first, prev = false, key
		c := replication.Candidate{Bucket: bucket, Key: v.Key, VersionID: v.VersionID, IsLatest: latest,
			DeleteMarker: v.DeleteMarker, LastModified: v.LastModified, Size: v.Size, StorageClass: v.Class(),
			Status: v.Replication.Status()}
		c.Eligible = len(s.batchTargets(b, v)) > 0
		if !fn(c) {
			break
		}
	}
	return sc.close()
}

// batchTargets are the destinations of the bucket's current configuration
// for an existing version.
func (s *Service) batchTargets(b *Bucket, v *Version) []replication.Target {
	if b.Replication == nil {
		return nil
	}
	kmsEncrypted := v.SSE != nil && v.SSE.Mode == sse.ModeKMS
	return b.Replication.BatchMatch(replication.Object{Key: v.Key, Tags: tagMap(v.Tags), StorageClass: v.StorageClass,
		KMSEncrypted: kmsEncrypted}, v.DeleteMarker)
}

// ReplicateForJob hands one version (the latest when versionID is "") to
// the replication engine for task idx of a Batch Replication job: the
// version turns PENDING towards each destination of the bucket's current
// configuration and the engine's tasks, tagged with the job, commit with
// it and with extra's writes, in one batch under the key's lock. It
// returns the number of destinations, or a *replication.Failure when the
// version cannot be replicated (SrcBucketNotFound, SrcBucketInvalidRegion
// when the bucket is not in the job's region, SrcBucketReplicationConfigMissing,
// SrcKeyNotFound, SrcVersionNotFound, SrcObjectNotEligible).
func (s *Service) ReplicateForJob(_ context.Context, region, bucket, key, versionID, job string, idx uint64, extra func(meta.Batch, int)) (int, error) {
	if s.replicator == nil {
		return 0, fmt.Errorf("s3: no replication engine")
	}
	b, err := s.Bucket(bucket)
	if aws.IsCode(err, "NoSuchBucket") {
		return 0, replication.Fail(replication.ReasonSrcBucketNotFound, err)
	}
	if err != nil {
		return 0, err
	}
	if region != "" && b.Region != region {
		return 0, replication.Fail(replication.ReasonSrcBucketInvalidRegion,
			fmt.Errorf("bucket %s is in %s, the job in %s", bucket, b.Region, region))
	}
	if b.Replication == nil {
		return 0, replication.Fail(replication.ReasonSrcBucketReplicationConfigMissing,
			fmt.Errorf("bucket %s has no replication configuration", bucket))
	}
	unlock := s.lock(bucket, key)
	defer unlock()
	v, err := s.getVersion(bucket, key, versionID)
	switch {
	case aws.IsCode(err, "NoSuchKey"):
		return 0, replication.Fail(replication.ReasonSrcKeyNotFound, err)
	case aws.IsCode(err, "NoSuchVersion"):
		return 0, replication.Fail(replication.ReasonSrcVersionNotFound, err)
	case err != nil:
		return 0, err
	}
	targets := s.batchTargets(b, v)
	if len(targets) == 0 {
		return 0, replication.Fail(replication.ReasonSrcObjectNotEligible,
			fmt.Errorf("%s/%s (%s) matches no rule of the replication configuration", bucket, key, v.VersionID))
	}
	v.Replication = v.Replication.WithPending(targets)
	batch := s.store.NewBatch()
	batch.Set(versionKey(bucket, key, v.Seq), encodeVersion(v))
	work := versionWork(b, v, targets)
	work.Job, work.JobTask = job, idx
	s.replicator.Enqueue(batch, work)
	if extra != nil {
		extra(batch, len(targets))
	}
	if err := commit(batch); err != nil {
		return 0, err
	}
	s.replicator.Wake()
	return len(targets), nil
}

// ReadObjectAs reads a whole object (a manifest) as p, authorized like a
// GetObject request; it returns the bytes and the unquoted ETag.
func (s *Service) ReadObjectAs(ctx context.Context, p aws.Principal, bucket, key, versionID string) ([]byte, string, error) {
	out, err := s.GetObject(ctx, p, GetObjectInput{Bucket: bucket, Key: key, VersionID: versionID})
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", err
	}
	return body, out.Version.ETag, nil
}

// WriteObjectAs writes an object (a completion report) as p, authorized
// like a PutObject request.
func (s *Service) WriteObjectAs(ctx context.Context, p aws.Principal, bucket, key string, body []byte, contentType string) error {
	_, err := s.PutObject(ctx, p, PutObjectInput{Bucket: bucket, Key: key, Body: bytes.NewReader(body),
		Size: int64(len(body)), Attributes: ObjectAttributes{ContentType: contentType}})
	return err
}
