package replication

import "time"

// Reasons that only Batch Replication reports (spec §6.2).
const (
	ReasonSrcBucketReplicationConfigMissing = "SrcBucketReplicationConfigMissing"
	ReasonSrcObjectNotEligible              = "SrcObjectNotEligible"
	ReasonSrcKeyNotFound                    = "SrcKeyNotFound"
	ReasonSrcBucketNotFound                 = "SrcBucketNotFound"
	ReasonSrcBucketInvalidRegion            = "SrcBucketInvalidRegion"
	ReasonInitiateReplicationNotPermitted   = "InitiateReplicationNotPermitted"
)

// Candidate is a source version as Batch Replication's manifest generator
// sees it (spec §9): its replication status ("" for NONE) and whether a
// rule of the bucket's current configuration matches it.
type Candidate struct {
	Bucket, Key, VersionID string
	IsLatest               bool
	DeleteMarker           bool
	LastModified           time.Time
	Size                   int64
	StorageClass           string
	Status                 Status
	Eligible               bool
}

// BatchMatch is Match for a Batch Replication task: the destinations of
// the current configuration for an existing version. Unlike live
// replication a replica may be replicated again (its REPLICA status is
// what a job's filter asks for), and a delete marker goes where the
// winning rule replicates markers.
func (c *Configuration) BatchMatch(o Object, deleteMarker bool) []Target {
	op := OpPut
	if deleteMarker {
		op = OpDeleteMarker
	}
	o.Replica = false
	return c.Match(op, o)
}
