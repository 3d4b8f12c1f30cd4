package s3

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/policy"
)

// Actions of the replication configuration operations. DeleteBucketReplication
// has no action of its own: it needs s3:PutReplicationConfiguration.
const (
	ActionPutReplication = "s3:PutReplicationConfiguration"
	ActionGetReplication = "s3:GetReplicationConfiguration"
)

// replicationBucket loads a bucket and authorizes a replication
// configuration action on it (the bucket ARN is the resource).
func (s *Service) replicationBucket(ctx context.Context, p aws.Principal, bucket, action string) (*Bucket, error) {
	return s.bucketFor(ctx, p, bucket, on(action, ""))
}

// PutBucketReplication validates a ReplicationConfiguration document and
// stores it with the bucket, replacing any earlier one. The checks run in the
// order AWS reports them: bucket and permission, schema (MalformedXML),
// iam:PassRole on the role, source versioning, the rules, then each
// destination bucket (which may belong to another account: only its
// existence and versioning are checked, as AWS does).
func (s *Service) PutBucketReplication(ctx context.Context, p aws.Principal, bucket string, doc []byte) error {
	if _, err := s.replicationBucket(ctx, p, bucket, ActionPutReplication); err != nil {
		return err
	}
	cfg, err := replication.Parse(doc)
	if err != nil {
		return err
	}
	if err := s.passRole(ctx, p, cfg.Role); err != nil {
		return err
	}
	stored := cfg.WithIDs()
	return s.updateBucket(bucket, func(b *Bucket) error {
		if !b.Versioned() {
			return replication.ErrSourceNotVersioned()
		}
		if err := cfg.Validate(bucket); err != nil {
			return err
		}
		if err := s.checkDestinations(ctx, cfg); err != nil {
			return err
		}
		b.Replication = stored
		return nil
	})
}

// checkDestinations requires every destination bucket to exist with
// versioning Enabled; AWS answers both failures alike (§2.2 #2, #3). A
// bucket this process does not serve is looked up at the peers (SetPeers).
func (s *Service) checkDestinations(ctx context.Context, cfg *replication.Configuration) error {
	for _, name := range cfg.DestinationBuckets() {
		d, err := s.Bucket(name)
		if aws.IsCode(err, "NoSuchBucket") && s.peers != nil {
			info, err := s.peers.ReplicationBucket(ctx, name)
			if errors.Is(err, replication.ErrBucketNotFound) || (err == nil && !info.Versioned) {
				return replication.ErrDestinationNotVersioned()
			}
			if err != nil {
				return aws.Internal(fmt.Errorf("replication destination %s: %w", name, err))
			}
			continue
		}
		if aws.IsCode(err, "NoSuchBucket") {
			return replication.ErrDestinationNotVersioned()
		}
		if err != nil {
			return fmt.Errorf("replication destination %s: %w", name, err)
		}
		if !d.Versioned() {
			return replication.ErrDestinationNotVersioned()
		}
	}
	return nil
}

// GetBucketReplication returns the stored configuration, with the rule IDs
// S3 generated, or ReplicationConfigurationNotFoundError.
func (s *Service) GetBucketReplication(ctx context.Context, p aws.Principal, bucket string) (*replication.Configuration, error) {
	b, err := s.replicationBucket(ctx, p, bucket, ActionGetReplication)
	if err != nil {
		return nil, err
	}
	if b.Replication == nil {
		return nil, replication.ErrNotFound(bucket)
	}
	return b.Replication, nil
}

// DeleteBucketReplication removes the configuration; deleting an absent one
// succeeds too.
func (s *Service) DeleteBucketReplication(ctx context.Context, p aws.Principal, bucket string) error {
	b, err := s.replicationBucket(ctx, p, bucket, ActionPutReplication)
	if err != nil {
		return err
	}
	if b.Replication == nil {
		return nil
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.Replication = nil
		return nil
	})
}

// ReplicationConfiguration returns a bucket's configuration (nil when it has
// none) without authorizing: it is for the replication engine, which matches
// every new version against it.
func (s *Service) ReplicationConfiguration(bucket string) (*replication.Configuration, error) {
	b, err := s.Bucket(bucket)
	if err != nil {
		return nil, err
	}
	return b.Replication, nil
}

// passRole is the iam:PassRole check of PutBucketReplication: may p hand
// roleARN to S3? It is decided by authz like any IAM action on the role,
// with iam:PassedToService s3.amazonaws.com; IAM has no resource policies,
// so a role of another account can never be passed. S3 answers a denial
// with its plain AccessDenied. Whether the role exists is not checked, as
// AWS does not: a missing role makes replication fail later (§2.2 #24).
func (s *Service) passRole(ctx context.Context, p aws.Principal, roleARN string) error {
	account, ok := replication.RoleAccount(roleARN)
	if !ok {
		return nil // Validate reports the malformed ARN
	}
	_, err := s.authz.Authorize(ctx, authz.Request{Principal: p, Action: "iam:PassRole", Resource: roleARN,
		ResourceAccount: aws.AccountID(account), Keys: policy.ContextOf("iam:PassedToService", "s3.amazonaws.com")})
	if aws.IsCode(err, "AccessDenied") {
		return aws.ErrAccessDenied()
	}
	return err
}
