package replication

import (
	"strconv"

	"github.com/ferrystore/ferry/internal/aws"
)

// The errors of Put/Get/DeleteBucketReplication. Codes and messages marked
// Obs were seen from AWS; those marked [Inf] are Ferry's choice where AWS
// publishes nothing (spec replication.md §2.2 and §13). Keep every message
// here so a capture from AWS can correct it in one place.

const schemaHint = " for this version of Cross Region Replication configuration schema. Please refer to S3 Developer Guide for more information."

// ErrMalformedXML: the document fails the schema (§2.2 #4, #18). Obs.
func ErrMalformedXML() *aws.Error { return aws.ErrMalformedXML() }

// ErrSourceNotVersioned: the source bucket's versioning is not Enabled (#1). Obs.
func ErrSourceNotVersioned() *aws.Error {
	return aws.ErrInvalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration")
}

// ErrDestinationNotVersioned: a destination bucket is missing or not
// versioned; AWS gives both the same answer (#2, #3). Obs.
func ErrDestinationNotVersioned() *aws.Error {
	return aws.ErrInvalidRequest("Destination bucket must have versioning enabled.")
}

// ErrNotFound: GetBucketReplication on a bucket without one (#22). Obs.
func ErrNotFound(bucket string) *aws.Error {
	return aws.New("ReplicationConfigurationNotFoundError", 404, "The replication configuration was not found").With("BucketName", bucket)
}

// ErrVersioningLocked: PutBucketVersioning Suspended while a replication
// configuration exists. Obs.
func ErrVersioningLocked() *aws.Error {
	return aws.New("InvalidBucketState", 409, "A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration.")
}

// errRequiredV2: Priority or DeleteMarkerReplication missing in a V2 rule
// (#5 Obs, #6 emulator text).
func errRequiredV2(element string) *aws.Error {
	return aws.ErrInvalidRequest(element + " must be specified" + schemaHint)
}

// errNotInV1: an element the V1 schema does not allow: DeleteMarkerReplication
// (#7, Obs), ReplicaModifications (#19, [Inf] same form), ReplicationTime
// ([Inf]: RTC rules are V2 only).
func errNotInV1(element string) *aws.Error {
	return aws.ErrInvalidRequest(element + " cannot be used" + schemaHint)
}

// errDistinctDestinations: V1 with more than one destination bucket (#8). Obs.
func errDistinctDestinations() *aws.Error {
	return aws.ErrInvalidRequest("Number of distinct destination bucket ARNs cannot exceed 1")
}

// errReplicaKey: SseKmsEncryptedObjects Enabled without ReplicaKmsKeyID (#9). Obs.
func errReplicaKey() *aws.Error {
	return aws.ErrInvalidRequest("ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present.")
}

// errEventThreshold: EventThreshold without Enabled RTC (#10). Obs.
func errEventThreshold() *aws.Error {
	return aws.New("InvalidArgument", 400, "Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled")
}

// errRTCWithoutMetrics: ReplicationTime without a Metrics block, or Enabled
// with Metrics Disabled (#11). [Inf] code and text.
func errRTCWithoutMetrics() *aws.Error {
	return aws.ErrInvalidRequest("ReplicationTime must be specified together with an Enabled Metrics block.")
}

// errMinutes: a Time or EventThreshold other than 15 minutes (#12). [Inf].
func errMinutes(element string, m *int) *aws.Error {
	v := ""
	if m != nil {
		v = strconv.Itoa(*m)
	}
	return aws.InvalidArgument("The only valid value for "+element+" Minutes is 15.", "Minutes", v)
}

// errTagDeleteMarker: a tag filter with delete-marker replication (#13).
// Emulator text.
func errTagDeleteMarker() *aws.Error {
	return aws.ErrInvalidRequest("Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information.")
}

// errDuplicatePriority: two V2 rules with the same Priority (#14). [Inf]
// code and text; Ferry requires priorities unique in the whole document.
func errDuplicatePriority(p int) *aws.Error {
	return aws.ErrInvalidRequest("Found duplicate priority " + strconv.Itoa(p) + ". Rule priorities must be unique.")
}

// errDuplicateID: two rules with the same ID (#15). Emulator text.
func errDuplicateID() *aws.Error { return aws.New("InvalidArgument", 400, "Rule Id must be unique.") }

// errIDTooLong, errPrefixTooLong, errTooManyRules, errDocumentTooLarge:
// the limits of #16. [Inf] texts (codes per the emulator).
func errIDTooLong(id string) *aws.Error {
	return aws.InvalidArgument("ID length should not exceed allowed limit of 255", "ID", id)
}

func errPrefixTooLong(prefix string) *aws.Error {
	return aws.InvalidArgument("Prefix length should not exceed allowed limit of 1024", "Prefix", prefix)
}

func errTooManyRules() *aws.Error {
	return aws.ErrInvalidRequest("Number of rules in a replication configuration cannot exceed 1000")
}

func errDocumentTooLarge() *aws.Error {
	return aws.ErrInvalidRequest("The replication configuration must not be larger than 2 MB")
}

// errDuplicateTagKeys: one filter names a tag key twice (#17). Emulator text.
func errDuplicateTagKeys() *aws.Error {
	return aws.ErrInvalidRequest("Duplicate Tag Keys are not allowed.")
}

// errBucketARN: Destination/Bucket is not an S3 bucket ARN. [Inf].
func errBucketARN(v string) *aws.Error { return aws.InvalidArgument("Invalid bucket ARN", "Bucket", v) }

// errRoleARN: Role is not an IAM role ARN. [Inf].
func errRoleARN(v string) *aws.Error { return aws.InvalidArgument("Invalid Role ARN", "Role", v) }

// errAccount: Destination/Account is not a 12-digit account id. [Inf].
func errAccount(v string) *aws.Error {
	return aws.InvalidArgument("Invalid Account Id", "Account", v)
}

// errTranslationAccount: AccessControlTranslation without Destination/Account. [Inf].
func errTranslationAccount() *aws.Error {
	return aws.ErrInvalidRequest("Account must be specified in the Destination when AccessControlTranslation is specified.")
}

// errSameBucket: a rule replicating the bucket into itself. [Inf].
func errSameBucket() *aws.Error {
	return aws.ErrInvalidRequest("Destination bucket cannot be the same as the source bucket.")
}

// errStorageClass: a storage class the model says replication does not
// accept (FSX_OPENZFS). [Inf] code; text from the model's documentation.
func errStorageClass(v string) *aws.Error {
	return aws.ErrInvalidRequest(v + " is not an accepted value when replicating objects.")
}
