// Package doctor explains replication set-ups before and after the fact.
//
// Replication runs a chain of hops (spec §12.4): S3 assumes the rule's role,
// reads the source version as that role, decrypts it with the source KMS
// key, finds the destination bucket, re-encrypts under the replica key and
// writes the replica — each step allowed or refused by one of five
// documents (trust policy, role policy, destination bucket policy, two key
// policies). Replication (the pre-flight "doctor") asks each hop's question
// of the real policy engine for every rule of a bucket, writing nothing;
// Explain asks the same questions for one object version whose replication
// failed or is stuck, next to what the engine recorded. For every refusal
// the answer names the hop, the §6.2 failure reason objects get, the
// policies evaluated with the deciding or missing statement, and the
// statement that would fix it, in the document and account it belongs to.
package doctor

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
)

// Doctor answers diagnostic questions over a world's services.
type Doctor struct {
	S3     *s3.Service
	IAM    *iam.Service
	KMS    *kms.Service
	Authz  *authz.Authorizer
	Engine *replication.Engine
	// Peers, when set, finds destination buckets other Ferry processes
	// serve; their destination hops are checked there, not here.
	Peers s3.PeerBuckets
}

// Status is a check's outcome.
type Status string

// The outcomes. Unknown means the viewer may not read a document the
// check depends on ("cannot see").
const (
	OK      Status = "ok"
	Fail    Status = "fail"
	Warn    Status = "warn"
	Unknown Status = "unknown"
)

// Hops, in the order replication walks them.
const (
	HopSource      = "source"
	HopAssumeRole  = "assume-role"
	HopSourceRead  = "source-read"
	HopSourceKey   = "source-key"
	HopDestination = "destination"
	HopWrite       = "replica-write"
	HopOwner       = "owner-override"
	HopTags        = "tags"
	HopReplicaKey  = "replica-key"
)

// Check is one question of one hop and its answer.
type Check struct {
	Hop    string `json:"hop"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Reason is the §6.2 failure reason objects get when the check fails.
	Reason string `json:"reason,omitempty"`
	// Detail says why: the policy engine's explanation, or the state found.
	Detail string `json:"detail,omitempty"`
	// Fixes are what would make the check pass.
	Fixes []Fix `json:"fixes,omitempty"`
}

// Fix is one change that would make a check pass: a statement to add to
// a document, or a command to run, and the account that must do it.
type Fix struct {
	Account  aws.AccountID `json:"account"`
	Document string        `json:"document"`
	// Statement is a ready-to-apply policy statement (JSON), "" when the
	// fix is not a statement (see Action).
	Statement string `json:"statement,omitempty"`
	// Action says what to do when there is no statement to add: remove a
	// Deny, enable versioning, enable a key, …
	Action string `json:"action,omitempty"`
}

// RuleReport holds the checks of one rule and destination.
type RuleReport struct {
	ID                 string        `json:"id"`
	Status             string        `json:"status"`
	Destination        string        `json:"destination"`
	DestinationAccount aws.AccountID `json:"destinationAccount,omitempty"`
	DestinationRegion  string        `json:"destinationRegion,omitempty"`
	Checks             []Check       `json:"checks"`
}

// Report is the pre-flight check of a bucket's replication configuration.
type Report struct {
	Bucket  string        `json:"bucket"`
	Account aws.AccountID `json:"account"`
	Region  string        `json:"region"`
	Role    string        `json:"role"`
	// OK is false when any check fails (objects would end FAILED) or could
	// not be made (a document the viewer cannot see).
	OK    bool         `json:"ok"`
	Rules []RuleReport `json:"rules"`
}

// ErrNoConfiguration is returned for a bucket without a replication
// configuration.
var ErrNoConfiguration = errors.New("the bucket has no replication configuration")

// Replication checks every hop of every enabled rule of bucket's
// replication configuration, as viewer sees the documents involved. It
// writes nothing. A viewer that may not read the configuration gets S3's
// AccessDenied.
func (d *Doctor) Replication(ctx context.Context, viewer aws.Principal, bucket string) (*Report, error) {
	src, cfg, err := d.configuration(ctx, viewer, bucket)
	if err != nil {
		return nil, err
	}
	rep := &Report{Bucket: src.Name, Account: src.Account, Region: src.Region, Role: cfg.Role, OK: true}
	r := d.newRun(ctx, viewer, src, cfg.Role)
	for i := range cfg.Rules {
		rule := &cfg.Rules[i]
		rr := RuleReport{ID: rule.ID, Status: rule.Status, Destination: rule.DestinationBucket()}
		if !rule.Enabled() {
			rep.Rules = append(rep.Rules, rr)
			continue
		}
		t := r.ruleTarget(rule)
		rr.DestinationAccount, rr.DestinationRegion = t.dstAccount(), t.dstRegion()
		rr.Checks = r.checks(t)
		rep.OK = rep.OK && passes(rr.Checks)
		rep.Rules = append(rep.Rules, rr)
	}
	return rep, nil
}

// configuration reads the source bucket and its replication configuration
// as the viewer may (s3:GetReplicationConfiguration; the operator always).
func (d *Doctor) configuration(ctx context.Context, viewer aws.Principal, bucket string) (*s3.Bucket, *replication.Configuration, error) {
	var cfg *replication.Configuration
	var err error
	if viewer.Type == aws.PrincipalAdmin {
		cfg, err = d.S3.ReplicationConfiguration(bucket)
	} else {
		cfg, err = d.S3.GetBucketReplication(ctx, viewer, bucket)
	}
	if err != nil {
		return nil, nil, err
	}
	if cfg == nil {
		return nil, nil, fmt.Errorf("%s: %w", bucket, ErrNoConfiguration)
	}
	src, err := d.S3.Bucket(bucket)
	if err != nil {
		return nil, nil, err
	}
	return src, cfg.WithIDs(), nil
}

// passes reports whether no check fails or is unknown.
func passes(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Fail || c.Status == Unknown {
			return false
		}
	}
	return true
}
