package doctor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
)

// Explanation is why one object version's replication stands where it
// does: per destination, what the engine recorded and what the hops say now.
type Explanation struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId"`
	// Status is the version's x-amz-replication-status ("" when no rule
	// matched it).
	Status       string                   `json:"status"`
	Destinations []DestinationExplanation `json:"destinations,omitempty"`
	// Note explains a version without destinations.
	Note string `json:"note,omitempty"`
}

// DestinationExplanation is one destination of an Explanation.
type DestinationExplanation struct {
	Bucket string `json:"bucket"`
	RuleID string `json:"ruleId,omitempty"`
	Status string `json:"status"`
	// Reason, Attempts, LastAttempt and LastError are what the engine
	// recorded; Queued and NextAttempt describe a task still waiting.
	Reason      string    `json:"reason,omitempty"`
	Attempts    int       `json:"attempts,omitempty"`
	LastAttempt time.Time `json:"lastAttempt,omitzero"`
	LastError   string    `json:"lastError,omitempty"`
	Queued      bool      `json:"queued,omitempty"`
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	// Hop is the first hop that fails now, "" when none does; Failing is
	// its check.
	Hop     string  `json:"hop,omitempty"`
	Failing *Check  `json:"failing,omitempty"`
	Checks  []Check `json:"checks,omitempty"`
	// Summary is one sentence for people.
	Summary string `json:"summary"`
}

// Explain explains the replication of one version of key in bucket (the
// latest when versionID is ""), as viewer sees it: the state the engine
// recorded per destination and, for every destination not COMPLETED, the
// hops checked again for this very version — its key, tags, encryption
// key, delete-marker-ness — under the rule that sent it there.
func (d *Doctor) Explain(ctx context.Context, viewer aws.Principal, bucket, key, versionID string) (*Explanation, error) {
	src, cfg, err := d.configuration(ctx, viewer, bucket)
	if err != nil && !isNoConfiguration(err) {
		return nil, err
	}
	if src == nil {
		if src, err = d.S3.Bucket(bucket); err != nil {
			return nil, err
		}
	}
	if viewer.Type != aws.PrincipalAdmin {
		// What the engine recorded about a version is the version's
		// metadata: the viewer must be allowed to read it, as a GET of
		// that version would be (s3:versionid, the version's owner and ACL).
		action, keys := "s3:GetObject", map[string][]string(nil)
		if versionID != "" {
			action, keys = "s3:GetObjectVersion", map[string][]string{"s3:versionid": {versionID}}
		}
		if _, err := d.S3.Decide(ctx, viewer, action, objectARN(bucket, key), keys); err != nil {
			return nil, err
		}
	}
	v, err := d.S3.ReadReplicationVersion(ctx, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	status, dests, err := d.Engine.Status(ctx, bucket, key, v.VersionID)
	if err != nil {
		return nil, err
	}
	ex := &Explanation{Bucket: bucket, Key: key, VersionID: v.VersionID, Status: string(status)}
	switch {
	case status == replication.StatusReplica:
		ex.Note = "this version is a replica written by replication; replicas are not replicated again"
	case status == "":
		ex.Note = "no replication rule matched this version when it was written, so it has no replication status"
	}
	roleARN := ""
	if cfg != nil {
		roleARN = cfg.Role
	}
	r := d.newRun(ctx, viewer, src, roleARN)
	for _, ds := range dests {
		ex.Destinations = append(ex.Destinations, r.explainDestination(cfg, v, ds))
	}
	return ex, nil
}

func (r *run) explainDestination(cfg *replication.Configuration, v *replication.ObjectVersion, ds replication.DestinationStatus) DestinationExplanation {
	de := DestinationExplanation{Bucket: ds.Bucket, RuleID: ds.RuleID, Status: string(ds.Status), Reason: ds.FailureReason,
		Attempts: ds.Attempts, LastAttempt: ds.LastAttempt, LastError: ds.LastError, Queued: ds.Queued, NextAttempt: ds.NextAttempt}
	if ds.Status == replication.StatusCompleted {
		de.Summary = "replicated to " + ds.Bucket
		return de
	}
	rule := findRule(cfg, ds.RuleID, ds.Bucket)
	if rule == nil {
		de.Summary = "the rule that sent this version to " + ds.Bucket + " is no longer in the bucket's replication configuration"
		return de
	}
	t := r.versionTarget(rule, v)
	de.Checks = r.checks(t)
	for i := range de.Checks {
		if c := &de.Checks[i]; c.Status == Fail || (c.Status == Unknown && de.Failing == nil) {
			de.Hop, de.Failing = c.Hop, c
			if c.Status == Fail {
				break
			}
		}
	}
	de.Summary = summary(&de)
	return de
}

// versionTarget is the target of one object version under rule.
func (r *run) versionTarget(rule *replication.Rule, v *replication.ObjectVersion) *target {
	t := &target{rule: rule, dstName: rule.DestinationBucket(), key: v.Key, object: true, tags: len(v.Tags) > 0,
		deleteMarker: v.DeleteMarker, kmsOptIn: rule.ReplicatesKMS(), retention: v.Retention != nil, legalHold: v.LegalHold == "ON"}
	if v.Encryption == "aws:kms" || v.Encryption == "aws:kms:dsse" {
		t.srcKMS, t.bucketKey = v.KMSKeyID, v.BucketKey
	}
	t.dst, _ = r.d.S3.Bucket(t.dstName)
	r.findRemote(t)
	return t
}

// summary is the one-sentence account of a destination not COMPLETED.
func summary(de *DestinationExplanation) string {
	now := "every hop passes now"
	if de.Failing != nil {
		now = fmt.Sprintf("hop %s fails now: %s", de.Failing.Hop, de.Failing.Title)
		if de.Failing.Status == Unknown {
			now = fmt.Sprintf("hop %s cannot be checked with these credentials", de.Failing.Hop)
		}
	}
	switch {
	case de.Status == string(replication.StatusFailed) && de.Failing != nil && de.Failing.Reason == de.Reason:
		return fmt.Sprintf("FAILED with %s; %s", de.Reason, now)
	case de.Status == string(replication.StatusFailed) && de.Failing == nil:
		return fmt.Sprintf("FAILED with %s, but %s: the set-up was fixed since; write the object again (or copy it onto itself) to replicate it", de.Reason, now)
	case de.Status == string(replication.StatusFailed):
		return fmt.Sprintf("FAILED with %s; %s", de.Reason, now)
	case de.Failing != nil:
		return fmt.Sprintf("PENDING after %d attempts; %s", de.Attempts, now)
	}
	return fmt.Sprintf("PENDING after %d attempts; %s: the engine is retrying a transient fault", de.Attempts, now)
}

// findRule is the rule with that id bound for bucket, nil when the
// configuration no longer has it.
func findRule(cfg *replication.Configuration, id, bucket string) *replication.Rule {
	if cfg == nil {
		return nil
	}
	for i := range cfg.Rules {
		if id != "" && cfg.Rules[i].ID == id && cfg.Rules[i].DestinationBucket() == bucket {
			return &cfg.Rules[i]
		}
	}
	return nil
}

func isNoConfiguration(err error) bool {
	return errors.Is(err, ErrNoConfiguration) || aws.IsCode(err, "ReplicationConfigurationNotFoundError")
}
