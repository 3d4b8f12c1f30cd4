package replication

import "strings"

// Op is the kind of change made to a source bucket that may need replicating.
type Op int

// The changes the engine asks about.
const (
	// OpPut is a new object version: PUT, POST, COPY or CompleteMultipartUpload.
	OpPut Op = iota
	// OpDeleteMarker is a delete marker made by a DELETE without versionId.
	OpDeleteMarker
	// OpVersionDelete is a DELETE with versionId, of an object version or of
	// a delete marker. It is never replicated (§3.2).
	OpVersionDelete
	// OpLifecycleDeleteMarker is a delete marker made by lifecycle
	// expiration. It is never replicated (§3.2).
	OpLifecycleDeleteMarker
	// OpMetadata is a tag, ACL or Object Lock change on an existing version.
	OpMetadata
)

// Object describes the source version a change is about.
type Object struct {
	Key string
	// Tags are the tags supplied when the version was created (a later
	// PutObjectTagging does not make a version eligible, §1.3).
	Tags map[string]string
	// KMSEncrypted is true for SSE-KMS and DSSE-KMS versions.
	KMSEncrypted bool
	// StorageClass is the version's class ("" means STANDARD).
	StorageClass string
	// Replica is true when the version was written by replication.
	Replica bool
}

// Target is one destination a change goes to, with the rule that governs it
// (storage class, replica key, owner override, metrics and RTC).
type Target struct {
	// Bucket is the destination bucket's name.
	Bucket string
	Rule   *Rule
}

// StorageClass is the replica's storage class: the rule's, or the source's
// when the rule names none (§1.4).
func (t Target) StorageClass(source string) string {
	if t.Rule.Destination.StorageClass != "" {
		return t.Rule.Destination.StorageClass
	}
	if source == "" {
		return "STANDARD"
	}
	return source
}

// Match returns the destinations a change to object goes to, one Target per
// destination bucket, in the order the configuration first names them
// (spec §1.3, §3, §12.2):
//
//   - only Enabled rules take part; a Disabled rule is as if absent ([Inf]:
//     it does not shadow a lower-priority Enabled rule);
//   - a rule matches on its prefix (V1) or filter (V2: prefix, tag, or And),
//     and, for an SSE-KMS/DSSE-KMS object, only if it opts in with
//     SseKmsEncryptedObjects ([Inf]: the opt-in is part of matching, so a
//     lower-priority rule that opts in still applies);
//   - per destination, the matching rule with the highest Priority wins
//     (equal priorities, possible only in V1: the first in the document);
//   - versions in GLACIER or DEEP_ARCHIVE, version-specific deletes and
//     lifecycle delete markers are never replicated;
//   - a replica is never replicated again, except a metadata change under a
//     rule with ReplicaModifications Enabled (two-way setups);
//   - a delete marker has no tags, so tag rules never match it; it goes to a
//     destination when the winning rule is V1, or V2 with
//     DeleteMarkerReplication Enabled ([Inf]: the winner's setting decides,
//     a lower-priority rule that replicates markers does not step in).
//
// For OpMetadata on a version that is not a replica, the engine sends the
// change only to destinations that already hold the replica; Match returns
// the candidates.
func (c *Configuration) Match(op Op, o Object) []Target {
	if c == nil || !eligible(op, o) {
		return nil
	}
	var out []Target
	index := map[string]int{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.Enabled() || !r.matches(op, o) {
			continue
		}
		dst := r.DestinationBucket()
		if j, ok := index[dst]; ok {
			if r.priority() > out[j].Rule.priority() {
				out[j].Rule = r
			}
			continue
		}
		index[dst] = len(out)
		out = append(out, Target{Bucket: dst, Rule: r})
	}
	kept := out[:0]
	for _, t := range out {
		if t.Rule.applies(op, o) {
			kept = append(kept, t)
		}
	}
	return kept
}

// eligible applies what no rule can override.
func eligible(op Op, o Object) bool {
	switch op {
	case OpVersionDelete, OpLifecycleDeleteMarker:
		return false
	case OpDeleteMarker:
		return !o.Replica
	case OpPut:
		if o.Replica {
			return false
		}
	}
	return o.StorageClass != "GLACIER" && o.StorageClass != "DEEP_ARCHIVE"
}

// matches reports whether the rule's scope covers the object. Delete markers
// carry no tags and no encryption.
func (r *Rule) matches(op Op, o Object) bool {
	var tags map[string]string
	if op != OpDeleteMarker {
		tags = o.Tags
		if o.KMSEncrypted && !r.ReplicatesKMS() {
			return false
		}
	}
	for _, p := range r.prefixes() {
		if !strings.HasPrefix(o.Key, p) {
			return false
		}
	}
	for _, t := range r.tags() {
		if v, ok := tags[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	return true
}

// applies decides, for the winning rule of a destination, whether this kind
// of change is replicated under it.
func (r *Rule) applies(op Op, o Object) bool {
	switch {
	case op == OpDeleteMarker:
		return !r.V2() || r.DeleteMarkerReplication.Enabled()
	case op == OpMetadata && o.Replica:
		return r.ReplicatesReplicaModifications()
	}
	return true
}
