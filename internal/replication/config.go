// Package replication is S3 Replication's configuration: the
// ReplicationConfiguration document (wire shape, schema and semantic
// validation with AWS's exact errors) and the rule matching that decides, for
// a new object version or delete marker, which destination buckets it goes to.
//
// The package does no I/O. The S3 service parses and validates a document
// with Parse and Validate, checks what needs the store (source and
// destination versioning), and keeps the Configuration with the bucket; the
// replication engine calls Match at write time.
//
// A Configuration is immutable once stored: it is shared by every reader of
// the bucket record.
//
// Where AWS is silent the package makes a choice, marked [Inf] in the doc
// comments and kept in errors.go (messages) and match.go (semantics); each
// has a test.
package replication

import (
	"encoding/xml"
	"strings"
)

// Namespace is S3's XML namespace, written on GetBucketReplication's answer.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// Limits of a configuration (S3 API model and user guide).
const (
	MaxRules      = 1000
	MaxIDLength   = 255
	MaxPrefix     = 1024
	MaxDocument   = 2 << 20 // bytes
	OnlyMinutes   = 15      // the only valid ReplicationTime/EventThreshold value
	statusEnabled = "Enabled"
)

// Configuration is a bucket's ReplicationConfiguration. Field order is the
// order of the S3 API model, which is the order GetBucketReplication writes.
type Configuration struct {
	XMLName xml.Name `xml:"ReplicationConfiguration" json:"-"`
	NS      string   `xml:"xmlns,attr,omitempty" json:"-"`
	Role    string   `xml:"Role" json:"role"`
	Rules   []Rule   `xml:"Rule" json:"rules"`
}

// Rule is one replication rule. A rule with a Filter uses the V2 schema; a
// rule without one is V1 (rule-level Prefix only).
type Rule struct {
	ID       string `xml:"ID,omitempty" json:"id,omitempty"`
	Priority *int   `xml:"Priority" json:"priority,omitempty"`
	// Prefix is the V1 (deprecated) rule-level prefix; nil when absent.
	Prefix                    *string                  `xml:"Prefix" json:"prefix,omitempty"`
	Filter                    *Filter                  `xml:"Filter" json:"filter,omitempty"`
	Status                    string                   `xml:"Status" json:"status"`
	SourceSelectionCriteria   *SourceSelectionCriteria `xml:"SourceSelectionCriteria" json:"ssc,omitempty"`
	ExistingObjectReplication *StatusElement           `xml:"ExistingObjectReplication" json:"eor,omitempty"`
	Destination               *Destination             `xml:"Destination" json:"destination,omitempty"`
	DeleteMarkerReplication   *StatusElement           `xml:"DeleteMarkerReplication" json:"dmr,omitempty"`
}

// Filter selects the objects of a V2 rule: at most one of Prefix, Tag, And;
// an empty Filter selects every object.
type Filter struct {
	Prefix *string `xml:"Prefix" json:"prefix,omitempty"`
	Tag    *Tag    `xml:"Tag" json:"tag,omitempty"`
	And    *And    `xml:"And" json:"and,omitempty"`
}

// And combines a prefix and several tags; an object must match all of them.
type And struct {
	Prefix *string `xml:"Prefix" json:"prefix,omitempty"`
	Tags   []Tag   `xml:"Tag" json:"tags,omitempty"`
}

// Tag is one key/value condition of a filter.
type Tag struct {
	Key   string `xml:"Key" json:"k"`
	Value string `xml:"Value" json:"v"`
}

// StatusElement is the {Status} shape shared by DeleteMarkerReplication,
// ExistingObjectReplication, SseKmsEncryptedObjects and ReplicaModifications.
type StatusElement struct {
	Status string `xml:"Status,omitempty" json:"status,omitempty"`
}

// Enabled reports whether the element is present with Status Enabled.
func (s *StatusElement) Enabled() bool { return s != nil && s.Status == statusEnabled }

// SourceSelectionCriteria opts a rule in to SSE-KMS objects and to replicating
// metadata changes made on replicas.
type SourceSelectionCriteria struct {
	SseKmsEncryptedObjects *StatusElement `xml:"SseKmsEncryptedObjects" json:"kms,omitempty"`
	ReplicaModifications   *StatusElement `xml:"ReplicaModifications" json:"replicaMods,omitempty"`
}

// Destination is where a rule's replicas go.
type Destination struct {
	// Bucket is the destination bucket's ARN (arn:aws:s3:::name).
	Bucket                   string                    `xml:"Bucket" json:"bucket"`
	Account                  string                    `xml:"Account,omitempty" json:"account,omitempty"`
	StorageClass             string                    `xml:"StorageClass,omitempty" json:"storageClass,omitempty"`
	AccessControlTranslation *AccessControlTranslation `xml:"AccessControlTranslation" json:"act,omitempty"`
	EncryptionConfiguration  *EncryptionConfiguration  `xml:"EncryptionConfiguration" json:"enc,omitempty"`
	ReplicationTime          *ReplicationTime          `xml:"ReplicationTime" json:"rtc,omitempty"`
	Metrics                  *Metrics                  `xml:"Metrics" json:"metrics,omitempty"`
}

// ReplicaKmsKeyID is the key SSE-KMS replicas are encrypted with, "" if none.
func (d *Destination) ReplicaKmsKeyID() string {
	if d.EncryptionConfiguration == nil {
		return ""
	}
	return d.EncryptionConfiguration.ReplicaKmsKeyID
}

// MetricsEnabled reports whether the destination has replication metrics,
// which RTC turns on (§7): failures then produce FailedReplication events.
func (d *Destination) MetricsEnabled() bool {
	return (d.Metrics != nil && d.Metrics.Status == statusEnabled) || d.RTCEnabled()
}

// RTCEnabled reports whether Replication Time Control is on: versions then
// produce the MissedThreshold and ReplicatedAfterThreshold events (§7).
func (d *Destination) RTCEnabled() bool {
	return d.ReplicationTime != nil && d.ReplicationTime.Status == statusEnabled
}

// OwnerOverride reports whether replicas are owned by the destination
// bucket's owner (AccessControlTranslation).
func (d *Destination) OwnerOverride() bool { return d.AccessControlTranslation != nil }

// AccessControlTranslation switches replica ownership to the destination
// bucket owner; Owner is always "Destination".
type AccessControlTranslation struct {
	Owner string `xml:"Owner" json:"owner"`
}

// EncryptionConfiguration names the KMS key SSE-KMS replicas are encrypted
// with (a key or alias ARN in the destination's region). S3 does not check it
// at configuration time.
type EncryptionConfiguration struct {
	ReplicaKmsKeyID string `xml:"ReplicaKmsKeyID,omitempty" json:"key,omitempty"`
}

// ReplicationTime is S3 Replication Time Control (RTC).
type ReplicationTime struct {
	Status string     `xml:"Status" json:"status"`
	Time   *TimeValue `xml:"Time" json:"time,omitempty"`
}

// Metrics enables replication metrics (and, with RTC, threshold events).
type Metrics struct {
	Status         string     `xml:"Status" json:"status"`
	EventThreshold *TimeValue `xml:"EventThreshold" json:"threshold,omitempty"`
}

// TimeValue is a ReplicationTimeValue; Minutes may only be 15.
type TimeValue struct {
	Minutes *int `xml:"Minutes" json:"minutes,omitempty"`
}

// V2 reports whether the rule uses the V2 schema (it has a Filter).
func (r *Rule) V2() bool { return r.Filter != nil }

// Enabled reports whether the rule is Enabled.
func (r *Rule) Enabled() bool { return r.Status == statusEnabled }

// ReplicatesKMS reports whether the rule opts in to SSE-KMS and DSSE-KMS
// objects (SseKmsEncryptedObjects Enabled).
func (r *Rule) ReplicatesKMS() bool {
	return r.SourceSelectionCriteria != nil && r.SourceSelectionCriteria.SseKmsEncryptedObjects.Enabled()
}

// ReplicatesReplicaModifications reports whether metadata changes made on
// replicas go back through this rule (ReplicaModifications Enabled).
func (r *Rule) ReplicatesReplicaModifications() bool {
	return r.SourceSelectionCriteria != nil && r.SourceSelectionCriteria.ReplicaModifications.Enabled()
}

// priority is the rule's priority, 0 when absent.
func (r *Rule) priority() int {
	if r.Priority == nil {
		return 0
	}
	return *r.Priority
}

// DestinationBucket is the destination bucket's name, "" if the ARN is not an
// S3 bucket ARN.
func (r *Rule) DestinationBucket() string {
	if r.Destination == nil {
		return ""
	}
	name, _ := BucketFromARN(r.Destination.Bucket)
	return name
}

// DestinationBuckets lists the distinct destination bucket names in the
// order rules name them.
func (c *Configuration) DestinationBuckets() []string {
	var out []string
	seen := map[string]bool{}
	for i := range c.Rules {
		name := c.Rules[i].DestinationBucket()
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// BucketFromARN returns the bucket name of an S3 bucket ARN
// (arn:aws:s3:::name, in any partition).
func BucketFromARN(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "s3" || parts[3] != "" || parts[4] != "" {
		return "", false
	}
	name := parts[5]
	if name == "" || strings.ContainsAny(name, "/:*?") {
		return "", false
	}
	return name, true
}

// RoleAccount returns the account of an IAM role ARN
// (arn:aws:iam::<12 digits>:role/[path/]name).
func RoleAccount(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" {
		return "", false
	}
	if !isAccountID(parts[4]) || !strings.HasPrefix(parts[5], "role/") || strings.HasSuffix(parts[5], "/") {
		return "", false
	}
	return parts[4], true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// KeyPrefix is the key prefix the rule selects objects by ("" for every
// key): the V1 Prefix, or the V2 filter's Prefix or And.Prefix.
func (r *Rule) KeyPrefix() string {
	if p := r.prefixes(); len(p) > 0 {
		return p[0]
	}
	return ""
}

// ReplicatesDeleteMarkers reports whether delete markers go through the
// rule: always for V1, with DeleteMarkerReplication Enabled for V2.
func (r *Rule) ReplicatesDeleteMarkers() bool {
	return r.applies(OpDeleteMarker, Object{})
}
